// Direct HTTP(S) requests to gitward, beside the git client: the status,
// headers and body git turned into "remote: ..." and an exit code, seen raw.
// One implementation for every test: `request(url)` for ordinary calls,
// `send(port, path)` for attacks that need the path exactly as written (no
// URL normalisation) and headers as name/value pairs (so one can repeat).
import http from 'node:http'
import https from 'node:https'
import type { IncomingHttpHeaders } from 'node:http'

export interface HttpAnswer {
  status: number
  headers: IncomingHttpHeaders
  body: string
}

export interface HttpRequestOptions {
  method?: string
  /** Sent as `Authorization: Basic base64(user:token)`. */
  token?: string
  user?: string
  /**
   * A record, or name/value pairs sent exactly as listed (a name may repeat;
   * Host and Content-Length are added only when the list lacks them).
   */
  headers?: Record<string, string> | ReadonlyArray<readonly [string, string]>
  body?: string | Buffer
  /** CA certificate (PEM) for https URLs. */
  ca?: Buffer | string
  timeoutMs?: number
}

export const basicAuth = (token: string, user = 'git'): string =>
  `Basic ${Buffer.from(`${user}:${token}`, 'utf8').toString('base64')}`
export const basicRaw = (userColonPass: string | Buffer): string =>
  `Basic ${(typeof userColonPass === 'string' ? Buffer.from(userColonPass, 'utf8') : userColonPass).toString('base64')}`
export const bearer = (token: string): string => `Bearer ${token}`

interface Target {
  secure: boolean
  hostname: string
  port: string | number
  /** Sent as written. */
  path: string
}

function headerList(target: Target, options: HttpRequestOptions): string[] | Record<string, string> {
  const given = options.headers ?? {}
  if (!Array.isArray(given)) {
    const headers: Record<string, string> = { ...(given as Record<string, string>) }
    if (options.token !== undefined) headers['Authorization'] = basicAuth(options.token, options.user)
    if (options.body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(options.body))
    return headers
  }
  const pairs = given as ReadonlyArray<readonly [string, string]>
  // Node adds no Host of its own when headers come as a list.
  const flat: string[] = pairs.some(([n]) => n.toLowerCase() === 'host') ? [] : ['Host', `${target.hostname}:${target.port}`]
  for (const [name, value] of pairs) flat.push(name, value)
  if (options.token !== undefined) flat.push('Authorization', basicAuth(options.token, options.user))
  if (options.body !== undefined && !pairs.some(([n]) => /^(content-length|transfer-encoding)$/i.test(n))) {
    flat.push('Content-Length', String(Buffer.byteLength(options.body)))
  }
  return flat
}

function exchange(target: Target, options: HttpRequestOptions): Promise<HttpAnswer> {
  const lib = target.secure ? https : http
  return new Promise((resolve, reject) => {
    const req = lib.request(
      {
        host: target.hostname,
        port: target.port,
        path: target.path,
        method: options.method ?? 'GET',
        headers: headerList(target, options),
        agent: false,
        ...(options.ca === undefined ? {} : { ca: options.ca }),
        timeout: options.timeoutMs ?? 30_000,
      },
      res => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }))
        res.on('error', reject)
      },
    )
    req.on('timeout', () => req.destroy(new Error(`no answer for ${target.path} from ${target.hostname}:${target.port} in time`)))
    req.on('error', reject)
    req.end(options.body)
  })
}

export function request(url: string, options: HttpRequestOptions = {}): Promise<HttpAnswer> {
  const u = new URL(url)
  return exchange({ secure: u.protocol === 'https:', hostname: u.hostname, port: u.port, path: `${u.pathname}${u.search}` }, options)
}

/** One request to gitward on 127.0.0.1:port, `path` sent exactly as written. */
export function send(port: number, path: string, options: HttpRequestOptions = {}): Promise<HttpAnswer> {
  return exchange({ secure: false, hostname: '127.0.0.1', port, path }, options)
}

/** The ref advertisement URL of a project (what git asks first). */
export const infoRefsUrl = (base: string, project: string, service: 'git-upload-pack' | 'git-receive-pack'): string =>
  `${base}/${project}.git/info/refs?service=${service}`

/** GET info/refs for `service` with the given Authorization (none when undefined). */
export function advertise(port: number, project: string, service: 'git-upload-pack' | 'git-receive-pack', authorization?: string): Promise<HttpAnswer> {
  return send(port, `/${project}.git/info/refs?service=${service}`, {
    headers: authorization === undefined ? [] : [['Authorization', authorization]],
  })
}

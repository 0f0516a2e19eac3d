// Direct HTTP(S) requests to gitward, beside the git client: the status,
// headers and body git turned into "remote: ..." and an exit code, seen raw.
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
  headers?: Record<string, string>
  body?: string | Buffer
  /** CA certificate (PEM) for https URLs. */
  ca?: Buffer | string
  timeoutMs?: number
}

export const basicAuth = (token: string, user = 'git'): string =>
  `Basic ${Buffer.from(`${user}:${token}`).toString('base64')}`

export function request(url: string, options: HttpRequestOptions = {}): Promise<HttpAnswer> {
  const u = new URL(url)
  const headers: Record<string, string> = { ...(options.headers ?? {}) }
  if (options.token !== undefined) headers['Authorization'] = basicAuth(options.token, options.user)
  if (options.body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(options.body))
  const lib = u.protocol === 'https:' ? https : http
  return new Promise((resolve, reject) => {
    const req = lib.request(
      {
        host: u.hostname,
        port: u.port,
        path: `${u.pathname}${u.search}`,
        method: options.method ?? 'GET',
        headers,
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
    req.on('timeout', () => req.destroy(new Error(`no answer from ${u.host} in time`)))
    req.on('error', reject)
    req.end(options.body)
  })
}

/** The ref advertisement URL of a project (what git asks first). */
export const infoRefsUrl = (base: string, project: string, service: 'git-upload-pack' | 'git-receive-pack'): string =>
  `${base}/${project}.git/info/refs?service=${service}`

// Well-formed requests with hand-picked headers, for attacks that Node's
// client can still send (odd methods, spoofed identity headers, Bearer vs
// Basic). Headers are given as name/value pairs so a test can repeat one.
// Also builds the credentials and the hand-made git payloads the attacks use.
import http from 'node:http'
import { createHash } from 'node:crypto'

export interface Answer {
  status: number
  headers: http.IncomingHttpHeaders
  body: string
}

export interface SendOptions {
  method?: string
  headers?: ReadonlyArray<readonly [string, string]>
  body?: string | Buffer
  timeoutMs?: number
}

/** One request to gitward on 127.0.0.1:port; the whole answer. */
export function send(port: number, path: string, options: SendOptions = {}): Promise<Answer> {
  // Node adds no Host of its own when headers come as a list.
  const flat: string[] = (options.headers ?? []).some(([n]) => n.toLowerCase() === 'host') ? [] : ['Host', `127.0.0.1:${port}`]
  for (const [name, value] of options.headers ?? []) flat.push(name, value)
  if (options.body !== undefined && !(options.headers ?? []).some(([n]) => /^(content-length|transfer-encoding)$/i.test(n))) {
    flat.push('Content-Length', String(Buffer.byteLength(options.body)))
  }
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: flat, agent: false, timeout: options.timeoutMs ?? 20_000 },
      res => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }))
        res.on('error', reject)
      },
    )
    req.on('timeout', () => req.destroy(new Error(`no answer for ${path} in time`)))
    req.on('error', reject)
    req.end(options.body)
  })
}

export const basic = (token: string, user = 'git'): string => `Basic ${Buffer.from(`${user}:${token}`, 'utf8').toString('base64')}`
export const basicRaw = (userColonPass: string | Buffer): string =>
  `Basic ${(typeof userColonPass === 'string' ? Buffer.from(userColonPass, 'utf8') : userColonPass).toString('base64')}`
export const bearer = (token: string): string => `Bearer ${token}`

/** GET info/refs for `service` with the given Authorization (none when undefined). */
export function advertise(port: number, project: string, service: 'git-upload-pack' | 'git-receive-pack', authorization?: string): Promise<Answer> {
  return send(port, `/${project}.git/info/refs?service=${service}`, {
    headers: authorization === undefined ? [] : [['Authorization', authorization]],
  })
}

const pkt = (line: string | Buffer): Buffer => {
  const data = typeof line === 'string' ? Buffer.from(line, 'utf8') : line
  return Buffer.concat([Buffer.from((data.length + 4).toString(16).padStart(4, '0'), 'ascii'), data])
}
export const FLUSH = Buffer.from('0000', 'ascii')
export const ZERO_SHA = '0'.repeat(40)

/** An empty version-2 pack (no objects): header and SHA-1 trailer. */
export function emptyPack(): Buffer {
  const head = Buffer.from([0x50, 0x41, 0x43, 0x4b, 0, 0, 0, 2, 0, 0, 0, 0])
  return Buffer.concat([head, createHash('sha1').update(head).digest()])
}

/**
 * A receive-pack request body that deletes `ref` (currently at `oldSha`):
 * no pack is needed for a delete, so it is a few bytes a test can hide
 * inside another request. If it ever reached git, the ref would be gone.
 */
export function deleteRefBody(oldSha: string, ref: string): Buffer {
  return Buffer.concat([pkt(`${oldSha} ${ZERO_SHA} ${ref}\0report-status delete-refs agent=attack\n`), FLUSH])
}

/** A receive-pack body that creates `ref` at an existing commit `sha` (with an empty pack). */
export function createRefBody(sha: string, ref: string): Buffer {
  return Buffer.concat([pkt(`${ZERO_SHA} ${sha} ${ref}\0report-status agent=attack\n`), FLUSH, emptyPack()])
}

/** A minimal upload-pack (v0) request: want `sha`, done. */
export function uploadPackBody(sha: string): Buffer {
  return Buffer.concat([pkt(`want ${sha} agent=attack\n`), FLUSH, pkt('done\n')])
}

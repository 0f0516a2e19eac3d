// An API request's parameters: the query string and a small body, JSON or
// form-encoded (curl -d, and `scopes[]=api&scopes[]=read_api` as GitLab's
// clients send arrays), merged into one plain object. Unknown fields are kept
// here and ignored by the schemas, as GitLab ignores them.
//
// Threat: memory and time exhaustion through the body. The body is counted
// as it arrives and the request refused (413) past the limit, without
// reading the rest; a body that does not arrive in time is refused (408).
import type { IncomingMessage } from 'node:http'

export type BodyRead =
  | { ok: true; fields: Record<string, unknown> }
  | { ok: false; status: 400 | 408 | 413 | 415; message: string }

export interface BodyOptions {
  limitBytes: number
  timeoutMs: number
}

/** Query parameters as fields; `key[]` repeated becomes an array under `key`. */
export function formFields(params: URLSearchParams): Record<string, unknown> {
  const fields: Record<string, unknown> = Object.create(null) as Record<string, unknown>
  for (const [rawKey, value] of params) {
    if (rawKey.endsWith('[]')) {
      const key = rawKey.slice(0, -2)
      const list = fields[key]
      fields[key] = Array.isArray(list) ? [...(list as unknown[]), value] : [value]
    } else {
      fields[rawKey] = value
    }
  }
  return fields
}

/** Parse a complete body by its Content-Type (pure). */
export function parseBody(contentType: string | undefined, body: Buffer): BodyRead {
  if (body.length === 0) return { ok: true, fields: Object.create(null) as Record<string, unknown> }
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? ''
  const text = body.toString('utf8')
  if (type === 'application/json') {
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch {
      return { ok: false, status: 400, message: 'the request body is not valid JSON.' }
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      return { ok: false, status: 400, message: 'the request body must be a JSON object.' }
    }
    // A plain copy: no __proto__ surprises reach the schemas.
    return { ok: true, fields: Object.assign(Object.create(null) as Record<string, unknown>, parsed) }
  }
  if (type === 'application/x-www-form-urlencoded' || type === '') return { ok: true, fields: formFields(new URLSearchParams(text)) }
  return { ok: false, status: 415, message: 'the request body must be JSON (application/json) or form-encoded (application/x-www-form-urlencoded).' }
}

/** Read the whole body within the limits, then parse it. */
export function readBody(req: IncomingMessage, options: BodyOptions): Promise<BodyRead> {
  const declared = Number(req.headers['content-length'] ?? '0')
  if (Number.isFinite(declared) && declared > options.limitBytes) return Promise.resolve(tooLarge(options.limitBytes))
  return new Promise(resolve => {
    const chunks: Buffer[] = []
    let size = 0
    let done = false
    const finish = (result: BodyRead): void => {
      if (done) return
      done = true
      clearTimeout(timer)
      req.off('data', onData)
      req.off('end', onEnd)
      resolve(result)
    }
    const timer = setTimeout(() => finish({ ok: false, status: 408, message: 'the request body was not sent in time.' }), options.timeoutMs)
    const onData = (chunk: Buffer): void => {
      size += chunk.length
      if (size > options.limitBytes) {
        req.pause()
        finish(tooLarge(options.limitBytes))
        return
      }
      chunks.push(chunk)
    }
    const onEnd = (): void => finish(parseBody(req.headers['content-type'], Buffer.concat(chunks)))
    req.on('data', onData)
    req.on('end', onEnd)
    req.once('error', () => finish({ ok: false, status: 400, message: 'the request body could not be read.' }))
  })
}

const tooLarge = (limit: number): BodyRead => ({ ok: false, status: 413, message: `the request body is larger than ${limit} bytes.` })

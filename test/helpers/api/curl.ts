// The HTTP API driven the way scripts drive it: real curl, one process per
// call. Answers come back as status, lower-cased headers and the parsed JSON.
import { execFile } from 'node:child_process'

export interface CurlOptions {
  /** Sent as PRIVATE-TOKEN (default) or as Authorization: Bearer. */
  token?: string
  auth?: 'private-token' | 'bearer'
  /** A JSON body. */
  json?: unknown
  /** A form body: repeated keys allowed (scopes[]=a, scopes[]=b). */
  form?: Array<[string, string]>
  /** A raw body with its own content type. */
  raw?: { type: string; body: string }
  headers?: Record<string, string>
}

/** One object the API answers: a token, project or group, or an error. */
export interface ApiObject {
  id: number
  gitward_id: string
  name: string
  /** Only in create and rotate answers. */
  token: string
  scopes: string[]
  access_level: number
  expires_at: string | null
  active: boolean
  revoked: boolean
  error: string
  message: string
  [key: string]: unknown
}

export interface CurlAnswer {
  status: number
  headers: Record<string, string>
  text: string
  /** The body parsed as a JSON object (an empty object when it is not one). */
  json: ApiObject
  /** The body parsed as a JSON list (empty when it is not one). */
  list: ApiObject[]
}

export function curl(base: string, method: string, path: string, o: CurlOptions = {}): Promise<CurlAnswer> {
  const args = ['-sS', '-i', '-X', method, '--max-time', '30', '-H', 'Expect:']
  if (o.token !== undefined) {
    args.push('-H', o.auth === 'bearer' ? `Authorization: Bearer ${o.token}` : `PRIVATE-TOKEN: ${o.token}`)
  }
  for (const [k, v] of Object.entries(o.headers ?? {})) args.push('-H', `${k}: ${v}`)
  if (o.json !== undefined) args.push('-H', 'Content-Type: application/json', '--data-binary', JSON.stringify(o.json))
  if (o.form !== undefined) for (const [k, v] of o.form) args.push('--data-urlencode', `${k}=${v}`)
  if (o.raw !== undefined) args.push('-H', `Content-Type: ${o.raw.type}`, '--data-binary', o.raw.body)
  args.push(`${base}${path}`)
  return new Promise((resolve, reject) => {
    execFile('curl', args, { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 }, (error, stdout) => {
      if (error !== null && stdout === '') return reject(new Error(error.message))
      // Skip interim answers (100 Continue).
      let rest = stdout
      while (/^HTTP\/[0-9.]+ 1\d\d/.test(rest)) rest = rest.slice(rest.indexOf('\r\n\r\n') + 4)
      const split = rest.indexOf('\r\n\r\n')
      const head = split === -1 ? rest : rest.slice(0, split)
      const text = split === -1 ? '' : rest.slice(split + 4)
      const [statusLine, ...lines] = head.split('\r\n')
      const headers: Record<string, string> = {}
      for (const l of lines) {
        const i = l.indexOf(':')
        if (i > 0) headers[l.slice(0, i).toLowerCase()] = l.slice(i + 1).trim()
      }
      let parsed: unknown
      try {
        parsed = text === '' ? undefined : JSON.parse(text)
      } catch {
        parsed = undefined
      }
      const isObject = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      resolve({
        status: Number(statusLine?.split(' ')[1] ?? 0),
        headers,
        text,
        json: (isObject ? parsed : {}) as ApiObject,
        list: (Array.isArray(parsed) ? parsed : []) as ApiObject[],
      })
    })
  })
}

// Turns a request target into decoded path segments, or says why it cannot.
// Every segment is percent-decoded exactly once, and a decoded segment may not
// contain anything that a second decoding, a path join or a CGI layer could
// read differently from us (the threat: `%252f`, `%2f`, `%5c`, `%00` turning
// into a separator or a terminator somewhere behind the gate).

/** Longest request target accepted, in bytes; longer gets 414. */
export const MAX_URL_BYTES = 4096

export type RequestTarget =
  | { ok: true; segments: readonly string[]; query: string | null }
  | { ok: false; status: 400 | 414; message: string }

// After decoding: a separator, a backslash (a separator on some systems and to
// some proxies), a `%` (a second decoding anywhere would change the meaning),
// C0 and C1 control characters (NUL truncates C strings; CR/LF split lines).
const FORBIDDEN_DECODED = /[/\\%\p{Cc}]/u

/**
 * Split an origin-form request target (`/a/b/info/refs?service=…`) into
 * decoded path segments and the raw query (null when there is no `?`).
 * The first `?` ends the path; the query is returned as sent, undecoded.
 */
export function parseRequestTarget(url: string): RequestTarget {
  if (Buffer.byteLength(url, 'utf8') > MAX_URL_BYTES) {
    return { ok: false, status: 414, message: `The request URL is longer than ${MAX_URL_BYTES} bytes.` }
  }
  // A fragment is never sent by a git client; a `#` in the target means a
  // hand-made request whose path and query other parsers may split elsewhere.
  if (url.includes('#')) {
    return { ok: false, status: 400, message: 'The request URL must not contain "#".' }
  }
  // Absolute-form (`http://host/...`), authority-form and `*` name a target
  // other than a path on this server; only origin-form is accepted.
  if (!url.startsWith('/')) {
    return { ok: false, status: 400, message: 'The request URL must be a path starting with "/".' }
  }
  const q = url.indexOf('?')
  const rawPath = q === -1 ? url : url.slice(0, q)
  const query = q === -1 ? null : url.slice(q + 1)

  const segments: string[] = []
  for (const raw of rawPath.slice(1).split('/')) {
    let decoded: string
    try {
      // Also refuses escapes that are not valid UTF-8, such as the overlong
      // `%c0%ae` that some decoders once read as ".".
      decoded = decodeURIComponent(raw)
    } catch {
      return { ok: false, status: 400, message: 'The request path contains a malformed percent-encoding.' }
    }
    if (FORBIDDEN_DECODED.test(decoded)) {
      return {
        ok: false,
        status: 400,
        message:
          'The request path contains a character that is not allowed (an encoded "/", a "\\", a "%" after decoding, or a control character).',
      }
    }
    segments.push(decoded)
  }
  return { ok: true, segments, query }
}

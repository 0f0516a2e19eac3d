// The two request headers that change how git reads a request, checked
// against the forms git itself sends. Both the gate (for every upstream) and
// the embedded backend's CGI environment use these, so an external upstream
// never sees a value the embedded backend would refuse.

/** Request headers as node:http hands them over (names in lower case). */
export type HeaderMap = Readonly<Record<string, string | string[] | undefined>>

export type ContentEncoding = 'gzip' | 'x-gzip' | 'identity'
const CONTENT_ENCODINGS: readonly ContentEncoding[] = ['gzip', 'x-gzip', 'identity']

/** The answer to a body in any other encoding (415), which git prints as "remote: …". */
export const MSG_UNSUPPORTED_ENCODING =
  'The request body uses a Content-Encoding git cannot read; send it uncompressed or gzip-compressed.'

/**
 * The request's Content-Encoding: `undefined` when absent, the encoding when
 * git can read it, or `'unsupported'` (refused with 415 rather than handed to
 * git, which would misread it as raw pkt-lines).
 */
export function requestContentEncoding(headers: HeaderMap): ContentEncoding | undefined | 'unsupported' {
  const raw = headers['content-encoding']
  if (raw === undefined) return undefined
  if (typeof raw !== 'string') return 'unsupported'
  const v = raw.trim().toLowerCase()
  return (CONTENT_ENCODINGS as readonly string[]).includes(v) ? (v as ContentEncoding) : 'unsupported'
}

export const isGzip = (encoding: ContentEncoding | undefined | 'unsupported'): boolean =>
  encoding === 'gzip' || encoding === 'x-gzip'

// What git sends in `Git-Protocol:` — `version=2` today; the colon-separated
// key[=value] form is the documented extension. Anything else is dropped, so
// git falls back to protocol v0 rather than reading a crafted string.
const GIT_PROTOCOL = /^version=[0-2](?::[A-Za-z0-9._-]+(?:=[A-Za-z0-9._-]+)?)*$/
const MAX_GIT_PROTOCOL_LENGTH = 128

/** The Git-Protocol header if it has the form git sends, else undefined. */
export function gitProtocolHeader(headers: HeaderMap): string | undefined {
  const v = headers['git-protocol']
  if (typeof v !== 'string' || v.length > MAX_GIT_PROTOCOL_LENGTH) return undefined
  return GIT_PROTOCOL.test(v) ? v : undefined
}

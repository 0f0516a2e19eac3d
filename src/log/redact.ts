// Redaction that the logger applies to every field of every line, so a token
// can never be printed, even by a caller that passes the wrong thing.
// Threats covered: an Authorization header logged whole, a token inside a URL
// or an error message, and base64 of "user:token" (the Basic credential).

const SECRET_KEYS = /^(authorization|proxy-authorization|cookie|set-cookie|token|password|secret|secrethash|secret_hash)$/i
const AUTH_SCHEME = /\b(Basic|Bearer)\s+[A-Za-z0-9._~+/=-]+/gi
// userinfo in a URL: scheme://user:password@host
const URL_USERINFO = /(\b[a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/gi
// Long base64 or base64url runs can hide a "user:token" credential. Runs
// that mix upper case, lower case and digits are scrubbed; plain long names
// (project paths, hex object ids) are not.
const LONG_BASE64 = /[A-Za-z0-9+/_-]{60,}={0,2}/g
const looksEncoded = (run: string): boolean => /[A-Z]/.test(run) && /[a-z]/.test(run) && /[0-9]/.test(run)

export const REDACTED = '[redacted]'

export function makeStringRedactor(tokenPatterns: readonly RegExp[]): (s: string) => string {
  return (s: string): string => {
    let out = s
    for (const p of tokenPatterns) out = out.replace(p, REDACTED)
    return out
      .replace(AUTH_SCHEME, `$1 ${REDACTED}`)
      .replace(URL_USERINFO, `$1${REDACTED}@`)
      .replace(LONG_BASE64, run => (looksEncoded(run) ? REDACTED : run))
  }
}

/** Deep-copy `value` with secret-named keys dropped and strings scrubbed. */
export function redactValue(value: unknown, scrub: (s: string) => string, depth = 0): unknown {
  if (typeof value === 'string') return scrub(value)
  if (value === null || typeof value !== 'object') return value
  if (depth > 6) return '[deep]'
  if (value instanceof Error) {
    return { name: value.name, message: scrub(value.message), code: (value as { code?: unknown }).code }
  }
  if (Array.isArray(value)) return value.map(v => redactValue(v, scrub, depth + 1))
  const out: Record<string, unknown> = Object.create(null)
  for (const [k, v] of Object.entries(value)) {
    out[k] = SECRET_KEYS.test(k) ? REDACTED : redactValue(v, scrub, depth + 1)
  }
  return out
}

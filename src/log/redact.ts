// Redaction that the logger applies to every field of every line, so a token
// can never be printed, even by a caller that passes the wrong thing.
// Threats covered: an Authorization header logged whole, a token inside a URL,
// an error message or a stack trace, and base64 of "user:token" (the Basic
// credential).
//
// The patterns of gitward's own tokens are passed in by whoever builds the
// logger (the token format belongs to auth/, which the kernel must not import).

const SECRET_KEYS = /^(authorization|proxy-authorization|private-token|cookie|set-cookie|token|password|secret|secrethash|secret_hash)$/i
const AUTH_SCHEME = /\b(Basic|Bearer)\s+[A-Za-z0-9._~+/=-]+/gi
// userinfo in a URL: scheme://user:password@host
const URL_USERINFO = /(\b[a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/gi
// Long base64 or base64url runs can hide a "user:token" credential. Runs
// that mix upper case, lower case and digits are scrubbed; plain long names
// (project paths, hex object ids) are not.
const LONG_BASE64 = /[A-Za-z0-9+/_-]{60,}={0,2}/g
// The regular expression retries from every position of a shorter run, which
// makes it quadratic in the run's length; this one pass finds out first
// whether the string has a run long enough at all (most log lines do not).
function hasLongBase64Run(s: string): boolean {
  let run = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    const inClass =
      (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 43 || c === 47 || c === 95 || c === 45
    run = inClass ? run + 1 : 0
    if (run >= 60) return true
  }
  return false
}
const scrubLongBase64 = (s: string): string =>
  hasLongBase64Run(s) ? s.replace(LONG_BASE64, run => (looksEncoded(run) ? REDACTED : run)) : s
const looksEncoded = (run: string): boolean => /[A-Z]/.test(run) && /[a-z]/.test(run) && /[0-9]/.test(run)

export const REDACTED = '[redacted]'
const MAX_DEPTH = 6
// Shorter than any LONG_BASE64 run.
const SHORT = 60
const SCHEME_WORD = /b(?:asic|earer)/i

export type StringRedactor = (s: string) => string

/**
 * `secretMinLength`: no match of any secret pattern is shorter (0 when
 * unknown); a shorter string cannot hold one, so the patterns are not run.
 */
export function makeStringRedactor(secretPatterns: readonly RegExp[], secretMinLength = 0): StringRedactor {
  // Most strings in a log line are short (a status, a project path, a
  // time). A long base64 run is longer than SHORT, so in a shorter string
  // only the scheme word or a URL's userinfo can still match, and two cheap
  // searches rule those out. Anything that could hold a secret still gets
  // every replacement below.
  return (s: string): string => {
    let out = s
    if (out.length >= secretMinLength) for (const p of secretPatterns) out = out.replace(p, REDACTED)
    if (out.length < SHORT && !out.includes('://') && !SCHEME_WORD.test(out)) return out
    return scrubLongBase64(out.replace(AUTH_SCHEME, `$1 ${REDACTED}`).replace(URL_USERINFO, `$1${REDACTED}@`))
  }
}

/**
 * The last pass over a finished JSON line. Only patterns whose characters
 * cannot include a quote or a backslash are applied, so the line stays valid
 * JSON; the structural pass (redactValue) has already done the rest. This pass
 * exists so that nothing the logging library adds on its own can carry a token.
 */
export function makeLineRedactor(secretPatterns: readonly RegExp[]): StringRedactor {
  return (line: string): string => {
    let out = line
    for (const p of secretPatterns) out = out.replace(p, REDACTED)
    return scrubLongBase64(out.replace(AUTH_SCHEME, `$1 ${REDACTED}`))
  }
}

/**
 * An error as loggable fields: its name, message, code and stack trace (each
 * scrubbed: a message or a frame can quote a token), and its cause.
 */
function redactError(error: Error, scrub: StringRedactor, depth: number): Record<string, unknown> {
  const out = Object.create(null) as Record<string, unknown>
  out['name'] = scrub(error.name)
  out['message'] = scrub(error.message)
  const code: unknown = (error as { code?: unknown }).code
  if (code !== undefined) out['code'] = redactValue(code, scrub, depth + 1)
  if (typeof error.stack === 'string') out['stack'] = scrub(error.stack)
  if (error.cause !== undefined) out['cause'] = redactValue(error.cause, scrub, depth + 1)
  return out
}

/**
 * `value` with secret-named keys dropped and strings scrubbed: a copy where
 * anything changed. A plain object (or array) that needs no change comes back
 * as it is — a request's log line is a flat object of safe values, and
 * copying it on every request costs more than the rest of the redaction.
 * Any other object (a class instance, which JSON.stringify could serialise
 * through its own toJSON) is always copied field by field.
 */
export function redactValue(value: unknown, scrub: StringRedactor, depth = 0): unknown {
  if (typeof value === 'string') return scrub(value)
  if (typeof value === 'bigint') return value.toString()
  if (value === null || typeof value !== 'object') return value
  if (depth > MAX_DEPTH) return '[deep]'
  if (value instanceof Error) return redactError(value, scrub, depth)
  if (Array.isArray(value)) {
    const items = value.map(v => redactValue(v, scrub, depth + 1))
    return Object.getPrototypeOf(value) === Array.prototype && items.every((v, i) => v === value[i]) ? value : items
  }
  const proto: unknown = Object.getPrototypeOf(value)
  const plain = proto === Object.prototype || proto === null
  const fields = value as Record<string, unknown>
  const keys = Object.keys(fields)
  let out: Record<string, unknown> | null = plain ? null : (Object.create(null) as Record<string, unknown>)
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i] as string
    const v = fields[k]
    const r = SECRET_KEYS.test(k) ? REDACTED : redactValue(v, scrub, depth + 1)
    if (out === null && r !== v) {
      // The first change: copy what came before it, then go on copying.
      out = Object.create(null) as Record<string, unknown>
      for (let j = 0; j < i; j++) out[keys[j] as string] = fields[keys[j] as string]
    }
    if (out !== null) out[k] = r
  }
  return out ?? value
}

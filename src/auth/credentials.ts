// Reads the access token a git client presents, from `Authorization: Basic`
// (the password is the token; the username is ignored but must be present)
// or `Authorization: Bearer`. Both produce the same value, so every later
// check is the same whichever scheme was used. Pure, and never throws: a bad
// header is a bad credential (401), not a crash. The username is never
// returned, and nothing here ever puts the header into a message.
import type { IncomingHttpHeaders } from 'node:http'
import basicAuth from 'basic-auth'

export type MalformedReason =
  | 'scheme'
  | 'encoding'
  | 'blank-username'
  | 'empty-token'
  | 'non-ascii'
  | 'duplicate'
  | 'oversized'

export type Credentials =
  | { kind: 'none' }
  | { kind: 'malformed'; reason: MalformedReason }
  | { kind: 'token'; scheme: 'basic' | 'bearer'; token: string }

export interface CredentialOptions {
  /** Longest Authorization header value accepted, in characters. */
  maxLength: number
}

// Visible ASCII and space. Anything else in the header (non-ASCII, which Node
// hands over as latin1, or a control character) cannot be part of a token.
const HEADER_TEXT = /^[\u0020-\u007e]*$/
// Visible ASCII only: a token has no spaces, no controls, no UTF-8.
const TOKEN_TEXT = /^[\u0021-\u007e]+$/
// Standard padded base64, as curl (and so git) sends it.
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/
// RFC 6750 b64token.
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/

const malformed = (reason: MalformedReason): Credentials => ({ kind: 'malformed', reason })

/** Every Authorization value the client sent (Node keeps only the first in `headers`). */
function authorizationValues(headers: IncomingHttpHeaders, rawHeaders: readonly string[]): string[] {
  const values: string[] = []
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    if (rawHeaders[i]?.toLowerCase() === 'authorization') values.push(rawHeaders[i + 1] ?? '')
  }
  // A caller that built `headers` by hand without rawHeaders still gets read.
  const parsed = headers.authorization
  if (values.length === 0 && typeof parsed === 'string') values.push(parsed)
  return values
}

function parseBasic(credentials: string): Credentials {
  // basic-auth alone accepts characters outside base64 and decodes leniently
  // (skipping what it cannot read); require canonical base64 so one header
  // has one reading.
  if (credentials === '' || !BASE64.test(credentials)) return malformed('encoding')
  const parsed = basicAuth.parse(`Basic ${credentials}`)
  if (parsed === undefined) return malformed('encoding') // no ":" between user and password
  if (parsed.name.trim() === '') return malformed('blank-username')
  if (parsed.pass === '') return malformed('empty-token')
  // Bytes that are not UTF-8 decode to U+FFFD, so this also catches them.
  if (!TOKEN_TEXT.test(parsed.pass)) return malformed('non-ascii')
  return { kind: 'token', scheme: 'basic', token: parsed.pass }
}

function parseBearer(credentials: string): Credentials {
  if (credentials === '') return malformed('empty-token')
  if (!B64TOKEN.test(credentials)) return malformed('encoding')
  return { kind: 'token', scheme: 'bearer', token: credentials }
}

export function parseCredentials(
  headers: IncomingHttpHeaders,
  rawHeaders: readonly string[],
  opts: CredentialOptions,
): Credentials {
  const values = authorizationValues(headers, rawHeaders)
  if (values.length === 0) return { kind: 'none' }
  // Two Authorization headers have no single meaning: a proxy in front may
  // read the last while Node reads the first.
  if (values.length > 1) return malformed('duplicate')
  const value = values[0] ?? ''
  if (value.length > opts.maxLength) return malformed('oversized')
  if (!HEADER_TEXT.test(value)) return malformed('non-ascii')

  // `scheme 1*SP credentials`, surrounding spaces ignored (RFC 9110 11.4).
  const trimmed = value.replace(/^ +| +$/g, '')
  const space = trimmed.indexOf(' ')
  const scheme = (space === -1 ? trimmed : trimmed.slice(0, space)).toLowerCase()
  const credentials = space === -1 ? '' : trimmed.slice(space).replace(/^ +/, '')
  switch (scheme) {
    case 'basic':
      return parseBasic(credentials)
    case 'bearer':
      return parseBearer(credentials)
    default:
      return malformed('scheme')
  }
}

/**
 * The token an HTTP API client presents, GitLab's two ways: a
 * `PRIVATE-TOKEN` header, or `Authorization: Bearer`. Basic is for git and
 * is refused here (as a malformed scheme). Both at once, or either twice,
 * has no single meaning and is refused as a duplicate.
 */
export function parseApiCredentials(
  headers: IncomingHttpHeaders,
  rawHeaders: readonly string[],
  opts: CredentialOptions,
): Credentials {
  const privateTokens: string[] = []
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    if (rawHeaders[i]?.toLowerCase() === 'private-token') privateTokens.push(rawHeaders[i + 1] ?? '')
  }
  const parsed = headers['private-token']
  if (privateTokens.length === 0 && typeof parsed === 'string') privateTokens.push(parsed)
  const authorization = parseCredentials(headers, rawHeaders, opts)
  if (privateTokens.length === 0) {
    return authorization.kind === 'token' && authorization.scheme === 'basic' ? malformed('scheme') : authorization
  }
  if (privateTokens.length > 1 || authorization.kind !== 'none') return malformed('duplicate')
  const value = (privateTokens[0] ?? '').replace(/^ +| +$/g, '')
  if (value.length > opts.maxLength) return malformed('oversized')
  if (value === '') return malformed('empty-token')
  if (!TOKEN_TEXT.test(value)) return malformed('non-ascii')
  return { kind: 'token', scheme: 'bearer', token: value }
}

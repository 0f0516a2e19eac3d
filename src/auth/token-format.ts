// The shape of a gitward access token, as pure functions.
//
//   gwpat-k3j9x2m1q8ab_Xy...32 chars...Q7Lm2a
//   ^^^^^^ ^^^^^^^^^^^^ ^^^^^^^^^^^^^^^^^^^^^^ ^^^^^^
//   prefix public id    secret (190 bits)      checksum
//
// - The prefix lets secret scanners recognise a leaked token.
// - The public id is the row's primary key: the verifier loads exactly one row
//   and runs at most one bcrypt compare. The id is not secret.
// - The secret is the only part that is hashed and compared. 32 base62
//   characters carry about 190 bits from crypto.randomBytes, well under
//   bcrypt's 72-byte input limit.
// - The checksum (SHA-256 of id and secret, base62) lets a truncated or mistyped
//   token be refused before any database or bcrypt work.
// Only URL-safe characters are used, so a token survives being pasted into a
// URL or a credential helper unchanged.
import { createHash } from 'node:crypto'

export const DEFAULT_TOKEN_PREFIX = 'gwpat-'
export const TOKEN_PREFIX_PATTERN = /^[A-Za-z0-9_-]{0,16}$/

export const ID_LENGTH = 12
export const SECRET_LENGTH = 32
export const CHECKSUM_LENGTH = 6
const ID_ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz' // Crockford base32, lower case
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
const BODY_LENGTH = ID_LENGTH + 1 + SECRET_LENGTH + CHECKSUM_LENGTH
const BODY = new RegExp(
  `^([${ID_ALPHABET}]{${ID_LENGTH}})_([0-9A-Za-z]{${SECRET_LENGTH}})([0-9A-Za-z]{${CHECKSUM_LENGTH}})$`,
)
export const TOKEN_ID_PATTERN = new RegExp(`^[${ID_ALPHABET}]{${ID_LENGTH}}$`)

/** Source of cryptographic randomness; crypto.randomBytes in production. */
export type RandomBytes = (size: number) => Buffer

export interface ParsedToken {
  id: string
  secret: string
}

export type TokenParse =
  | { ok: true; token: ParsedToken }
  | { ok: false; reason: 'prefix' | 'length' | 'alphabet' | 'checksum' }

/** Draw `length` characters from `alphabet` without modulo bias. */
function randomString(random: RandomBytes, alphabet: string, length: number): string {
  const limit = 256 - (256 % alphabet.length)
  let out = ''
  while (out.length < length) {
    for (const byte of random(length * 2)) {
      if (byte < limit) out += alphabet[byte % alphabet.length]
      if (out.length === length) break
    }
  }
  return out
}

export function checksum(id: string, secret: string): string {
  const digest = createHash('sha256').update(`${id}_${secret}`).digest()
  let n = digest.readUInt32BE(0)
  let out = ''
  for (let i = 0; i < CHECKSUM_LENGTH; i++) {
    out = BASE62[n % 62] + out
    n = Math.floor(n / 62)
  }
  return out
}

export const newTokenId = (random: RandomBytes): string =>
  randomString(random, ID_ALPHABET, ID_LENGTH)

export const newSecret = (random: RandomBytes): string =>
  randomString(random, BASE62, SECRET_LENGTH)

export function formatToken(prefix: string, id: string, secret: string): string {
  return `${prefix}${id}_${secret}${checksum(id, secret)}`
}

/**
 * Split a presented token into id and secret, checking prefix, length,
 * alphabet and checksum. Pure and cheap: no database, no bcrypt.
 */
export function parseToken(prefix: string, presented: string): TokenParse {
  if (!presented.startsWith(prefix)) return { ok: false, reason: 'prefix' }
  const body = presented.slice(prefix.length)
  if (body.length !== BODY_LENGTH) return { ok: false, reason: 'length' }
  const m = BODY.exec(body)
  if (m === null) return { ok: false, reason: 'alphabet' }
  const [, id, secret, sum] = m as unknown as [string, string, string, string]
  if (checksum(id, secret) !== sum) return { ok: false, reason: 'checksum' }
  return { ok: true, token: { id, secret } }
}

/** A pattern secret scanners and the log redactor can use to find tokens. */
export function tokenPattern(prefix: string): RegExp {
  const escaped = prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  return new RegExp(`${escaped}[${ID_ALPHABET}]{${ID_LENGTH}}_[0-9A-Za-z]{${SECRET_LENGTH + CHECKSUM_LENGTH}}`, 'g')
}

/**
 * The pattern the log redactor scrubs, as one expression so a log line is
 * scanned once: a token with the configured prefix or the default one (a
 * token pasted from another installation is a secret too), or a token's body
 * with its prefix cut off (id, underscore, 38 base62 characters: specific
 * enough never to match a path, an object id or a time).
 */
export function tokenPatterns(prefix: string): RegExp[] {
  const prefixes = [...new Set([prefix, DEFAULT_TOKEN_PREFIX])].filter(p => p !== '').map(p => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
  const optionalPrefix = prefixes.length === 0 ? '' : `(?:${prefixes.join('|')})?`
  return [new RegExp(`${optionalPrefix}[${ID_ALPHABET}]{${ID_LENGTH}}_[0-9A-Za-z]{${SECRET_LENGTH + CHECKSUM_LENGTH}}`, 'g')]
}

/** The fewest characters any of tokenPatterns' matches has (a bare token body). */
export const TOKEN_PATTERN_MIN_LENGTH = BODY_LENGTH

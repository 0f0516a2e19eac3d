import t from 'tap'
import { randomBytes } from 'node:crypto'
import {
  CHECKSUM_LENGTH,
  checksum,
  DEFAULT_TOKEN_PREFIX,
  formatToken,
  ID_LENGTH,
  newSecret,
  newTokenId,
  parseToken,
  SECRET_LENGTH,
  TOKEN_ID_PATTERN,
  tokenPattern,
} from '../../src/auth/token-format.js'

const mint = (prefix = DEFAULT_TOKEN_PREFIX) => {
  const id = newTokenId(randomBytes)
  const secret = newSecret(randomBytes)
  return { id, secret, token: formatToken(prefix, id, secret) }
}

t.test('a minted token parses back to its id and secret', async t => {
  for (let i = 0; i < 50; i++) {
    const { id, secret, token } = mint()
    t.same(parseToken(DEFAULT_TOKEN_PREFIX, token), { ok: true, token: { id, secret } })
    t.match(id, TOKEN_ID_PATTERN)
  }
})

t.test('shape: prefix, length, URL-safe alphabet', async t => {
  const { token } = mint()
  t.ok(token.startsWith('gwpat-'))
  t.equal(token.length, DEFAULT_TOKEN_PREFIX.length + ID_LENGTH + 1 + SECRET_LENGTH + CHECKSUM_LENGTH)
  t.match(token, /^[A-Za-z0-9_-]+$/)
  t.equal(encodeURIComponent(token), token, 'survives a URL unchanged')
})

t.test('the secret carries at least 128 bits and fits bcrypt (72 bytes)', async t => {
  const bits = SECRET_LENGTH * Math.log2(62)
  t.ok(bits >= 128, `${bits.toFixed(1)} bits`)
  const { secret } = mint()
  t.ok(Buffer.byteLength(secret, 'utf8') <= 72)
  // Distinct across draws: no fixed or low-entropy source.
  const seen = new Set(Array.from({ length: 200 }, () => newSecret(randomBytes)))
  t.equal(seen.size, 200)
})

t.test('refusals name the first check that failed', async t => {
  const { id, secret, token } = mint()
  t.same(parseToken('gwpat-', 'ghp_' + token.slice(6)), { ok: false, reason: 'prefix' })
  t.same(parseToken('gwpat-', token.slice(0, -1)), { ok: false, reason: 'length' })
  t.same(parseToken('gwpat-', token + 'A'), { ok: false, reason: 'length' })
  t.same(parseToken('gwpat-', token.slice(0, 10) + '!' + token.slice(11)), { ok: false, reason: 'alphabet' })
  // Upper case is outside the id alphabet.
  t.same(parseToken('gwpat-', 'gwpat-' + id.toUpperCase() + '_' + secret + checksum(id, secret)), {
    ok: false,
    reason: 'alphabet',
  })
  t.same(parseToken('gwpat-', 'gwpat-' + id + '_' + secret + 'AAAAAA'), { ok: false, reason: 'checksum' })
  t.same(parseToken('gwpat-', ''), { ok: false, reason: 'prefix' })
  t.same(parseToken('gwpat-', 'gwpat-'), { ok: false, reason: 'length' })
})

t.test('changing any single character is refused before any lookup', async t => {
  const { token } = mint()
  const body = 'abcdefghjkmnpqrstvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_-'
  let tried = 0
  for (let i = 0; i < token.length; i++) {
    // Two substitutes per position, each different from the original.
    const subs = [...body].filter(c => c !== token[i]).slice(0, 2)
    for (const c of subs) {
      const mutated = token.slice(0, i) + c + token.slice(i + 1)
      tried++
      t.equal(parseToken('gwpat-', mutated).ok, false, `position ${i} -> ${c}`)
    }
  }
  t.equal(tried, token.length * 2)
})

t.test('a custom or empty prefix works and is enforced', async t => {
  const { id, secret } = mint()
  const custom = formatToken('acme_', id, secret)
  t.equal(parseToken('acme_', custom).ok, true)
  t.equal(parseToken('gwpat-', custom).ok, false)
  const bare = formatToken('', id, secret)
  t.equal(parseToken('', bare).ok, true)
})

t.test('the checksum is deterministic and 6 base62 characters', async t => {
  t.equal(checksum('aaaaaaaaaaaa', 'x'.repeat(32)), checksum('aaaaaaaaaaaa', 'x'.repeat(32)))
  t.match(checksum('aaaaaaaaaaaa', 'x'.repeat(32)), /^[0-9A-Za-z]{6}$/)
  t.not(checksum('aaaaaaaaaaaa', 'x'.repeat(32)), checksum('aaaaaaaaaaab', 'x'.repeat(32)))
})

t.test('random strings are drawn without modulo bias (bytes above the limit are skipped)', async t => {
  // For the 62-character secret alphabet bytes 248..255 would favour the
  // first 8 characters, so they must be skipped. A source that first hands
  // out only 255s and then zeros must yield only the first character.
  let calls = 0
  const source = (n: number) => Buffer.alloc(n, calls++ === 0 ? 255 : 0)
  t.equal(newSecret(source), '0'.repeat(SECRET_LENGTH))
  t.equal(calls, 2)
})

t.test('tokenPattern finds tokens inside other text', async t => {
  const { token } = mint()
  const found = `Authorization failed for ${token}, retry`.match(tokenPattern('gwpat-'))
  t.same(found, [token])
})

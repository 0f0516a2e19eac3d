// The verified-token cache must make tokens cheap without ever making a
// revoked, expired or wrong token work. Real SQLite file, real bcrypt (cost 4),
// a manual clock.
import t, { type Test } from 'tap'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { ManualClock } from '../../src/clock.js'
import { openSqliteStore } from '../../src/store/sqlite-store.js'
import { bcryptHasher, type Hasher } from '../../src/auth/hasher.js'
import { mintToken } from '../../src/admin/mint-token.js'
import { revokeToken } from '../../src/admin/revoke-token.js'
import { addProject } from '../helpers/store/fixtures.js'
import { createTokenVerifier } from '../../src/auth/token-verifier.js'
import { VerifiedTokenCache } from '../../src/auth/verified-token-cache.js'
import { createConcurrencyLimiter } from '../../src/limits/concurrency-limiter.js'
import { formatToken, newSecret, parseToken } from '../../src/auth/token-format.js'

const PREFIX = 'gwpat-'

async function setup(t: Test, cacheOptions: { maxEntries?: number; ttlMs?: number } = {}) {
  const dir = t.testdir()
  const clock = new ManualClock(new Date('2026-06-15T12:00:00Z'))
  const store = await openSqliteStore({ file: join(dir, 'g.db'), clock, busyTimeoutMs: 1000 })
  t.teardown(() => store.close())
  const bcrypt = bcryptHasher(4)
  const calls = { compare: 0 }
  const hasher: Hasher = { hash: s => bcrypt.hash(s), compare: (s, h) => (calls.compare++, bcrypt.compare(s, h)) }
  await addProject(store, 'acme/app')
  const mint = async (expiresAt: string | null = null) =>
    mintToken(
      { store, hasher, random: randomBytes, tokenPrefix: PREFIX, clock, maxTokenLifetimeDays: 0 },
      { name: 'n', target: { kind: 'project', path: 'acme/app' }, role: 'developer', scopes: ['read_repository'], expiresAt },
      { user: 't' },
    )
  const cache = new VerifiedTokenCache({ maxEntries: cacheOptions.maxEntries ?? 100, ttlMs: cacheOptions.ttlMs ?? 60_000, clock, random: randomBytes })
  const verifier = createTokenVerifier({
    prefix: PREFIX,
    store,
    hasher,
    clock,
    cache,
    limiter: createConcurrencyLimiter({ maxConcurrent: 2, maxQueue: 10, queueTimeoutMs: 5000, what: 'token checks' }),
  })
  return { store, clock, calls, mint, cache, verifier }
}

t.test('first use costs exactly one compare; later uses none', async t => {
  const { mint, verifier, calls } = await setup(t)
  const { token, record } = await mint()
  const first = await verifier.verify(token)
  t.equal(first.kind, 'valid')
  t.equal(calls.compare, 1)
  for (let i = 0; i < 5; i++) t.equal((await verifier.verify(token)).kind, 'valid')
  t.equal(calls.compare, 1, 'cached')
  t.equal(verifier.stats.compares, 1)
  t.equal(verifier.stats.cacheHits, 5)
  t.equal(first.kind === 'valid' && first.token.id, record.id)
})

t.test('malformed tokens and unknown ids cost no compare', async t => {
  const { mint, verifier, calls } = await setup(t)
  const { token } = await mint()
  const flipped = token.slice(0, -1) + (token.endsWith('a') ? 'b' : 'a')
  t.same(await verifier.verify(flipped), { kind: 'refused', reason: 'malformed' })
  t.same(await verifier.verify('gwpat-short'), { kind: 'refused', reason: 'malformed' })
  t.same(await verifier.verify('ghp_' + token.slice(6)), { kind: 'refused', reason: 'malformed' })
  const unknown = formatToken(PREFIX, 'zzzzzzzzzzzz', newSecret(randomBytes))
  t.same(await verifier.verify(unknown), { kind: 'refused', reason: 'unknown', tokenId: 'zzzzzzzzzzzz' })
  t.equal(calls.compare, 0)
})

t.test('revocation fails the very next request with a warm cache', async t => {
  const { mint, verifier, store, calls } = await setup(t)
  const { token, record } = await mint()
  t.equal((await verifier.verify(token)).kind, 'valid')
  t.equal((await verifier.verify(token)).kind, 'valid')
  await revokeToken({ store }, { id: record.id }, { user: 't' })
  t.same(await verifier.verify(token), { kind: 'refused', reason: 'revoked', tokenId: record.id })
  t.equal(calls.compare, 1)
})

t.test('expiry at 00:00 UTC applies on the next request with a warm cache', async t => {
  const { mint, verifier, clock } = await setup(t)
  const { token, record } = await mint('2026-06-16')
  t.equal((await verifier.verify(token)).kind, 'valid')
  clock.set(new Date('2026-06-15T23:59:59.999Z'))
  t.equal((await verifier.verify(token)).kind, 'valid')
  clock.set(new Date('2026-06-16T00:00:00.000Z'))
  t.same(await verifier.verify(token), { kind: 'refused', reason: 'expired', tokenId: record.id })
})

t.test('a wrong secret for a cached id is refused, and remembered as wrong', async t => {
  const { mint, verifier, calls } = await setup(t)
  const { token } = await mint()
  t.equal((await verifier.verify(token)).kind, 'valid')
  const parsed = parseToken(PREFIX, token)
  if (!parsed.ok) throw new Error('unreachable')
  const wrong = formatToken(PREFIX, parsed.token.id, newSecret(randomBytes))
  t.same(await verifier.verify(wrong), { kind: 'refused', reason: 'mismatch', tokenId: parsed.token.id })
  t.equal(calls.compare, 2, 'one compare for the wrong secret')
  t.same(await verifier.verify(wrong), { kind: 'refused', reason: 'mismatch', tokenId: parsed.token.id })
  t.equal(calls.compare, 2, 'the same wrong token again costs nothing')
  t.equal((await verifier.verify(token)).kind, 'valid', 'the right token still works')
  t.equal(calls.compare, 2)
})

t.test('a rotated token: the old one stops, the new one costs one compare', async t => {
  const { mint, verifier, store, calls } = await setup(t)
  const { token, record } = await mint()
  await verifier.verify(token)
  await revokeToken({ store }, { id: record.id }, { user: 't' })
  const next = await mint()
  t.equal((await verifier.verify(token)).kind, 'refused')
  t.equal((await verifier.verify(next.token)).kind, 'valid')
  t.equal(calls.compare, 2)
})

t.test('cache lifetime and size are bounded', async t => {
  const { mint, verifier, clock, calls, cache } = await setup(t, { maxEntries: 2, ttlMs: 1000 })
  const a = await mint()
  const b = await mint()
  const c = await mint()
  await verifier.verify(a.token)
  clock.advance(1001)
  await verifier.verify(a.token)
  t.equal(calls.compare, 2, 'expired cache entry means a fresh compare')
  await verifier.verify(b.token)
  await verifier.verify(c.token)
  t.equal(cache.size, 2, 'at most maxEntries')
  await verifier.verify(a.token)
  t.equal(calls.compare, 5, 'the least recently used entry was evicted')
})

t.test('the cache never holds a token or its secret', async t => {
  const { mint, verifier, cache } = await setup(t)
  const tokens = [await mint(), await mint()].map(m => m.token)
  for (const tok of tokens) await verifier.verify(tok)
  const dumped = JSON.stringify(cache.dump())
  for (const tok of tokens) {
    t.notOk(dumped.includes(tok), 'no full token')
    t.notOk(dumped.includes(tok.slice(-38, -6)), 'no secret')
  }
  t.equal(cache.dump().length, 2)
  for (const [key] of cache.dump()) t.match(key, /^[A-Za-z0-9_-]{43}$/, 'keys are HMAC digests')
})

t.test('a busy database is an error, not a refusal', async t => {
  const { mint, verifier, store } = await setup(t)
  const { token } = await mint()
  await store.close()
  await t.rejects(verifier.verify(token))
})

t.test('a compare still queued when its client leaves is dropped, not run', async t => {
  const dir = t.testdir()
  const clock = new ManualClock(new Date('2026-06-15T12:00:00Z'))
  const store = await openSqliteStore({ file: join(dir, 'g.db'), clock, busyTimeoutMs: 1000 })
  t.teardown(() => store.close())
  await addProject(store, 'acme/app')
  const bcrypt = bcryptHasher(4)
  let compares = 0
  let releaseFirst: () => void = () => {}
  const firstHeld = new Promise<void>(r => (releaseFirst = r))
  const hasher: Hasher = {
    hash: s => bcrypt.hash(s),
    compare: async (s, h) => {
      compares++
      if (compares === 1) await firstHeld
      return bcrypt.compare(s, h)
    },
  }
  const mintOne = () =>
    mintToken(
      { store, hasher, random: randomBytes, tokenPrefix: PREFIX, clock, maxTokenLifetimeDays: 0 },
      { name: 'n', target: { kind: 'project', path: 'acme/app' }, role: 'developer', scopes: ['read_repository'], expiresAt: null },
      { user: 't' },
    )
  const a = await mintOne()
  const b = await mintOne()
  const verifier = createTokenVerifier({
    prefix: PREFIX,
    store,
    hasher,
    clock,
    cache: new VerifiedTokenCache({ maxEntries: 10, ttlMs: 60_000, clock, random: randomBytes }),
    limiter: createConcurrencyLimiter({ maxConcurrent: 1, maxQueue: 5, queueTimeoutMs: 5000, what: 'token checks' }),
  })
  const first = verifier.verify(a.token)
  await new Promise(r => setTimeout(r, 20))
  const gone = new AbortController()
  const second = verifier.verify(b.token, gone.signal)
  await new Promise(r => setTimeout(r, 20))
  gone.abort(new Error('client left'))
  await t.rejects(second, { message: 'client left' })
  releaseFirst()
  t.equal((await first).kind, 'valid')
  t.equal(compares, 1, 'the departed client cost no compare')
  t.equal(verifier.stats.compares, 1)
})

t.test('verifyFor reads the token and the requested project in one read, and only that', async t => {
  const { store, mint, clock } = await setup(t)
  const { token, record } = await mint()
  const reads: string[] = []
  const counting = {
    findToken: (id: string) => (reads.push('findToken'), store.findToken(id)),
    findTokenAndProject: (id: string, path: string) => (reads.push('findTokenAndProject'), store.findTokenAndProject(id, path)),
  }
  const verifier = createTokenVerifier({
    prefix: PREFIX,
    store: counting,
    hasher: bcryptHasher(4),
    clock,
    cache: new VerifiedTokenCache({ maxEntries: 10, ttlMs: 60_000, clock, random: randomBytes }),
    limiter: createConcurrencyLimiter({ maxConcurrent: 1, maxQueue: 5, queueTimeoutMs: 5000, what: 'token checks' }),
  })
  for (let i = 0; i < 2; i++) {
    const { check, project } = await verifier.verifyFor(token, 'acme/app')
    t.equal(check.kind === 'valid' && check.token.id, record.id)
    t.equal(project?.found?.path, 'acme/app')
  }
  t.same((await verifier.verifyFor(token, 'acme/none')).project, { found: undefined }, 'an unknown project was read too')
  const unknown = formatToken(PREFIX, 'zzzzzzzzzzzz', newSecret(randomBytes))
  t.same((await verifier.verifyFor(unknown, 'acme/app')).check, { kind: 'refused', reason: 'unknown', tokenId: 'zzzzzzzzzzzz' })
  t.same(await verifier.verifyFor('gwpat-short', 'acme/app'), { check: { kind: 'refused', reason: 'malformed' } }, 'a malformed token reads nothing')
  t.same(reads, ['findTokenAndProject', 'findTokenAndProject', 'findTokenAndProject', 'findTokenAndProject'], 'one read per request, never two')
})

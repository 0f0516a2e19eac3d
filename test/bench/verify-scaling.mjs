// Figure 6, in-process: the cost of verifying a cached token with 10 and
// with 100,000 tokens in a real SQLite database, using gitward's own store,
// hasher, cache, limiter and verifier wired as src/app.ts wires them. Also
// checks that a token's first use costs exactly one bcrypt compare and its
// second none.
import { randomBytes } from 'node:crypto'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { mintToken } from '../../dist/admin/mint-token.js'
import { bcryptHasher } from '../../dist/auth/hasher.js'
import { createTokenVerifier } from '../../dist/auth/token-verifier.js'
import { newSecret, newTokenId } from '../../dist/auth/token-format.js'
import { VerifiedTokenCache } from '../../dist/auth/verified-token-cache.js'
import { createConcurrencyLimiter } from '../../dist/limits/concurrency-limiter.js'
import { systemClock } from '../../dist/clock.js'
import { loadConfig } from '../../dist/config/load.js'
import { openSqliteStore } from '../../dist/store/sqlite-store.js'
import { createPrng } from './prng.mjs'
import { median, rotate } from './stats.mjs'

const ACTOR = { user: 'bench' }
const PROJECT = 'bench/verify'

/** The verifier exactly as startApp builds it, from the default configuration. */
function buildVerifier(config, store, hasher) {
  return createTokenVerifier({
    prefix: config.token_prefix,
    store,
    hasher,
    clock: systemClock,
    cache: new VerifiedTokenCache({ maxEntries: config.cache_size, ttlMs: config.cache_ttl_ms, clock: systemClock, random: randomBytes }),
    limiter: createConcurrencyLimiter({ maxConcurrent: config.bcrypt_concurrency,
      maxQueue: config.bcrypt_queue,
      queueTimeoutMs: 10_000,
      what: 'token checks',
    }),
  })
}

/** Filler rows straight into the table, in one transaction, all sharing one bcrypt hash. */
function insertFillers(file, count, hash, seed) {
  const prng = createPrng(`fillers:${seed}`)
  const random = n => prng.bytes(n)
  const db = new Database(file)
  try {
    const projectId = db.prepare('SELECT id FROM projects WHERE path = ?').pluck().get(PROJECT)
    const insert = db.prepare(
      `INSERT OR IGNORE INTO tokens (id, name, project_id, group_path, role, scopes, secret_hash, expires_at, created_at, number)
       VALUES (?, ?, ?, NULL, 'developer', 'read_repository', ?, NULL, ?, (SELECT coalesce(max(number), 0) + 1 FROM tokens))`,
    )
    const at = new Date(systemClock.now()).toISOString()
    db.transaction(() => {
      for (let i = 0; i < count; i++) insert.run(newTokenId(random), `filler ${i}`, projectId, hash, at)
    })()
    return db.prepare('SELECT count(*) FROM tokens').pluck().get()
  } finally {
    db.close()
  }
}

async function timeVerifications(verifier, token, calls) {
  const started = process.hrtime.bigint()
  for (let i = 0; i < calls; i++) {
    const r = await verifier.verify(token)
    if (r.kind !== 'valid') throw new Error(`a cached verification failed: ${r.kind} ${r.reason ?? ''}`)
  }
  return Number(process.hrtime.bigint() - started) / 1000 / calls
}

export async function measureVerification({ dir, sizes, calls, rounds, log }) {
  const config = loadConfig({ flags: {}, env: {}, cwd: dir })
  const hasher = bcryptHasher(config.bcrypt_cost)
  const fillerHash = await hasher.hash(newSecret(randomBytes))
  const setups = []
  try {
    for (const size of sizes) {
      const file = join(dir, `verify-${size}.db`)
      for (const f of [file, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true })
      const store = await openSqliteStore({ file, clock: systemClock, busyTimeoutMs: 5000 })
      setups.push({ size, store })
      await store.createProject({ path: PROJECT, visibility: 'private', defaultBranch: null, defaultBranchProtection: 'none' }, { actor: ACTOR, action: 'project.created', target: PROJECT, details: {} })
      const minted = await mintToken(
        { store, hasher, random: randomBytes, tokenPrefix: config.token_prefix, clock: systemClock, maxTokenLifetimeDays: 0 },
        { name: 'measured', target: { kind: 'project', path: PROJECT }, role: 'developer', scopes: ['read_repository'], expiresAt: null },
        ACTOR,
      )
      const t = performance.now()
      const rows = insertFillers(file, size - 1, fillerHash, size)
      log(`  ${rows} tokens in ${file} (filler rows inserted in ${((performance.now() - t) / 1000).toFixed(1)} s)`)
      Object.assign(setups[setups.length - 1], { rows, token: minted.token, verifier: buildVerifier(config, store, hasher) })
    }

    // First and second use of a fresh token: one compare, then none.
    const firstUse = []
    for (const s of setups) {
      const before = { ...s.verifier.stats }
      const t = performance.now()
      const first = await s.verifier.verify(s.token)
      const firstMs = performance.now() - t
      const mid = { ...s.verifier.stats }
      const second = await s.verifier.verify(s.token)
      const after = { ...s.verifier.stats }
      firstUse.push({
        tokens: s.rows,
        firstResult: first.kind,
        firstUseCompares: mid.compares - before.compares,
        firstUseMs: firstMs,
        secondResult: second.kind,
        secondUseCompares: after.compares - mid.compares,
        secondUseCacheHits: after.cacheHits - mid.cacheHits,
      })
    }

    // Warm up the JIT and SQLite's page cache, then alternate sizes.
    for (const s of setups) await timeVerifications(s.verifier, s.token, Math.min(2000, calls))
    const perRound = Object.fromEntries(setups.map(s => [s.size, []]))
    for (let r = 0; r < rounds; r++) {
      for (const s of rotate(setups, r)) perRound[s.size].push(await timeVerifications(s.verifier, s.token, calls))
    }
    const bySize = setups.map(s => ({
      tokens: s.rows,
      usPerVerification: median(perRound[s.size]),
      rounds: perRound[s.size],
      compares: s.verifier.stats.compares,
      cacheHits: s.verifier.stats.cacheHits,
    }))
    return { bcryptCost: config.bcrypt_cost, calls, rounds, bySize, firstUse }
  } finally {
    for (const s of setups) await s.store.close()
  }
}

// A 401 makes git erase the user's stored credential, so it must only ever
// mean "this token is bad". When the database is busy or gone, or too many
// token checks are queued, the gate answers 503 with Retry-After instead.
// The store here is a stand-in that fails the way the SQLite store does
// (GitwardError DB_BUSY / DB_UNAVAILABLE); the verifier, ban list, gate and
// server are the real ones.
import t, { type Test } from 'tap'
import http from 'node:http'
import { once } from 'node:events'
import { randomBytes } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import { ManualClock } from '../../src/clock.js'
import { GitwardError, type ErrorCode } from '../../src/errors.js'
import { createGate } from '../../src/front/gate.js'
import { createTokenVerifier } from '../../src/auth/token-verifier.js'
import { VerifiedTokenCache } from '../../src/auth/verified-token-cache.js'
import { createConcurrencyLimiter } from '../../src/limits/concurrency-limiter.js'
import { InMemoryBanList } from '../../src/auth/ban-list.js'
import { LastUsedRecorder } from '../../src/auth/last-used-recorder.js'
import { silentLogger } from '../../src/log/logger.js'
import { formatToken, newSecret, newTokenId } from '../../src/auth/token-format.js'

const token = formatToken('gwpat-', newTokenId(randomBytes), newSecret(randomBytes))

const PROJECT = { id: 1, path: 'acme/app', visibility: 'private' as const, createdAt: '', defaultBranch: null, defaultBranchProtection: 'none' as const, archivedAt: null }

async function serveGate(t: Test, failWith: ErrorCode, where: 'token' | 'project' | 'bcrypt', compare: () => Promise<boolean> = async () => true) {
  const clock = new ManualClock(0)
  let forwarded = 0
  const fail = () => Promise.reject(new GitwardError(failWith, 'database is locked'))
  const row = { id: 'x', number: 1, name: 'n', description: null, target: { kind: 'project' as const, projectId: 1, path: 'acme/app' }, role: 'developer' as const, scopes: ['read_repository' as const], secretHash: '$2b$04$invalidinvalidinvalidinvalidinvalidinvalidinvalidinval', expiresAt: null, createdAt: '', lastUsedAt: null, revokedAt: null, rotatedFrom: null, refRules: null }
  const verifier = createTokenVerifier({
    prefix: 'gwpat-',
    store: {
      findToken: where === 'token' ? fail : async () => row,
      findTokenAndProject: where === 'token' ? fail : where === 'project' ? fail : async () => ({ token: row, project: PROJECT }),
    },
    hasher: { hash: async () => '', compare },
    clock,
    cache: new VerifiedTokenCache({ maxEntries: 10, ttlMs: 1000, clock, random: randomBytes }),
    limiter: where === 'bcrypt'
      ? createConcurrencyLimiter({ maxConcurrent: 1, maxQueue: 0, queueTimeoutMs: 1, what: 'token checks' })
      : createConcurrencyLimiter({ maxConcurrent: 2, maxQueue: 2, queueTimeoutMs: 1000, what: 'token checks' }),
  })
  const bans = new InMemoryBanList({ enabled: true, maxFailures: 1, windowMs: 60_000, banMs: 60_000, allowlist: [], clock })
  const gate = createGate({
    clientGitSlots: createConcurrencyLimiter({ maxConcurrent: 10, queueTimeoutMs: 1000, maxConcurrentPerKey: 2 }),
    findProject: where === 'project' ? fail : async () => PROJECT,
    verifier,
    bans,
    lastUsed: new LastUsedRecorder({ store: { recordTokenUse: async () => {} }, clock, logger: silentLogger, flushEveryMs: 1000 }),
    forwarder: { forward: (_q, res) => (forwarded++, res.end('forwarded')), reachable: async () => true, close: () => {} },
    logger: silentLogger,
    clock,
    upstream: { kind: 'embedded' },
    newRequestId: () => 'r',
    health: async () => ({ ok: true, message: 'ok' }),
    trustedProxies: [],
    maxHeaders: 100,
    maxAuthorizationBytes: 4096,
    maxNegotiationBytes: 1 << 20,
    negotiationTimeoutMs: 30_000,
    pushScreen: { findRefRules: async () => [], timeoutMs: 30_000 },
    tls: false,
    isClosing: () => false,
  })
  const server = http.createServer((req, res) => gate(req, res))
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => server.close())
  return { port: (server.address() as AddressInfo).port, forwarded: () => forwarded, bans }
}

const get = async (port: number) => {
  const res = await fetch(`http://127.0.0.1:${port}/acme/app.git/info/refs?service=git-upload-pack`, {
    headers: { authorization: 'Basic ' + Buffer.from(`git:${token}`).toString('base64') },
  })
  return { status: res.status, retryAfter: res.headers.get('retry-after'), challenge: res.headers.get('www-authenticate'), type: res.headers.get('content-type'), body: await res.text() }
}

for (const [code, where] of [['DB_BUSY', 'token'], ['DB_UNAVAILABLE', 'token'], ['DB_BUSY', 'project']] as const) {
  t.test(`${code} while reading the ${where}: 503 + Retry-After, never 401`, async t => {
    const g = await serveGate(t, code, where)
    for (let i = 0; i < 3; i++) {
      const r = await get(g.port)
      t.equal(r.status, 503)
      t.equal(r.retryAfter, '5')
      t.equal(r.challenge, null, 'no challenge: git keeps its credential')
      t.match(r.type, /^text\/plain; charset=utf-8/)
      t.match(r.body, /busy or its database is unavailable/)
    }
    t.equal(g.forwarded(), 0, 'nothing reached the backend')
  })
}

t.test('a full token-check queue: 503 without a challenge, and no ban', async t => {
  // One compare slot, no queue: the first request's compare is held open, so
  // the second finds the queue full.
  let releaseCompare: (ok: boolean) => void = () => {}
  const held = new Promise<boolean>(r => (releaseCompare = r))
  const g = await serveGate(t, 'DB_BUSY', 'bcrypt', () => held)
  const first = get(g.port)
  await new Promise(r => setTimeout(r, 200))
  const second = await get(g.port)
  t.equal(second.status, 503)
  t.equal(second.retryAfter, '5')
  t.equal(second.challenge, null, 'no challenge: git keeps its credential')
  t.match(second.body, /busy/)
  releaseCompare(true)
  t.equal((await first).status, 200, 'the request holding the slot goes through')
  t.equal(g.forwarded(), 1)
  t.notOk(g.bans.isBanned('127.0.0.1'), 'an overloaded check is not a failed one (ban threshold is 1 here)')
})

// The gate's side of the HTTP API: its modules load on the first /api/
// request and never for git; the API shares the gate's credential check,
// so a busy database is a JSON 503 with Retry-After (never 401); every API
// request gets one log line naming its route pattern.
import t, { type Test } from 'tap'
import http from 'node:http'
import { once } from 'node:events'
import { randomBytes } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import { ManualClock } from '../../src/clock.js'
import { GitwardError } from '../../src/errors.js'
import { createGate, type ApiEndpoint } from '../../src/front/gate.js'
import { createTokenVerifier } from '../../src/auth/token-verifier.js'
import { VerifiedTokenCache } from '../../src/auth/verified-token-cache.js'
import { createConcurrencyLimiter } from '../../src/limits/concurrency-limiter.js'
import { InMemoryBanList } from '../../src/auth/ban-list.js'
import { LastUsedRecorder } from '../../src/auth/last-used-recorder.js'
import { createLogger, silentLogger } from '../../src/log/logger.js'
import { formatToken, newSecret, newTokenId } from '../../src/auth/token-format.js'

const token = formatToken('gwpat-', newTokenId(randomBytes), newSecret(randomBytes))
const PROJECT = { id: 1, path: 'acme/app', visibility: 'public' as const, createdAt: '', defaultBranch: null, defaultBranchProtection: 'none' as const, archivedAt: null }

async function serve(t: Test, o: { busy: boolean; load: () => Promise<ApiEndpoint> }) {
  const clock = new ManualClock(0)
  const lines: string[] = []
  const busy = () => Promise.reject(new GitwardError('DB_BUSY', 'database is locked'))
  const verifier = createTokenVerifier({
    prefix: 'gwpat-',
    store: { findToken: o.busy ? busy : async () => undefined, findTokenAndProject: async () => ({ token: undefined, project: PROJECT }) },
    hasher: { hash: async () => '', compare: async () => true },
    clock,
    cache: new VerifiedTokenCache({ maxEntries: 10, ttlMs: 1000, clock, random: randomBytes }),
    limiter: createConcurrencyLimiter({ maxConcurrent: 2, maxQueue: 2, queueTimeoutMs: 1000, what: 'token checks' }),
  })
  const gate = createGate({
    clientGitSlots: createConcurrencyLimiter({ maxConcurrent: 10, queueTimeoutMs: 1000, maxConcurrentPerKey: 2 }),
    findProject: async () => PROJECT,
    verifier,
    bans: new InMemoryBanList({ enabled: true, maxFailures: 100, windowMs: 60_000, banMs: 60_000, allowlist: [], clock }),
    lastUsed: new LastUsedRecorder({ store: { recordTokenUse: async () => {} }, clock, logger: silentLogger, flushEveryMs: 1000 }),
    forwarder: { forward: (_q, res) => res.end('forwarded'), reachable: async () => true, close: () => {} },
    logger: createLogger({ write: l => lines.push(l), clock, level: 'info', secretPatterns: [] }),
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
    api: { load: o.load, only: false, slots: createConcurrencyLimiter({ maxConcurrent: 4, queueTimeoutMs: 1000, maxConcurrentPerKey: 2 }) },
  })
  const server = http.createServer((req, res) => gate(req, res))
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => server.close())
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return { base, lines }
}

t.test('the API loads on the first /api/ request, once, and never for git', async t => {
  let loads = 0
  const endpoint: ApiEndpoint = async (_req, res, ctx) => {
    const auth = await ctx.authenticate()
    ctx.route('GET /api/v4/test')
    ctx.decide('allow')
    res.end(auth.kind)
  }
  const g = await serve(t, { busy: false, load: async () => (loads++, endpoint) })
  for (let i = 0; i < 3; i++) t.equal((await fetch(`${g.base}/acme/app.git/info/refs?service=git-upload-pack`)).status, 200)
  t.equal(loads, 0, 'git requests never load the API')
  t.equal(await (await fetch(`${g.base}/api/v4/test`)).text(), 'none')
  t.equal(await (await fetch(`${g.base}/api/v4/test`, { headers: { 'private-token': token } })).text(), 'refused', 'PRIVATE-TOKEN goes through the verifier')
  t.equal(loads, 1, 'loaded once')
  const api = g.lines.filter(l => l.includes('"service":"api"'))
  t.equal(api.length, 2, 'one log line per API request')
  t.match(api[0], /"route":"GET \/api\/v4\/test"/)
  t.notMatch(g.lines.join(''), new RegExp(token.slice(-20)), 'the PRIVATE-TOKEN secret is never logged')
})

t.test('a busy database during the API credential check: JSON 503 with Retry-After, never 401', async t => {
  const endpoint: ApiEndpoint = async (_req, res, ctx) => {
    await ctx.authenticate()
    res.end('unreachable')
  }
  const g = await serve(t, { busy: true, load: async () => endpoint })
  const r = await fetch(`${g.base}/api/v4/personal_access_tokens/self`, { headers: { authorization: `Bearer ${token}` } })
  t.equal(r.status, 503)
  t.equal(r.headers.get('retry-after'), '5')
  t.match(r.headers.get('content-type'), /^application\/json/)
  t.match(await r.json(), { message: /^503 Service Unavailable/ })
})

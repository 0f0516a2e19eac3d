// Online guessing: after ban_max_failures refused credentials from one
// address, that address is refused with 403 before any database or bcrypt
// work — even with a valid token — until ban_time_ms has passed. Only
// presented-and-refused credentials count (git's first request never has
// any); a success does not clear earlier failures (they age out of the
// window), so "wrong, wrong, right" repeated still bans; allow-listed
// addresses are never banned;
// and X-Forwarded-For only names the client when the peer is a trusted proxy.
import t, { type Test } from 'tap'
import { startGitward, type Harness } from '../helpers/servers/gitward.js'
import { basicAuth, bearer, send, type HttpAnswer } from '../helpers/http/request.js'
import { requestLines, watch } from '../helpers/observe.js'
import { formatToken } from '../../src/auth/token-format.js'

const BAN_MS = 60_000

async function setup(t: Test, config: Record<string, string> = {}): Promise<{ h: Harness; token: string; wrong: string }> {
  const h = await startGitward(t, { config: { ban_max_failures: '3', ban_time_ms: String(BAN_MS), ...config } })
  await h.createProject('acme/app')
  const m = await h.mint({ project: 'acme/app' })
  // Well formed, the right id, the wrong secret: the costly kind of guess
  // (a lookup and a bcrypt compare each).
  const wrong = formatToken('gwpat-', m.id, 'W'.repeat(32))
  return { h, token: m.token, wrong }
}

/** A well-formed token with the right id and the n-th wrong secret. */
function wrongSecret(token: string, n: number): string {
  const id = token.slice('gwpat-'.length, 'gwpat-'.length + 12)
  return formatToken('gwpat-', id, String(n).padStart(32, 'W'))
}

const pull = (h: Harness, authorization?: string, extra: ReadonlyArray<readonly [string, string]> = []): Promise<HttpAnswer> =>
  send(h.app.port, '/acme/app.git/info/refs?service=git-upload-pack', {
    headers: [...(authorization === undefined ? [] : ([['Authorization', authorization]] as const)), ...extra],
  })

const BANNED = /too many failed authentication attempts/i

t.test('three refused tokens ban the address: the fourth request, with a valid token, is 403 with no bcrypt compare', async t => {
  const { h, token, wrong } = await setup(t)
  for (let i = 0; i < 3; i++) t.equal((await pull(h, basicAuth(wrong))).status, 401, `guess ${i + 1}: 401`)
  const { compares, lookups } = h.app.verifier.stats
  const w = await watch(h)
  const r = await pull(h, basicAuth(token))
  t.equal(r.status, 403)
  t.match(r.body, BANNED)
  t.equal(h.app.verifier.stats.compares, compares, 'no bcrypt compare for a banned address')
  t.equal(h.app.verifier.stats.lookups, lookups, 'and no database lookup')
  t.equal((await pull(h)).status, 403, 'an anonymous request from the address: 403 too')
  t.equal((await pull(h, bearer(token))).status, 403, 'Bearer too')
  const clone = await h.git(['clone', '-q', h.repoUrl('acme/app', token), 'banned-clone'])
  t.not(clone.code, 0, 'git clone fails')
  t.match(clone.stderr, BANNED, 'and git shows why')
  t.equal(h.app.verifier.stats.compares, compares, 'still no compare')
  const banned = requestLines(h).filter(l => l.decision === 'deny:banned')
  t.ok(banned.some(l => l.tokenId === token.slice('gwpat-'.length, 'gwpat-'.length + 12)), 'the log names the id the banned client claimed')
  t.ok(banned.some(l => l.tokenId === undefined), 'and no id when none was sent')
  await w.untouched(t, 'banned address')
})

t.test('malformed credentials count as failures too', async t => {
  const { h, token } = await setup(t)
  for (const bad of ['Basic !!!', bearer('gwpat-short'), 'Token x']) t.equal((await pull(h, bad)).status, 401)
  t.equal((await pull(h, basicAuth(token))).status, 403)
})

t.test('credential-less requests never count toward a ban', async t => {
  const { h, token } = await setup(t)
  for (let i = 0; i < 10; i++) t.equal((await pull(h)).status, 401, `anonymous request ${i + 1}: 401`)
  t.equal((await pull(h, basicAuth(token))).status, 200, 'the valid token still works')
  const clone = await h.git(['clone', '-q', h.repoUrl('acme/app', token), 'clone'])
  t.equal(clone.code, 0, 'git (whose first request has no credentials) clones')
})

t.test('a flood of wrong, wrong, right from one address is banned: a success clears nothing', async t => {
  // Before, each success wiped the count, so this pattern never banned and
  // kept the bcrypt pool busy for ever.
  const { h, token } = await setup(t, { ban_max_failures: '5' })
  const statuses: number[] = []
  for (let round = 0; round < 4; round++) {
    // Distinct wrong secrets, each a real compare.
    for (const w of [wrongSecret(token, round * 2), wrongSecret(token, round * 2 + 1)]) statuses.push((await pull(h, basicAuth(w))).status)
    statuses.push((await pull(h, basicAuth(token))).status)
  }
  t.same(statuses.slice(0, 7), [401, 401, 200, 401, 401, 200, 401], 'the fifth failure bans…')
  t.same(statuses.slice(7), [403, 403, 403, 403, 403], '…and the right token no longer helps')
})

t.test('a user who mistypes twice loses nothing, and old failures age out of the window', async t => {
  const { h, token, wrong } = await setup(t, { ban_window_ms: '60000' })
  t.equal((await pull(h, basicAuth(wrong))).status, 401)
  t.equal((await pull(h, basicAuth(wrong))).status, 401)
  t.equal((await pull(h, basicAuth(token))).status, 200, 'two mistakes under a threshold of three: still served')
  t.equal((await pull(h, basicAuth(token))).status, 200)
  h.clock.advance(60_000)
  t.equal((await pull(h, basicAuth(wrong))).status, 401, 'a window later the earlier two no longer count')
  t.equal((await pull(h, basicAuth(wrong))).status, 401)
  t.equal((await pull(h, basicAuth(token))).status, 200)
})

t.test('an allow-listed address is never banned', async t => {
  const { h, token, wrong } = await setup(t, { ban_allowlist: '127.0.0.1' })
  for (let i = 0; i < 10; i++) t.equal((await pull(h, basicAuth(wrong))).status, 401)
  t.equal((await pull(h, basicAuth(token))).status, 200)
})

t.test('ban_enabled=false disables banning', async t => {
  const { h, token, wrong } = await setup(t, { ban_enabled: 'false' })
  for (let i = 0; i < 10; i++) t.equal((await pull(h, basicAuth(wrong))).status, 401)
  t.equal((await pull(h, basicAuth(token))).status, 200)
})

t.test('the ban lifts once the clock passes ban_time_ms, not before', async t => {
  const { h, token, wrong } = await setup(t)
  for (let i = 0; i < 3; i++) await pull(h, basicAuth(wrong))
  t.equal((await pull(h, basicAuth(token))).status, 403)
  h.clock.advance(BAN_MS - 1)
  t.equal((await pull(h, basicAuth(token))).status, 403, 'one millisecond before the end: still banned')
  h.clock.advance(1)
  t.equal((await pull(h, basicAuth(token))).status, 200, 'at ban_time_ms: lifted')
  t.equal((await pull(h, basicAuth(wrong))).status, 401, 'and the count starts afresh')
  t.equal((await pull(h, basicAuth(token))).status, 200)
})

t.test('X-Forwarded-For is ignored when the peer is not a trusted proxy', async t => {
  const { h, token, wrong } = await setup(t)
  // Rotating the claimed address does not dodge the ban…
  for (let i = 0; i < 3; i++) t.equal((await pull(h, basicAuth(wrong), [['X-Forwarded-For', `198.51.100.${i + 1}`]])).status, 401)
  t.equal((await pull(h, basicAuth(token), [['X-Forwarded-For', '198.51.100.99']])).status, 403, 'the real peer is banned whatever it claims')
  t.ok(requestLines(h).every(l => l.client === '127.0.0.1'), 'every request was logged under the real peer')
})

t.test('X-Forwarded-For names the client when the peer is a trusted proxy', async t => {
  const { h, token, wrong } = await setup(t, { trusted_proxies: '127.0.0.1' })
  const attacker: [string, string] = ['X-Forwarded-For', '203.0.113.7']
  const victim: [string, string] = ['X-Forwarded-For', '203.0.113.8']
  for (let i = 0; i < 3; i++) t.equal((await pull(h, basicAuth(wrong), [attacker])).status, 401)
  t.equal((await pull(h, basicAuth(token), [attacker])).status, 403, 'the client behind the proxy is banned')
  t.equal((await pull(h, basicAuth(token), [victim])).status, 200, 'another client behind the same proxy is not')
  t.equal((await pull(h, basicAuth(token))).status, 200, 'nor the proxy itself')
  // A spoofed leftmost hop does not help: the proxy appends the real one.
  t.equal((await pull(h, basicAuth(token), [['X-Forwarded-For', '203.0.113.8, 203.0.113.7']])).status, 403, 'the nearest untrusted hop is the client')
})

// Attacks that ride on a token's state: using a token past its expiry (at
// the midnight-UTC boundary, whatever the server's time zone) or right after
// it was revoked, while its bcrypt verdict is still in the cache. Expiry and
// revocation are read from the token's row on every request; the cache only
// ever saves the bcrypt compare.
import t from 'tap'
import { startGitward, makeWorkingCopy } from '../helpers/servers/gitward.js'
import { advertise, basicAuth, bearer } from '../helpers/http/request.js'
import { watch } from '../helpers/observe.js'
import { waitUntil } from '../helpers/wait/wait-until.js'
import { findLibfaketime, startFakeTimeServer } from '../helpers/servers/faketime.js'

t.test('revocation with a warm cache: the very next request is refused', async t => {
  const h = await startGitward(t)
  await h.createProject('acme/app')
  const { id, token } = await h.mint({ project: 'acme/app' })
  const seed = await h.mint({ project: 'acme/app', name: 'seed' })
  const wc = await makeWorkingCopy(h, 'wc')
  t.equal((await h.git(['push', '-q', h.repoUrl('acme/app', seed.token), 'main'], { cwd: wc })).code, 0)

  const clone = await h.git(['clone', '-q', h.repoUrl('acme/app', token), 'clone'])
  t.equal(clone.code, 0, clone.stderr)
  const compares = h.app.verifier.stats.compares
  const hits = h.app.verifier.stats.cacheHits
  t.equal((await advertise(h.app.port, 'acme/app', 'git-upload-pack', basicAuth(token))).status, 200, 'a cached request')
  t.equal(h.app.verifier.stats.compares, compares, 'answered from the cache (no compare)')
  t.ok(h.app.verifier.stats.cacheHits > hits)

  await h.revoke(id)
  const w = await watch(h, ['acme/app'])
  const next = await advertise(h.app.port, 'acme/app', 'git-upload-pack', basicAuth(token))
  t.equal(next.status, 401, 'the very next request after the revocation: 401')
  t.equal((await advertise(h.app.port, 'acme/app', 'git-receive-pack', bearer(token))).status, 401, 'Bearer too, and pushes too')
  t.equal(h.app.verifier.stats.compares, compares, 'refused from the row, with no compare')
  const fetch = await h.git(['fetch', '-q', h.repoUrl('acme/app', token)], { cwd: `${h.dir}/clone` })
  t.not(fetch.code, 0, 'git fetch with the revoked token fails')
  await w.untouched(t, 'revoked token')
  t.equal((await advertise(h.app.port, 'acme/app', 'git-upload-pack', basicAuth(seed.token))).status, 200, 'other tokens are unaffected')
})

t.test('expiry with a warm cache: refused from 00:00:00.000 UTC of the expiry date', async t => {
  const h = await startGitward(t, { now: new Date('2026-06-15T12:00:00Z') })
  await h.createProject('acme/app')
  const { token } = await h.mint({ project: 'acme/app', expiresAt: '2026-06-16' })
  h.clock.set(new Date('2026-06-15T23:59:59.999Z'))
  t.equal((await advertise(h.app.port, 'acme/app', 'git-upload-pack', basicAuth(token))).status, 200, '23:59:59.999 UTC the day before: 200 (and now cached)')
  const compares = h.app.verifier.stats.compares
  h.clock.set(new Date('2026-06-16T00:00:00.000Z'))
  const w = await watch(h)
  t.equal((await advertise(h.app.port, 'acme/app', 'git-upload-pack', basicAuth(token))).status, 401, '00:00:00.000 UTC on the expiry date: 401')
  t.equal(h.app.verifier.stats.compares, compares, 'no compare: the cached verdict never outlives the expiry')
  await w.untouched(t, 'expired token')
})

// The real server, in two time zones on either side of UTC, with its wall
// clock moved across the boundary by libfaketime. A server that computed
// "today" in local time would accept the token after 00:00 UTC in Los
// Angeles (still the 15th there until 07:00 UTC) and refuse it before
// 00:00 UTC in Tokyo (already the 16th there from 15:00 UTC).
const lib = findLibfaketime()
const expiryCases: Array<[string, number, string]> = [
  ['2026-06-15T14:59:59Z', 200, 'before local midnight in Tokyo'],
  ['2026-06-15T15:00:01Z', 200, 'just after local midnight in Tokyo, still the 15th in UTC'],
  ['2026-06-15T23:59:59Z', 200, 'one second before midnight UTC'],
  ['2026-06-16T00:00:00Z', 401, 'midnight UTC: expired'],
  ['2026-06-16T00:00:01Z', 401, 'after midnight UTC, still the 15th in Los Angeles'],
  ['2026-06-16T06:59:59Z', 401, 'just before local midnight in Los Angeles'],
]
for (const timeZone of ['America/Los_Angeles', 'Asia/Tokyo']) {
  t.test(`expiry at midnight UTC with the server in ${timeZone}`, { skip: lib === null ? 'libfaketime is not installed' : false }, async t => {
    const h = await startGitward(t, { now: new Date('2026-06-15T12:00:00Z') })
    await h.createProject('acme/app')
    const { id, token } = await h.mint({ project: 'acme/app', expiresAt: '2026-06-16' })
    const server = await startFakeTimeServer({ lib: lib ?? '', timeZone, start: new Date('2026-06-15T12:00:00Z'), dir: h.dir, db: h.db, repos: h.repos })
    t.teardown(() => server.stop())
    for (const [at, status, what] of expiryCases) {
      server.setTime(new Date(at))
      const r = await advertise(server.port, 'acme/app', 'git-upload-pack', basicAuth(token))
      t.equal(r.status, status, `${at} (${what}): ${status}`)
    }
    // The server really ran on the fake clock: its request log lines carry
    // instants the test set (a line is written when its response closes,
    // which may be just after the test moved the clock to the next instant).
    const requestTimes = (): string[] =>
      server
        .output()
        .split('\n')
        .filter(l => l.includes('"msg":"request"'))
        .map(l => (JSON.parse(l) as { time: string }).time.replace(/\.\d{3}Z$/, 'Z'))
    await waitUntil(() => requestTimes().length >= expiryCases.length, 5000)
    const instants = new Set(expiryCases.map(([at]) => at))
    const logged = requestTimes()
    t.equal(logged.length, expiryCases.length, 'one request line per request')
    t.ok(logged.every(at => instants.has(at)), `the server's clock read only the instants the test set: ${logged.join(', ')}`)
    t.notMatch(server.output(), new RegExp(token.slice(-38)), 'the token never appears in the server output')
    t.match(server.output(), new RegExp(id), 'the token id is logged (it is not secret)')
  })
}

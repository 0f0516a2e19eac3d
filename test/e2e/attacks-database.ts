// Another process holding gitward's database. gitward keeps it in WAL mode
// and holds a read lock for as long as it runs, so:
//   - a process asking for an exclusive lock (to shut readers out) is itself
//     refused with SQLITE_BUSY; token checks carry on, never a 401;
//   - a writer holding a long transaction does not block token checks, and
//     what it has not committed (a revocation) does not count yet — the
//     moment it commits, the very next request sees it, warm cache or not.
// A busy database that does reach a token check is a 503 with Retry-After
// (see gate.ts); with WAL no writer can cause one, which is the point.
import t from 'tap'
import { startGitward, makeWorkingCopy } from '../helpers/servers/gitward.js'
import { advertise, basicAuth, bearer } from '../helpers/http/request.js'
import { holdDatabase } from '../helpers/store/db-lock.js'
import { watch } from '../helpers/observe.js'

const h = await startGitward(t, { config: { ban_max_failures: '3' } })
const port = h.app.port
await h.createProject('acme/app')
const { token } = await h.mint({ project: 'acme/app' })
const wc = await makeWorkingCopy(h, 'wc')
const pushed = await h.git(['push', '-q', h.repoUrl('acme/app', token), 'main'], { cwd: wc })
if (pushed.code !== 0) throw new Error(pushed.stderr)

t.test('a second process asking for an exclusive lock is refused, and token checks carry on', async t => {
  const fresh = await h.mint({ project: 'acme/app', name: 'never used' })
  const holder = await holdDatabase(h.db, 'exclusive')
  t.teardown(() => holder.release())
  t.notOk(holder.held, 'SQLite refuses the exclusive lock while gitward has the database open')
  t.equal(holder.refusedWith, 'SQLITE_BUSY')
  t.equal((await advertise(port, 'acme/app', 'git-upload-pack', basicAuth(token))).status, 200, 'a cached token still works')
  t.equal((await advertise(port, 'acme/app', 'git-upload-pack', bearer(fresh.token))).status, 200, 'a token never seen before (lookup + bcrypt) works')
})

t.test('a writer holding a transaction blocks nothing; its revocation counts from the commit on', async t => {
  const victim = await h.mint({ project: 'acme/app', name: 'to revoke' })
  t.equal((await advertise(port, 'acme/app', 'git-upload-pack', basicAuth(victim.token))).status, 200, 'the token works (its verdict is now cached)')
  const holder = await holdDatabase(h.db, 'write-transaction', `UPDATE tokens SET revoked_at = '2026-06-15T12:00:00.000Z' WHERE id = '${victim.id}'`)
  t.teardown(() => holder.release())
  t.ok(holder.held, 'the writer holds its transaction')
  const w = await watch(h)
  for (let i = 0; i < 3; i++) {
    const r = await advertise(port, 'acme/app', 'git-upload-pack', basicAuth(victim.token))
    t.equal(r.status, 200, `while the revocation is uncommitted: 200 (request ${i + 1}), not 401 and not 503`)
  }
  t.equal(await w.forwarded(), 3)
  const clone = await h.git(['clone', '-q', h.repoUrl('acme/app', token), 'during-write'])
  t.equal(clone.code, 0, `a clone works while the writer holds its transaction: ${clone.stderr}`)

  const compares = h.app.verifier.stats.compares
  await holder.release('commit')
  const w2 = await watch(h)
  const after = await advertise(port, 'acme/app', 'git-upload-pack', basicAuth(victim.token))
  t.equal(after.status, 401, 'the very next request after the commit: 401')
  t.equal(h.app.verifier.stats.compares, compares, 'decided from the row, without a bcrypt compare')
  await w2.untouched(t, 'revoked by another process')
})

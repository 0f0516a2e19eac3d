// gitward migrate-store: a populated SQLite store copied into an empty
// PostgreSQL database by the real CLI; every row arrives as it was, the
// tokens minted before the move work after it (and the revoked one stays
// refused), and a second run into the now non-empty database is refused
// without changing anything.
import t from 'tap'
import { protectRef } from '../../src/admin/protect-ref.js'
import { addProject } from '../helpers/store/fixtures.js'
import { startGitward, makeWorkingCopy } from '../helpers/servers/gitward.js'
import { infoRefsUrl, request } from '../helpers/http/request.js'
import { openStore } from '../../src/store/open-store.js'
import { ManualClock } from '../../src/clock.js'
import { startPostgresCluster } from '../helpers/servers/postgres-cluster.js'

const cluster = await startPostgresCluster(t)

if (cluster !== null) {
  t.test('migrate-store round-trips a populated SQLite store; old tokens work on PostgreSQL', async t => {
    const lite = await startGitward(t)
    await lite.createProject('acme/app')
    await lite.createProject('acme/docs', 'public')
    await lite.createProject('other/x')
    const kept = await lite.mint({ project: 'acme/app', name: 'kept' })
    const group = await lite.mint({ group: 'acme', name: 'group', scopes: ['read_repository'], role: 'reporter' })
    const gone = await lite.mint({ project: 'acme/app', name: 'gone' })
    await lite.revoke(gone.id)
    const old = await lite.mint({ project: 'other/x', name: 'rotating', expiresAt: '2027-01-01' })
    const rotated = await lite.cli(['token', 'rotate', old.id])
    t.equal(rotated.code, 0, rotated.stderr)
    lite.tokens.push(rotated.stdout.trim())
    t.equal((await lite.cli(['group', 'set', 'other', '--project-token-creation', 'disabled'])).code, 0)
    await protectRef(lite.admin, { refKind: 'tag', target: 'acme', pattern: 'v*', level: 'maintainer' }, { user: 'test' })
    // A push, so last_used_at is set on some rows.
    const wc = await makeWorkingCopy(lite, 'wc')
    t.equal((await lite.git(['push', lite.repoUrl('acme/app', kept.token), 'main'], { cwd: wc })).code, 0)

    await lite.app.stop() // flushes the last-used times into SQLite

    const url = await cluster.createDatabase()
    const copied = await lite.cli(['migrate-store', '--to', url, '--json'])
    t.equal(copied.code, 0, copied.stderr)
    t.match(JSON.parse(copied.stdout), { projects: 3, group_settings: 1, tokens: 5, protected_refs: 1 })
    t.match(copied.stderr, /one transaction; the counts and every token hash were verified/)
    await lite.admin.close()

    // What the stores say is the same, row for row.
    const clock = new ManualClock(new Date('2026-06-15T12:00:00Z'))
    const before = await openStore({ db: lite.db, clock, busyTimeoutMs: 1000 })
    const after = await openStore({ db: url, clock, busyTimeoutMs: 1000 })
    t.teardown(() => Promise.all([before.close(), after.close()]))
    t.same(await after.listProjects(), await before.listProjects())
    t.same(await after.listTokens({ includeRevoked: true }), await before.listTokens({ includeRevoked: true }))
    t.same(await after.listAudit(), await before.listAudit())
    t.same(await after.getGroupSettings('other'), await before.getGroupSettings('other'))
    t.same(await after.listProtectedRefs(), await before.listProtectedRefs())
    t.equal((await after.listProtectedRefs()).length, 1)
    // New rows continue the numbering instead of colliding with copied ids.
    const next = await addProject(after, 'new/one')
    t.equal(next.id, Math.max(...(await before.listProjects()).map(p => p.id)) + 1)

    // The same repositories, now behind a gitward on PostgreSQL.
    const pgw = await startGitward(t, { db: url, repos: lite.repos })
    pgw.tokens.push(kept.token, group.token, gone.token)
    const clone = await pgw.git(['clone', '-q', pgw.repoUrl('acme/app', kept.token), `${pgw.dir}/clone`])
    t.equal(clone.code, 0, `a token minted before the move works after it: ${clone.stderr}`)
    t.equal((await request(infoRefsUrl(pgw.url, 'acme/app', 'git-upload-pack'), { token: group.token })).status, 200)
    t.equal((await request(infoRefsUrl(pgw.url, 'acme/app', 'git-upload-pack'), { token: gone.token })).status, 401, 'revoked stays revoked')
    t.equal((await request(infoRefsUrl(pgw.url, 'other/x', 'git-upload-pack'), { token: old.token })).status, 401, 'rotated-away stays refused')

    const again = await pgw.cli(['--db', lite.db, 'migrate-store', '--to', url])
    t.equal(again.code, 1)
    t.match(again.stderr, /already holds gitward data .*only into an empty database/)
    t.equal((await after.listProjects()).length, 4, 'the refused copy changed nothing')
  })

  t.test('migrate-store refuses the wrong way round and a missing source', async t => {
    const lite = await startGitward(t)
    const url = await cluster.createDatabase()
    const backwards = await lite.cli(['--db', url, 'migrate-store', '--to', url])
    t.equal(backwards.code, 1)
    t.match(backwards.stderr, /copies FROM a SQLite file/)
    const notPg = await lite.cli(['migrate-store', '--to', '/tmp/other.db'])
    t.equal(notPg.code, 1)
    t.match(notPg.stderr, /--to must be a postgres/)
    const missing = await lite.cli(['--db', `${lite.dir}/nope.db`, 'migrate-store', '--to', url])
    t.equal(missing.code, 1)
    t.match(missing.stderr, /no SQLite database at/)
  })
}

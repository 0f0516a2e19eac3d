import t, { type Test } from 'tap'
import path from 'node:path'
import { ManualClock } from '../../src/clock.js'
import { removeProject } from '../../src/admin/remove-project.js'
import { listGroups, showGroup } from '../../src/admin/group-overview.js'
import { setProjectVisibility } from '../../src/admin/project-visibility.js'
import { openSqliteStore } from '../../src/store/sqlite-store.js'
import { rejectsWithCode as refused } from '../helpers/assertions.js'
import { addProject, addToken, newToken } from '../helpers/store/fixtures.js'

const actor = { user: 'alice' }

async function open(t: Test) {
  const clock = new ManualClock(new Date('2026-06-15T12:00:00Z'))
  const store = await openSqliteStore({ file: path.join(t.testdir(), 'g.db'), clock, busyTimeoutMs: 1000 })
  t.teardown(() => store.close())
  return { clock, store }
}

t.test('remove: expired tokens do not block it and go with it; active ones block it unless revoked with it', async t => {
  const { clock, store } = await open(t)
  const app = await addProject(store, 'acme/app')
  const expired = await addToken(store, newToken(app, { expiresAt: '2026-06-15' }))
  const deps = { store, clock, reposRoot: null }
  await refused(t, removeProject(deps, { path: 'acme/app', confirmed: false, revokeTokens: false }, actor), 'INVALID_ARGUMENT', /add --yes to confirm/)
  const active = await addToken(store, newToken(app))
  await refused(t, removeProject(deps, { path: 'acme/app', confirmed: true, revokeTokens: false }, actor), 'INVALID_ARGUMENT', /1 active token is bound/)
  const removed = await removeProject(deps, { path: 'acme/app', confirmed: true, revokeTokens: true }, actor)
  t.same(removed, { project: app, revokedTokens: [active.id], deletedTokens: 2, deletedProtections: 0, repository: null })
  t.equal(await store.findToken(expired.id), undefined)
  const log = (await store.listAudit()).slice(-2)
  t.same(log.map(e => [e.action, e.target, e.details]), [
    ['token.revoked', active.id, { name: 'ci', project: 'acme/app', cause: 'project.removed' }],
    ['project.removed', 'acme/app', { visibility: 'private', revokedTokens: [active.id] }],
  ])
})

t.test('visibility: audited once; unknown project refused', async t => {
  const { store } = await open(t)
  await addProject(store, 'acme/app')
  t.match(await setProjectVisibility({ store }, { path: 'acme/app', visibility: 'public' }, actor), { changed: true, from: 'private', project: { visibility: 'public' } })
  t.match(await setProjectVisibility({ store }, { path: 'acme/app', visibility: 'public' }, actor), { changed: false })
  await refused(t, setProjectVisibility({ store }, { path: 'acme/x', visibility: 'public' }, actor), 'NOT_FOUND')
  t.equal((await store.listAudit()).filter(e => e.action === 'project.visibility_changed').length, 1)
})

t.test('groups: top-level only in the list; a project at the top level is in no group', async t => {
  const { clock, store } = await open(t)
  await addProject(store, 'solo')
  await addProject(store, 'acme/sub/app')
  await addToken(store, newToken(null, { target: { kind: 'group', path: 'ghost/sub' }, expiresAt: '2026-06-16' }))
  t.same((await listGroups(store)).map(g => [g.path, g.projectCount]), [['acme', 1]])
  t.match(await showGroup({ store, clock }, 'acme/sub'), { path: 'acme/sub', settings: { path: 'acme' }, projects: [{ path: 'acme/sub/app' }] })
  t.match(await showGroup({ store, clock }, 'ghost/sub'), { tokens: { active: 1, expired: 0, revoked: 0 } }, 'known from a token')
  clock.advance(86_400_000)
  t.match(await showGroup({ store, clock }, 'ghost/sub'), { tokens: { active: 0, expired: 1, revoked: 0 } })
  await refused(t, showGroup({ store, clock }, 'ghost'), 'NOT_FOUND')
})

// Protecting branches and tags: every rule of the change, each refusal one
// sentence that changes nothing, every change in the audit trail; the push
// path's lookup returns a project's own rules and its groups' only.
import t, { type Test } from 'tap'
import path from 'node:path'
import { rejectsWithCode as refused } from '../helpers/assertions.js'
import { ManualClock } from '../../src/clock.js'
import { listProtections, protectRef, unprotectRef } from '../../src/admin/protect-ref.js'
import { requireRefRules } from '../../src/admin/grant-input.js'
import { mintToken } from '../../src/admin/mint-token.js'
import { rotateToken } from '../../src/admin/rotate-token.js'
import { openSqliteStore } from '../../src/store/sqlite-store.js'
import { addProject } from '../helpers/store/fixtures.js'

const actor = { user: 'alice' }

async function setup(t: Test) {
  const dir = t.testdir()
  const clock = new ManualClock(Date.parse('2026-06-15T12:00:00Z'))
  const store = await openSqliteStore({ file: path.join(dir, 'g.db'), clock, busyTimeoutMs: 2000 })
  t.teardown(() => store.close())
  for (const p of ['acme/app', 'acme/sub/tool', 'other/app']) await addProject(store, p)
  return { store, clock }
}

t.test('protect, change, list, unprotect; each audited', async t => {
  const { store } = await setup(t)
  const a = await protectRef(store, { refKind: 'branch', target: 'acme/app', pattern: 'main' }, actor)
  t.match(a, { created: true, rule: { refKind: 'branch', owner: { kind: 'project', path: 'acme/app' }, pattern: 'main', level: 'maintainer', allowForcePush: false } })
  const b = await protectRef(store, { refKind: 'branch', target: 'acme/app', pattern: 'main', level: 'developer', allowForcePush: true }, actor)
  t.match(b, { created: false, rule: { level: 'developer', allowForcePush: true } })
  await protectRef(store, { refKind: 'branch', target: 'acme', pattern: 'release/*' }, actor)
  await protectRef(store, { refKind: 'tag', target: 'acme/sub', pattern: 'v*', level: 'no_one' }, actor)
  await protectRef(store, { refKind: 'tag', target: 'other/app', pattern: 'v*' }, actor)

  const rules = await store.findRefRules('acme/sub/tool')
  t.same(rules.map(r => `${r.owner.kind}:${r.owner.path}:${r.refKind}:${r.pattern}`).sort(), ['group:acme/sub:tag:v*', 'group:acme:branch:release/*'])
  t.same((await store.findRefRules('acme/app')).map(r => r.pattern).sort(), ['main', 'release/*'])
  t.same(await store.findRefRules('acme-evil/app'), [], 'a sibling prefix inherits nothing')

  const listing = await listProtections(store, 'acme/sub/tool')
  t.match(listing, { owner: { kind: 'project', path: 'acme/sub/tool' }, project: { defaultBranchProtection: 'none' } })
  t.same(listing.rules.map(r => [r.pattern, r.inherited]), [['release/*', true], ['v*', true]])
  t.same((await listProtections(store, 'acme')).rules.map(r => [r.pattern, r.inherited]), [['release/*', false]])
  t.equal((await listProtections(store)).rules.length, 4)

  const removed = await unprotectRef(store, { refKind: 'tag', target: 'acme/sub', pattern: 'v*' }, actor)
  t.equal(removed.level, 'no_one')
  const audit = await store.listAudit()
  t.same(audit.filter(e => e.action.startsWith('ref.')).map(e => [e.action, e.target, e.details]), [
    ['ref.protected', 'acme/app', { branch: 'main', ownerKind: 'project', push: 'maintainer', allowForcePush: false }],
    ['ref.protection_changed', 'acme/app', { branch: 'main', ownerKind: 'project', push: 'developer', allowForcePush: true, from: { level: 'maintainer', allowForcePush: false } }],
    ['ref.protected', 'acme', { branch: 'release/*', ownerKind: 'group', push: 'maintainer', allowForcePush: false }],
    ['ref.protected', 'acme/sub', { tag: 'v*', ownerKind: 'group', create: 'no_one' }],
    ['ref.protected', 'other/app', { tag: 'v*', ownerKind: 'project', create: 'maintainer' }],
    ['ref.unprotected', 'acme/sub', { tag: 'v*', ownerKind: 'group', create: 'no_one' }],
  ])
})

t.test('bad input is one sentence and changes nothing', async t => {
  const { store } = await setup(t)
  const cases: Array<[string, Parameters<typeof protectRef>[1], string, RegExp]> = [
    ['unknown project or group', { refKind: 'branch', target: 'nobody/here', pattern: 'main' }, 'NOT_FOUND', /^no project or group "nobody\/here" is registered; see gitward repo list\.$/],
    ['a sibling prefix is not a group', { refKind: 'branch', target: 'acm', pattern: 'main' }, 'NOT_FOUND', /"acm"/],
    ['a bad path', { refKind: 'branch', target: '../x', pattern: 'main' }, 'INVALID_PATH', /not a valid project or group path/],
    ['an empty pattern', { refKind: 'branch', target: 'acme/app', pattern: '' }, 'INVALID_ARGUMENT', /^"" is not a valid branch name or pattern: a pattern must not be empty\.$/],
    ['a malformed pattern', { refKind: 'tag', target: 'acme/app', pattern: 'v 1' }, 'INVALID_ARGUMENT', /not a valid tag name or pattern/],
    ['a full ref as a branch', { refKind: 'branch', target: 'acme/app', pattern: 'refs/heads/main' }, 'INVALID_ARGUMENT', /without "refs\/heads\/"/],
    ['an unknown role', { refKind: 'branch', target: 'acme/app', pattern: 'main', level: 'reporter' }, 'INVALID_ARGUMENT', /^unknown role "reporter" for --push; use one of developer, maintainer, no_one\.$/],
    ['force-push on a tag', { refKind: 'tag', target: 'acme/app', pattern: 'v*', allowForcePush: true }, 'INVALID_ARGUMENT', /branches only/],
  ]
  for (const [, request, code, message] of cases) {
    await refused(t, protectRef(store, request, actor), code, message)
  }
  await refused(t, unprotectRef(store, { refKind: 'branch', target: 'acme/app', pattern: 'main' }, actor), 'NOT_FOUND', /no protected branch "main" is set on the project "acme\/app"/)
  t.same(await store.listProtectedRefs(), [], 'nothing written')
  t.same((await store.listAudit()).filter(e => e.action.startsWith('ref.')), [], 'nothing audited')
})

t.test('per-token ref rules: checked, stored, shown and kept by rotation', async t => {
  const { store, clock } = await setup(t)
  t.same(requireRefRules('refs/tags/v*, refs/heads/ci/*'), ['refs/tags/v*', 'refs/heads/ci/*'])
  t.throws(() => requireRefRules('v*'), /^"v\*" is not a valid --refs pattern: a token ref pattern is a full ref name/)
  t.throws(() => requireRefRules(''), /at least one/)
  const deps = { store, hasher: { hash: async (s: string) => `h:${s}`, compare: async () => true }, random: (n: number) => Buffer.alloc(n, 7), tokenPrefix: 'gw_', clock: new ManualClock(new Date('2026-06-15T12:00:00Z')), maxTokenLifetimeDays: 0 }
  const minted = await mintToken(deps, { name: 'ci', target: { kind: 'project', path: 'acme/app' }, role: 'developer', scopes: ['write_repository'], expiresAt: null, refRules: ['refs/tags/v*'] }, actor)
  t.same(minted.record.refRules, ['refs/tags/v*'])
  t.same((await store.findToken(minted.record.id))?.refRules, ['refs/tags/v*'])
  const audit = await store.listAudit()
  t.match(audit[audit.length - 1], { action: 'token.created', details: { refRules: ['refs/tags/v*'] } })
  const rotated = await rotateToken({ ...deps, random: (n: number) => Buffer.alloc(n, 9), clock }, { id: minted.record.id }, actor)
  t.same(rotated.record.refRules, ['refs/tags/v*'], 'kept by rotation')
  const plain = await mintToken({ ...deps, random: (n: number) => Buffer.alloc(n, 3) }, { name: 'all', target: { kind: 'group', path: 'acme' }, role: 'developer', scopes: ['write_repository'], expiresAt: null }, actor)
  t.equal(plain.record.refRules, null)
})

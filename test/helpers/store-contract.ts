// The Store contract: one suite every store engine must pass (SQLite and
// PostgreSQL). Each engine's test file runs it with a fixture that makes an
// empty database and opens stores on it, then adds the tests that only make
// sense for that engine (locking, query plans, restarts).
import type { Test } from 'tap'
import { rejectsWithCode as rejectsWith } from './assertions.js'
import { ManualClock, type Clock } from '../../src/clock.js'
import type { NewToken, Store, TokenFilter } from '../../src/store/store.js'

export interface StoreFixture {
  /** Shown in test names. */
  readonly engine: string
  /** A new empty database for one test; returns how to reach it (a file or a URL). */
  createDatabase(t: Test): Promise<string>
  /** Open a store on `db` (migrating it); the caller closes it. */
  open(db: string, clock: Clock): Promise<Store>
  /** Run one statement outside gitward (`?` placeholders), as an intruder or a broken tool would. */
  raw(db: string, sql: string, params: unknown[]): Promise<void>
}

export const actor = { user: 'alice' }
export const HASH = '$2b$04$abcdefghijklmnopqrstuuJ6pM1dVxO3rLk3Ee1iW8V3FJm1o9r7e'

export async function setup(t: Test, fixture: StoreFixture, start = '2026-06-15T12:00:00Z') {
  const db = await fixture.createDatabase(t)
  const clock = new ManualClock(new Date(start))
  const store = await fixture.open(db, clock)
  t.teardown(() => store.close())
  return { db, clock, store }
}

let n = 0
export const newToken = (over: Partial<NewToken> = {}): NewToken => ({
  id: `tok${String(n++).padStart(9, '0')}`,
  name: 'ci',
  target: { kind: 'project', path: 'acme/app' },
  role: 'developer',
  scopes: ['read_repository'],
  secretHash: HASH,
  expiresAt: null,
  ...over,
})

/** Every behaviour of the Store interface, as subtests of `t`. */
export function runStoreContract(t: Test, fixture: StoreFixture): void {
  t.test('projects: create, find, list, duplicates and bad paths', async t => {
    const { store, clock } = await setup(t, fixture)
    const p = await store.createProject({ path: 'acme/app.git', visibility: 'private' }, actor)
    t.match(p, { path: 'acme/app', visibility: 'private', createdAt: '2026-06-15T12:00:00.000Z' })
    clock.advance(1000)
    await store.createProject({ path: 'acme/docs', visibility: 'public' }, actor)
    t.same(await store.findProject('acme/app'), p)
    t.equal(await store.findProject('acme/nope'), undefined)
    t.same((await store.listProjects()).map(x => x.path), ['acme/app', 'acme/docs'])
    await rejectsWith(t, store.createProject({ path: 'acme/app', visibility: 'public' }, actor), 'ALREADY_EXISTS', /already registered/)
    await rejectsWith(t, store.createProject({ path: 'acme/../etc', visibility: 'public' }, actor), 'INVALID_PATH')
    await rejectsWith(t, store.createProject({ path: 'x', visibility: 'secret' as never }, actor), 'INVALID_ARGUMENT')
    t.equal((await store.listProjects()).length, 2, 'refusals changed nothing')
  })

  t.test('tokens: create for a project and a group, find by id', async t => {
    const { store } = await setup(t, fixture)
    const project = await store.createProject({ path: 'acme/app', visibility: 'private' }, actor)
    const pt = await store.createToken(newToken({ expiresAt: '2026-07-01', scopes: ['read_repository', 'write_repository'] }), actor)
    t.match(pt, {
      target: { kind: 'project', projectId: project.id, path: 'acme/app' },
      role: 'developer',
      scopes: ['read_repository', 'write_repository'],
      secretHash: HASH,
      expiresAt: '2026-07-01',
      createdAt: '2026-06-15T12:00:00.000Z',
      lastUsedAt: null,
      revokedAt: null,
      rotatedFrom: null,
    })
    t.same(await store.findToken(pt.id), pt)
    // A group token may name a group with no project yet, at any depth.
    const gt = await store.createToken(newToken({ target: { kind: 'group', path: 'other/sub' } }), actor)
    t.same(gt.target, { kind: 'group', path: 'other/sub' })
    t.equal(await store.findToken('nonexistent00'), undefined)
    await rejectsWith(t, store.createToken(newToken({ target: { kind: 'project', path: 'acme/none' } }), actor), 'NOT_FOUND', /gitward repo create acme\/none/)
    await rejectsWith(t, store.createToken(newToken({ target: { kind: 'group', path: 'a//b' } }), actor), 'INVALID_PATH')
    await rejectsWith(t, store.createToken(newToken({ id: pt.id }), actor), 'ALREADY_EXISTS')
    await rejectsWith(t, store.createToken(newToken({ scopes: [] }), actor), 'INVALID_ARGUMENT')
    await rejectsWith(t, store.createToken(newToken({ role: 'admin' as never }), actor), 'INVALID_ARGUMENT')
    await rejectsWith(t, store.createToken(newToken({ expiresAt: '1 July' }), actor), 'INVALID_ARGUMENT')
    t.equal((await store.listTokens({ all: true })).length, 2)
  })

  t.test('project token creation can be disabled per top-level group', async t => {
    const { store } = await setup(t, fixture)
    await store.createProject({ path: 'acme/app', visibility: 'private' }, actor)
    await store.createProject({ path: 'acme/sub/deep', visibility: 'private' }, actor)
    await store.createProject({ path: 'acme-evil/app', visibility: 'private' }, actor)
    const existing = await store.createToken(newToken(), actor)
    t.same(await store.getGroupSettings('acme'), { path: 'acme', projectTokenCreation: 'enabled', updatedAt: null })

    const s = await store.setProjectTokenCreation('acme', 'disabled', actor)
    t.same(s, { path: 'acme', projectTokenCreation: 'disabled', updatedAt: '2026-06-15T12:00:00.000Z' })
    t.same(await store.getGroupSettings('acme/sub/deep'), s, 'looked up by top-level group')

    await rejectsWith(
      t,
      store.createToken(newToken(), actor),
      'CREATION_DISABLED',
      /group "acme".*gitward group set acme --project-token-creation enabled/,
    )
    await rejectsWith(t, store.createToken(newToken({ target: { kind: 'project', path: 'acme/sub/deep' } }), actor), 'CREATION_DISABLED')
    // Same prefix, different group: unaffected.
    await store.createToken(newToken({ target: { kind: 'project', path: 'acme-evil/app' } }), actor)
    // Group tokens, existing tokens, revocation: unaffected.
    await store.createToken(newToken({ target: { kind: 'group', path: 'acme' } }), actor)
    await store.createToken(newToken({ target: { kind: 'group', path: 'acme/sub' } }), actor)
    t.equal((await store.findToken(existing.id))?.revokedAt, null)
    await store.revokeToken(existing.id, actor)

    await rejectsWith(t, store.setProjectTokenCreation('acme/sub', 'enabled', actor), 'INVALID_ARGUMENT', /not a top-level group/)
    await rejectsWith(t, store.setProjectTokenCreation('acme', 'maybe' as never, actor), 'INVALID_ARGUMENT')
    await store.setProjectTokenCreation('acme', 'enabled', actor)
    await store.createToken(newToken(), actor)
  })

  t.test('the disabled check happens inside the insert transaction', async t => {
    // A second connection disables creation after this store has already read
    // "enabled" once: the insert must still see "disabled".
    const { store, db } = await setup(t, fixture)
    await store.createProject({ path: 'acme/app', visibility: 'private' }, actor)
    t.equal((await store.getGroupSettings('acme')).projectTokenCreation, 'enabled')
    const other = await fixture.open(db, new ManualClock(0))
    await other.setProjectTokenCreation('acme', 'disabled', { user: 'bob' })
    await other.close()
    await rejectsWith(t, store.createToken(newToken(), actor), 'CREATION_DISABLED')
  })

  t.test('listing: by project, by group at a segment boundary, active vs all', async t => {
    const { store, clock } = await setup(t, fixture)
    for (const p of ['acme/app', 'acme/sub/x', 'acme-evil/app', 'other/app']) {
      await store.createProject({ path: p, visibility: 'private' }, actor)
    }
    const a = await store.createToken(newToken({ name: 'a' }), actor)
    const b = await store.createToken(newToken({ name: 'b', target: { kind: 'project', path: 'acme/sub/x' } }), actor)
    const c = await store.createToken(newToken({ name: 'c', target: { kind: 'group', path: 'acme' } }), actor)
    const d = await store.createToken(newToken({ name: 'd', target: { kind: 'project', path: 'acme-evil/app' } }), actor)
    const e = await store.createToken(newToken({ name: 'e', target: { kind: 'group', path: 'acme-evil' } }), actor)
    await store.createToken(newToken({ name: 'f', expiresAt: '2026-06-16' }), actor)
    const g = await store.createToken(newToken({ name: 'g', target: { kind: 'project', path: 'other/app' } }), actor)
    await store.revokeToken(g.id, actor)

    const names = async (filter: TokenFilter) =>
      (await store.listTokens(filter)).map(x => x.name)
    t.same(await names({}), ['a', 'b', 'c', 'd', 'e', 'f'])
    t.same(await names({ all: true }), ['a', 'b', 'c', 'd', 'e', 'f', 'g'])
    t.same(await names({ project: 'acme/app' }), ['a', 'f'])
    t.same(await names({ group: 'acme' }), ['a', 'b', 'c', 'f'], 'acme-evil is not under acme')
    t.same(await names({ group: 'acme/sub' }), ['b'])
    t.same(await names({ group: 'acme_' }), [], '"_" is not a wildcard')
    t.same(await names({ group: 'other', all: true }), ['g'])

    // f stops working at 2026-06-16T00:00Z: gone from the active list then.
    clock.set(new Date('2026-06-15T23:59:59.999Z'))
    t.ok((await names({})).includes('f'))
    clock.set(new Date('2026-06-16T00:00:00.000Z'))
    t.notOk((await names({})).includes('f'))
    t.ok((await names({ all: true })).includes('f'))
    t.ok([a, b, c, d, e].every(x => x.revokedAt === null))
  })

  t.test('revoke: once, then refused; unknown id is NOT_FOUND', async t => {
    const { store, clock } = await setup(t, fixture)
    await store.createProject({ path: 'acme/app', visibility: 'private' }, actor)
    const tok = await store.createToken(newToken(), actor)
    clock.advance(5000)
    const r = await store.revokeToken(tok.id, actor)
    t.equal(r.revokedAt, '2026-06-15T12:00:05.000Z')
    t.equal((await store.findToken(tok.id))?.revokedAt, '2026-06-15T12:00:05.000Z')
    await rejectsWith(t, store.revokeToken(tok.id, actor), 'INVALID_ARGUMENT', /already revoked/)
    await rejectsWith(t, store.revokeToken('zzzzzzzzzzzz', actor), 'NOT_FOUND')
  })

  t.test('rotate: new token and old revoked together, or neither', async t => {
    const { store, clock } = await setup(t, fixture)
    await store.createProject({ path: 'acme/app', visibility: 'private' }, actor)
    const old = await store.createToken(newToken(), actor)
    const other = await store.createToken(newToken(), actor)
    await store.setProjectTokenCreation('acme', 'disabled', actor)

    // The insert fails (the id is taken): the old token must stay active.
    await rejectsWith(t, store.rotateToken(old.id, newToken({ id: other.id }), actor), 'ALREADY_EXISTS')
    t.equal((await store.findToken(old.id))?.revokedAt, null, 'old token still active after a failed rotation')
    await rejectsWith(t, store.rotateToken(old.id, newToken({ target: { kind: 'group', path: 'acme' } }), actor), 'INVALID_ARGUMENT', /keep the project/)
    t.equal((await store.findToken(old.id))?.revokedAt, null)

    clock.advance(1000)
    // Rotation works while creation is disabled: it must be possible to
    // replace a leaked secret.
    const fresh = await store.rotateToken(old.id, newToken({ secretHash: '$2b$04$other' }), actor)
    t.equal(fresh.rotatedFrom, old.id)
    t.equal(fresh.revokedAt, null)
    t.equal((await store.findToken(old.id))?.revokedAt, '2026-06-15T12:00:01.000Z')
    await rejectsWith(t, store.rotateToken(old.id, newToken(), actor), 'INVALID_ARGUMENT', /cannot be rotated/)
    await rejectsWith(t, store.rotateToken('zzzzzzzzzzzz', newToken(), actor), 'NOT_FOUND')
  })

  t.test('recordTokenUse: one batch, only moves forward, ignores unknown ids', async t => {
    const { store } = await setup(t, fixture)
    await store.createProject({ path: 'acme/app', visibility: 'private' }, actor)
    const a = await store.createToken(newToken(), actor)
    const b = await store.createToken(newToken(), actor)
    await store.recordTokenUse([
      { id: a.id, at: '2026-06-15T12:00:10.000Z' },
      { id: b.id, at: '2026-06-15T12:00:20.000Z' },
      { id: 'unknown00000', at: '2026-06-15T12:00:20.000Z' },
    ])
    t.equal((await store.findToken(a.id))?.lastUsedAt, '2026-06-15T12:00:10.000Z')
    t.equal((await store.findToken(b.id))?.lastUsedAt, '2026-06-15T12:00:20.000Z')
    await store.recordTokenUse([{ id: a.id, at: '2026-06-15T12:00:05.000Z' }])
    t.equal((await store.findToken(a.id))?.lastUsedAt, '2026-06-15T12:00:10.000Z', 'an older time does not win')
    await store.recordTokenUse([])
  })

  t.test('audit: every change, with actor and facts, never the hash', async t => {
    const { store } = await setup(t, fixture)
    await store.createProject({ path: 'acme/app', visibility: 'public' }, actor)
    const tok = await store.createToken(newToken({ expiresAt: '2027-01-01' }), actor)
    const fresh = await store.rotateToken(tok.id, newToken(), { user: 'bob' })
    await store.revokeToken(fresh.id, actor)
    await store.setProjectTokenCreation('acme', 'disabled', actor)
    const log = await store.listAudit()
    t.same(
      log.map(e => [e.action, e.target, e.actor]),
      [
        ['project.created', 'acme/app', 'alice'],
        ['token.created', tok.id, 'alice'],
        ['token.rotated', tok.id, 'bob'],
        ['token.revoked', fresh.id, 'alice'],
        ['group.setting_changed', 'acme', 'alice'],
      ],
    )
    t.same(log[0]?.details, { visibility: 'public', defaultBranchProtection: 'none' })
    t.same(log[1]?.details, { name: 'ci', project: 'acme/app', role: 'developer', scopes: ['read_repository'], expiresAt: '2027-01-01' })
    t.match(log[2]?.details, { replacement: fresh.id })
    t.same(log[4]?.details, { setting: 'project_token_creation', from: 'enabled', to: 'disabled' })
    t.notMatch(JSON.stringify(log), /\$2b\$/, 'no hash in the audit trail')
    t.notMatch(JSON.stringify(log), /secret/i)
  })

  t.test('audit: in the order of the changes, past nine entries too', async t => {
    const { store, clock } = await setup(t, fixture)
    for (let i = 0; i < 12; i++) {
      clock.advance(1000)
      await store.createProject({ path: `acme/p${i}`, visibility: 'private' }, actor)
    }
    const log = await store.listAudit()
    t.same(log.map(e => e.target), Array.from({ length: 12 }, (_, i) => `acme/p${i}`))
    t.same(log.map(e => e.id), [...log.map(e => e.id)].sort((a, b) => a - b))
  })

  t.test('a refused change writes no audit entry', async t => {
    const { store } = await setup(t, fixture)
    await store.createProject({ path: 'acme/app', visibility: 'private' }, actor)
    await rejectsWith(t, store.createProject({ path: 'acme/app', visibility: 'private' }, actor), 'ALREADY_EXISTS')
    await rejectsWith(t, store.createToken(newToken({ target: { kind: 'project', path: 'acme/none' } }), actor), 'NOT_FOUND')
    t.equal((await store.listAudit()).length, 1)
  })

  t.test('ping answers while open and fails after close', async t => {
    const { store } = await setup(t, fixture)
    await store.ping()
    await store.close()
    await t.rejects(store.ping())
    await store.close() // twice is fine
  })

  t.test('a row changed outside gitward fails closed', async t => {
    const { store, db } = await setup(t, fixture)
    await store.createProject({ path: 'acme/app', visibility: 'private' }, actor)
    const tok = await store.createToken(newToken(), actor)
    await fixture.raw(db, "UPDATE tokens SET scopes = 'read_repository,sudo' WHERE id = ?", [tok.id])
    await rejectsWith(t, store.findToken(tok.id), 'DB_UNAVAILABLE')
  })

  t.test('protected refs: record, change, find for a project and its groups, remove', async t => {
    const { store, db } = await setup(t, fixture)
    for (const p of ['acme/app', 'acme/sub/tool']) await store.createProject({ path: p, visibility: 'private' }, actor)
    const made = await store.createProject({ path: 'acme/new', visibility: 'private', defaultBranch: 'main', defaultBranchProtection: 'full_after_initial_push' }, actor)
    t.match(made, { defaultBranch: 'main', defaultBranchProtection: 'full_after_initial_push' })
    t.match(await store.findProject('acme/app'), { defaultBranch: null, defaultBranchProtection: 'none' })

    const a = await store.protectRef({ refKind: 'branch', owner: { kind: 'project', path: 'acme/app' }, pattern: 'main', level: 'maintainer', allowForcePush: false }, actor)
    t.match(a, { created: true, rule: { refKind: 'branch', pattern: 'main', level: 'maintainer', allowForcePush: false, createdAt: '2026-06-15T12:00:00.000Z' } })
    const b = await store.protectRef({ refKind: 'branch', owner: { kind: 'project', path: 'acme/app' }, pattern: 'main', level: 'developer', allowForcePush: true }, actor)
    t.match(b, { created: false, rule: { id: a.rule.id, level: 'developer', allowForcePush: true } })
    await store.protectRef({ refKind: 'tag', owner: { kind: 'group', path: 'acme' }, pattern: 'v*', level: 'no_one', allowForcePush: false }, actor)
    await store.protectRef({ refKind: 'branch', owner: { kind: 'group', path: 'acme/sub' }, pattern: 'release/*', level: 'maintainer', allowForcePush: false }, actor)
    // A project named like a group above another project is not that group.
    await store.protectRef({ refKind: 'branch', owner: { kind: 'project', path: 'acme/sub' }, pattern: 'x', level: 'maintainer', allowForcePush: false }, actor)

    const names = async (path: string): Promise<string[]> => (await store.findRefRules(path)).map(r => `${r.owner.kind}:${r.owner.path}:${r.pattern}`).sort()
    t.same(await names('acme/app'), ['group:acme:v*', 'project:acme/app:main'])
    t.same(await names('acme/sub/tool'), ['group:acme/sub:release/*', 'group:acme:v*'])
    t.same(await names('acme-evil/app'), [])
    t.equal((await store.listProtectedRefs()).length, 4)

    await rejectsWith(t, store.unprotectRef('tag', { kind: 'project', path: 'acme/app' }, 'v*', actor), 'NOT_FOUND')
    const removed = await store.unprotectRef('tag', { kind: 'group', path: 'acme' }, 'v*', actor)
    t.match(removed, { level: 'no_one' })
    t.same(await names('acme/app'), ['project:acme/app:main'])
    const audit = (await store.listAudit()).filter(e => e.action.startsWith('ref.')).map(e => e.action)
    t.same(audit, ['ref.protected', 'ref.protection_changed', 'ref.protected', 'ref.protected', 'ref.protected', 'ref.unprotected'])

    // The schema itself refuses a level gitward does not know.
    await t.rejects(fixture.raw(db, "UPDATE protected_refs SET access_level = 'guest' WHERE pattern = ?", ['main']))
  })

  t.test('per-token ref rules are stored, read back and kept by rotation', async t => {
    const { store } = await setup(t, fixture)
    await store.createProject({ path: 'acme/app', visibility: 'private' }, actor)
    const tok = await store.createToken(newToken({ refRules: ['refs/tags/v*', 'refs/heads/ci/*'] }), actor)
    t.same(tok.refRules, ['refs/tags/v*', 'refs/heads/ci/*'])
    t.same((await store.findToken(tok.id))?.refRules, ['refs/tags/v*', 'refs/heads/ci/*'])
    t.equal((await store.createToken(newToken(), actor)).refRules, null)
    const next = await store.rotateToken(tok.id, newToken({ refRules: tok.refRules }), actor)
    t.same(next.refRules, tok.refRules)
  })
}

// The Store contract: one suite every store engine must pass (SQLite and
// PostgreSQL). Each engine's test file runs it with a fixture that makes an
// empty database and opens stores on it, then adds the tests that only make
// sense for that engine (locking, query plans, restarts).
//
// The suite checks persistence only: conflicts are reported as values, a
// conflicted write changes nothing (no row, no audit entry), the two halves
// of a rotation happen together. The RULES (names, paths, messages) are
// tested in test/admin/.
import type { Test } from 'tap'
import { rejectsWithCode as rejectsWith } from '../assertions.js'
import { ManualClock, type Clock } from '../../../src/clock.js'
import type { Store } from '../../../src/store/store.js'
import { addProject, addToken, HASH, newToken, note, written } from './fixtures.js'

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

export async function setup(t: Test, fixture: StoreFixture, start = '2026-06-15T12:00:00Z') {
  const db = await fixture.createDatabase(t)
  const clock = new ManualClock(new Date(start))
  const store = await fixture.open(db, clock)
  t.teardown(() => store.close())
  /** Another store on the same database, closed at teardown. */
  const another = async (): Promise<Store> => {
    const s = await fixture.open(db, clock)
    t.teardown(() => s.close())
    return s
  }
  return { db, clock, store, another }
}

/** Every behaviour of the Store interface, as subtests of `t`. */
export function runStoreContract(t: Test, fixture: StoreFixture): void {
  const open = (t: Test) => setup(t, fixture)

  t.test('projects: create, find, list; a taken path is a conflict', async t => {
    const { store, clock } = await open(t)
    const p = await addProject(store, 'acme/app')
    t.match(p, { path: 'acme/app', visibility: 'private', createdAt: '2026-06-15T12:00:00.000Z' })
    clock.advance(1000)
    await addProject(store, 'acme/docs', 'public')
    t.same(await store.findProject('acme/app'), p)
    t.equal(await store.findProject('acme/nope'), undefined)
    t.same((await store.listProjects()).map(x => x.path), ['acme/app', 'acme/docs'])
    t.same(await store.createProject({ path: 'acme/app', visibility: 'public', defaultBranch: null, defaultBranchProtection: 'none' }, note('project.created')), { ok: false, conflict: 'project-exists' })
    t.equal((await store.listProjects()).length, 2)
    t.equal((await store.listAudit()).length, 2, 'a conflict writes no audit entry')
  })

  t.test('tokens: create for a project and a group, find by id, a taken id is a conflict', async t => {
    const { store } = await open(t)
    const project = await addProject(store, 'acme/app')
    const pt = await addToken(store, newToken(project, { expiresAt: '2026-07-01', scopes: ['read_repository', 'write_repository'] }))
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
    const gt = await addToken(store, newToken(null, { target: { kind: 'group', path: 'other/sub' } }))
    t.same(gt.target, { kind: 'group', path: 'other/sub' })
    t.equal(await store.findToken('nonexistent00'), undefined)
    t.same(await store.createToken(newToken(project, { id: pt.id }), note()), { ok: false, conflict: 'token-id-taken' })
    t.equal((await store.listTokens({ includeRevoked: true })).length, 2)
    t.equal((await store.listAudit()).length, 3, 'a conflict writes no audit entry')
  })

  t.test('requireProjectTokenCreation: the named group\'s switch, read inside the insert', async t => {
    const { store, another } = await open(t)
    const app = await addProject(store, 'acme/app')
    const evil = await addProject(store, 'acme-evil/app')
    t.same(await store.getGroupSettings('acme'), { path: 'acme', projectTokenCreation: 'enabled', updatedAt: null })
    await addToken(store, newToken(app))
    // A second connection disables creation after this one read "enabled".
    const other = await another()
    const s = await other.setProjectTokenCreation('acme', 'disabled', note('group.setting_changed', 'acme', 'bob'))
    t.same(s, { path: 'acme', projectTokenCreation: 'disabled', updatedAt: '2026-06-15T12:00:00.000Z' })
    const refused = await store.createToken(newToken(app), note(), { requireProjectTokenCreation: 'acme' })
    t.same(refused, { ok: false, conflict: 'project-token-creation-disabled' })
    // Another group, or no condition at all: written.
    t.ok((await store.createToken(newToken(evil), note(), { requireProjectTokenCreation: 'acme-evil' })).ok)
    t.ok((await store.createToken(newToken(app), note())).ok, 'the condition is the caller\'s to ask for')
    await store.setProjectTokenCreation('acme', 'enabled', note('group.setting_changed', 'acme'))
    t.ok((await store.createToken(newToken(app), note(), { requireProjectTokenCreation: 'acme' })).ok)
  })

  t.test('listing: by project, by group at a segment boundary, revoked on request; expired always', async t => {
    const { store } = await open(t)
    const [app, sub, evilApp, otherApp] = [
      await addProject(store, 'acme/app'),
      await addProject(store, 'acme/sub/x'),
      await addProject(store, 'acme-evil/app'),
      await addProject(store, 'other/app'),
    ]
    await addToken(store, newToken(app, { name: 'a' }))
    await addToken(store, newToken(sub, { name: 'b' }))
    await addToken(store, newToken(null, { name: 'c', target: { kind: 'group', path: 'acme' } }))
    await addToken(store, newToken(evilApp, { name: 'd' }))
    await addToken(store, newToken(null, { name: 'e', target: { kind: 'group', path: 'acme-evil' } }))
    await addToken(store, newToken(app, { name: 'f', expiresAt: '2020-01-01' }))
    const g = await addToken(store, newToken(otherApp, { name: 'g' }))
    written(await store.revokeToken(g.id, note('token.revoked', g.id)))

    const names = async (filter: Parameters<Store['listTokens']>[0]) => (await store.listTokens(filter)).map(x => x.name)
    t.same(await names({ includeRevoked: false }), ['a', 'b', 'c', 'd', 'e', 'f'])
    t.same(await names({ includeRevoked: true }), ['a', 'b', 'c', 'd', 'e', 'f', 'g'])
    t.same(await names({ project: 'acme/app', includeRevoked: false }), ['a', 'f'])
    t.same(await names({ group: 'acme', includeRevoked: false }), ['a', 'b', 'c', 'f'], 'acme-evil is not under acme')
    t.same(await names({ group: 'acme/sub', includeRevoked: false }), ['b'])
    t.same(await names({ group: 'acme_', includeRevoked: false }), [], '"_" is not a wildcard')
    t.same(await names({ group: 'acme%', includeRevoked: false }), [], '"%" is not a wildcard')
    t.same(await names({ group: 'other', includeRevoked: true }), ['g'])
  })

  t.test('revoke: once; then token-revoked; unknown id token-missing', async t => {
    const { store, clock } = await open(t)
    const tok = await addToken(store, newToken(await addProject(store, 'acme/app')))
    clock.advance(5000)
    const r = written(await store.revokeToken(tok.id, note('token.revoked', tok.id)))
    t.equal(r.revokedAt, '2026-06-15T12:00:05.000Z')
    t.equal((await store.findToken(tok.id))?.revokedAt, '2026-06-15T12:00:05.000Z')
    clock.advance(5000)
    t.same(await store.revokeToken(tok.id, note('token.revoked')), { ok: false, conflict: 'token-revoked' })
    t.equal((await store.findToken(tok.id))?.revokedAt, '2026-06-15T12:00:05.000Z', 'the first time stays')
    t.same(await store.revokeToken('zzzzzzzzzzzz', note('token.revoked')), { ok: false, conflict: 'token-missing' })
    t.equal((await store.listAudit()).filter(e => e.action === 'token.revoked').length, 1)
  })

  t.test('rotate: new token and old revoked together, or neither', async t => {
    const { store, clock } = await open(t)
    const app = await addProject(store, 'acme/app')
    const old = await addToken(store, newToken(app))
    const other = await addToken(store, newToken(app))
    const before = (await store.listAudit()).length

    // The insert fails (the id is taken): the old token must stay active.
    t.same(await store.rotateToken(old.id, newToken(app, { id: other.id }), note('token.rotated')), { ok: false, conflict: 'token-id-taken' })
    t.equal((await store.findToken(old.id))?.revokedAt, null, 'old token still active after a failed rotation')
    t.equal((await store.listAudit()).length, before)

    clock.advance(1000)
    const fresh = written(await store.rotateToken(old.id, newToken(app, { secretHash: '$2b$04$other' }), note('token.rotated', old.id)))
    t.equal(fresh.rotatedFrom, old.id)
    t.equal(fresh.revokedAt, null)
    t.equal((await store.findToken(old.id))?.revokedAt, '2026-06-15T12:00:01.000Z')
    t.same(await store.rotateToken(old.id, newToken(app), note('token.rotated')), { ok: false, conflict: 'token-revoked' })
    t.same(await store.rotateToken('zzzzzzzzzzzz', newToken(app), note('token.rotated')), { ok: false, conflict: 'token-missing' })
    t.equal((await store.listTokens({ includeRevoked: true })).length, 3, 'no replacement written by a refused rotation')
  })

  t.test('recordTokenUse: one batch, only moves forward, ignores unknown ids', async t => {
    const { store } = await open(t)
    const app = await addProject(store, 'acme/app')
    const a = await addToken(store, newToken(app))
    const b = await addToken(store, newToken(app))
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

  t.test('recordTokenUse: client addresses upserted in the batch, the last 5 distinct kept per token', async t => {
    const { store } = await open(t)
    const app = await addProject(store, 'acme/app')
    const a = await addToken(store, newToken(app))
    const b = await addToken(store, newToken(app))
    const at = (s: number) => `2026-06-15T12:00:${String(s).padStart(2, '0')}.000Z`
    // Seven distinct addresses for a in one batch (one repeated, older first
    // then newer), one for b, and one for an unknown id.
    await store.recordTokenUse([
      { id: a.id, at: at(1), address: '10.0.0.1' },
      { id: a.id, at: at(2), address: '10.0.0.2' },
      { id: a.id, at: at(3), address: '10.0.0.3' },
      { id: a.id, at: at(4), address: '2001:db8::4' },
      { id: b.id, at: at(4), address: '192.0.2.9' },
      { id: a.id, at: at(5), address: '10.0.0.5' },
      { id: a.id, at: at(6), address: '10.0.0.6' },
      { id: a.id, at: at(7), address: '10.0.0.2' },
      { id: a.id, at: at(8), address: '10.0.0.8' },
      { id: 'unknown00000', at: at(9), address: '10.0.0.9' },
    ])
    const kept = await store.listTokenAddresses([a.id, b.id, 'unknown00000'])
    t.same(kept.get(a.id), [
      { address: '10.0.0.8', lastSeenAt: at(8) },
      { address: '10.0.0.2', lastSeenAt: at(7) },
      { address: '10.0.0.6', lastSeenAt: at(6) },
      { address: '10.0.0.5', lastSeenAt: at(5) },
      { address: '2001:db8::4', lastSeenAt: at(4) },
    ], 'the five most recent distinct addresses, newest first; a repeat moves up')
    t.same(kept.get(b.id), [{ address: '192.0.2.9', lastSeenAt: at(4) }])
    t.equal(kept.has('unknown00000'), false, 'an unknown id is ignored')
    t.equal((await store.findToken(a.id))?.lastUsedAt, at(8))

    // A later batch: an older sighting does not move a time back; a new
    // address pushes the oldest out.
    await store.recordTokenUse([
      { id: a.id, at: at(2), address: '10.0.0.8' },
      { id: a.id, at: at(20), address: '10.0.0.20' },
      { id: a.id, at: at(21) },
    ])
    t.same((await store.listTokenAddresses([a.id])).get(a.id), [
      { address: '10.0.0.20', lastSeenAt: at(20) },
      { address: '10.0.0.8', lastSeenAt: at(8) },
      { address: '10.0.0.2', lastSeenAt: at(7) },
      { address: '10.0.0.6', lastSeenAt: at(6) },
      { address: '10.0.0.5', lastSeenAt: at(5) },
    ])
    t.equal((await store.findToken(a.id))?.lastUsedAt, at(21), 'a use without an address still moves last_used_at')
    t.same(await store.listTokenAddresses([]), new Map())
  })

  t.test('audit: stored as given, with the time of the write, oldest first', async t => {
    const { store, clock } = await open(t)
    await store.createProject({ path: 'acme/app', visibility: 'public', defaultBranch: null, defaultBranchProtection: 'none' }, { actor: { user: 'alice' }, action: 'project.created', target: 'acme/app', details: { visibility: 'public' } })
    clock.advance(1000)
    await store.setProjectTokenCreation('acme', 'disabled', { actor: { user: 'bob' }, action: 'group.setting_changed', target: 'acme', details: { from: 'enabled', to: 'disabled', n: [1, 2] } })
    const log = await store.listAudit()
    t.same(log.map(e => [e.at, e.actor, e.action, e.target, e.details]), [
      ['2026-06-15T12:00:00.000Z', 'alice', 'project.created', 'acme/app', { visibility: 'public' }],
      ['2026-06-15T12:00:01.000Z', 'bob', 'group.setting_changed', 'acme', { from: 'enabled', to: 'disabled', n: [1, 2] }],
    ])
    t.ok(log[0]!.id < log[1]!.id)
  })

  t.test('audit: in the order of the changes, past nine entries too', async t => {
    const { store, clock } = await open(t)
    for (let i = 0; i < 12; i++) {
      clock.advance(1000)
      await addProject(store, `acme/p${i}`)
    }
    const log = await store.listAudit()
    t.same(log.map(e => e.target), Array.from({ length: 12 }, (_, i) => `acme/p${i}`))
    t.same(log.map(e => e.id), [...log.map(e => e.id)].sort((a, b) => a - b))
  })

  t.test('ping answers while open and fails after close', async t => {
    const { store } = await open(t)
    await store.ping()
    await store.close()
    await t.rejects(store.ping())
    await store.close() // twice is fine
  })

  t.test('a row changed outside gitward fails closed', async t => {
    const { store, db } = await open(t)
    const tok = await addToken(store, newToken(await addProject(store, 'acme/app')))
    await fixture.raw(db, "UPDATE tokens SET scopes = 'read_repository,sudo' WHERE id = ?", [tok.id])
    await rejectsWith(t, store.findToken(tok.id), 'DB_UNAVAILABLE')
  })

  t.test('an expiry date that is not a real calendar date is refused by the schema', async t => {
    const { store, db } = await open(t)
    const app = await addProject(store, 'acme/app')
    for (const bad of ['2020-13-01', '2026-02-30', '2026-04-31', '2026-00-10']) {
      await t.rejects(addToken(store, newToken(app, { expiresAt: bad })), bad)
    }
    const ok = await addToken(store, newToken(app, { expiresAt: '2028-02-29' }))
    t.equal(ok.expiresAt, '2028-02-29')
    await t.rejects(fixture.raw(db, 'UPDATE tokens SET expires_at = ? WHERE id = ?', ['2020-13-01', ok.id]), 'not by a raw write either')
    t.equal((await store.findToken(ok.id))?.expiresAt, '2028-02-29')
  })

  t.test('projects keep their default branch and its protection', async t => {
    const { store } = await open(t)
    const made = written(
      await store.createProject(
        { path: 'acme/new', visibility: 'private', defaultBranch: 'main', defaultBranchProtection: 'full_after_initial_push' },
        note('project.created', 'acme/new'),
      ),
    )
    t.match(made, { defaultBranch: 'main', defaultBranchProtection: 'full_after_initial_push' })
    t.same(await store.findProject('acme/new'), made)
    t.match(await addProject(store, 'acme/app'), { defaultBranch: null, defaultBranchProtection: 'none' })
  })

  t.test('protected refs: record, change, find for a project and its groups, remove', async t => {
    const { store, db } = await open(t)
    for (const p of ['acme/app', 'acme/sub/tool']) await addProject(store, p)
    const protect = async (rule: Parameters<Store['protectRef']>[0]) =>
      written(await store.protectRef(rule, note('ref.protected', rule.owner.path), await store.findProtection(rule.refKind, rule.owner, rule.pattern)))

    const main = { refKind: 'branch' as const, owner: { kind: 'project' as const, path: 'acme/app' }, pattern: 'main' }
    const a = await protect({ ...main, level: 'maintainer', allowForcePush: false })
    t.match(a, { created: true, rule: { refKind: 'branch', pattern: 'main', level: 'maintainer', allowForcePush: false, createdAt: '2026-06-15T12:00:00.000Z' } })
    const b = await protect({ ...main, level: 'developer', allowForcePush: true })
    t.match(b, { created: false, rule: { id: a.rule.id, level: 'developer', allowForcePush: true } })
    // Changed since the caller read it (here: it read the first version): a conflict, nothing written.
    t.same(await store.protectRef({ ...main, level: 'no_one', allowForcePush: false }, note('ref.protection_changed'), a.rule), { ok: false, conflict: 'protection-changed' })
    t.same(await store.protectRef({ ...main, level: 'no_one', allowForcePush: false }, note('ref.protected'), undefined), { ok: false, conflict: 'protection-changed' })
    t.match(await store.findProtection('branch', main.owner, 'main'), { level: 'developer', allowForcePush: true })

    await protect({ refKind: 'tag', owner: { kind: 'group', path: 'acme' }, pattern: 'v*', level: 'no_one', allowForcePush: false })
    await protect({ refKind: 'branch', owner: { kind: 'group', path: 'acme/sub' }, pattern: 'release/*', level: 'maintainer', allowForcePush: false })
    // A project named like a group above another project is not that group.
    await protect({ refKind: 'branch', owner: { kind: 'project', path: 'acme/sub' }, pattern: 'x', level: 'maintainer', allowForcePush: false })

    const names = async (path: string): Promise<string[]> => (await store.findRefRules(path)).map(r => `${r.owner.kind}:${r.owner.path}:${r.pattern}`).sort()
    t.same(await names('acme/app'), ['group:acme:v*', 'project:acme/app:main'])
    t.same(await names('acme/sub/tool'), ['group:acme/sub:release/*', 'group:acme:v*'])
    t.same(await names('acme-evil/app'), [])
    t.equal((await store.listProtectedRefs()).length, 4)
    t.equal(await store.findProtection('tag', { kind: 'project', path: 'acme/app' }, 'v*'), undefined)

    const tag = await store.findProtection('tag', { kind: 'group', path: 'acme' }, 'v*')
    const removed = written(await store.unprotectRef(tag!.id, note('ref.unprotected', 'acme')))
    t.match(removed, { level: 'no_one', pattern: 'v*' })
    t.same(await store.unprotectRef(tag!.id, note('ref.unprotected')), { ok: false, conflict: 'protection-missing' })
    t.same(await names('acme/app'), ['project:acme/app:main'])
    const audit = (await store.listAudit()).filter(e => e.action.startsWith('ref.')).map(e => e.action)
    t.same(audit, ['ref.protected', 'ref.protected', 'ref.protected', 'ref.protected', 'ref.protected', 'ref.unprotected'], 'conflicts write no audit entry')

    // The schema itself refuses a level gitward does not know.
    await t.rejects(fixture.raw(db, "UPDATE protected_refs SET access_level = 'guest' WHERE pattern = ?", ['main']))
  })

  t.test('per-token ref rules are stored, read back and kept by rotation', async t => {
    const { store } = await open(t)
    const app = await addProject(store, 'acme/app')
    const tok = await addToken(store, newToken(app, { refRules: ['refs/tags/v*', 'refs/heads/ci/*'] }))
    t.same(tok.refRules, ['refs/tags/v*', 'refs/heads/ci/*'])
    t.same((await store.findToken(tok.id))?.refRules, ['refs/tags/v*', 'refs/heads/ci/*'])
    t.equal((await addToken(store, newToken(app))).refRules, null)
    const next = written(await store.rotateToken(tok.id, newToken(app, { refRules: tok.refRules }), note('token.rotated', tok.id)))
    t.same(next.refRules, tok.refRules)
  })

  t.test('findTokenAndProject: the token and the requested project in one read, either may be missing', async t => {
    const { store } = await open(t)
    const app = await addProject(store, 'acme/app')
    const other = await addProject(store, 'acme/other')
    const tok = await addToken(store, newToken(app))
    const group = await addToken(store, newToken(null, { target: { kind: 'group', path: 'acme' } }))
    t.same(await store.findTokenAndProject(tok.id, 'acme/other'), { token: tok, project: other })
    t.same(await store.findTokenAndProject(group.id, 'acme/app'), { token: group, project: app })
    t.same(await store.findTokenAndProject('nonexistent00', 'acme/app'), { token: undefined, project: app })
    t.same(await store.findTokenAndProject(tok.id, 'acme/none'), { token: tok, project: undefined })
    t.same(await store.findTokenAndProject('nonexistent00', 'acme/none'), { token: undefined, project: undefined })
    t.same(await store.findTokenAndProject(tok.id, 'ACME/APP'), { token: tok, project: undefined }, 'paths compare byte for byte')
  })

  t.test('tokens are numbered 1, 2, 3, ... in insert order, rotation included; a description is kept', async t => {
    const { store } = await open(t)
    const app = await addProject(store, 'acme/app')
    const first = await addToken(store, newToken(app, { description: 'deploys the docs' }))
    const second = await addToken(store, newToken(null, { target: { kind: 'group', path: 'acme' } }))
    t.same([first.number, second.number], [1, 2])
    t.equal(first.description, 'deploys the docs')
    t.equal(second.description, null)
    t.same(await store.createToken(newToken(app, { id: first.id }), note()), { ok: false, conflict: 'token-id-taken' })
    const third = written(await store.rotateToken(first.id, newToken(app), note('token.rotated', first.id)))
    // (PostgreSQL's sequence may skip the number a conflicted insert drew: gaps are allowed, reuse is not.)
    t.ok(third.number > second.number, 'later tokens get larger numbers')
    t.same((await store.findToken(first.id))?.number, 1)
    const numbers = (await store.listTokens({ includeRevoked: true })).map(x => x.number)
    t.equal(new Set(numbers).size, numbers.length, 'unique')
  })

  t.test('group settings: listed by path, only groups that have a row', async t => {
    const { store, clock } = await open(t)
    t.same(await store.listGroupSettings(), [])
    await store.setProjectTokenCreation('zeta', 'disabled', note('group.setting_changed', 'zeta'))
    clock.advance(1000)
    await store.setProjectTokenCreation('acme', 'enabled', note('group.setting_changed', 'acme'))
    t.same(await store.listGroupSettings(), [
      { path: 'acme', projectTokenCreation: 'enabled', updatedAt: '2026-06-15T12:00:01.000Z' },
      { path: 'zeta', projectTokenCreation: 'disabled', updatedAt: '2026-06-15T12:00:00.000Z' },
    ])
  })

  t.test('project visibility: changed with its audit entry; an unknown id is a conflict', async t => {
    const { store } = await open(t)
    const app = await addProject(store, 'acme/app')
    const changed = written(await store.setProjectVisibility(app.id, 'public', note('project.visibility_changed', 'acme/app')))
    t.same(changed, { ...app, visibility: 'public' })
    t.same(await store.findProject('acme/app'), changed)
    t.same(await store.setProjectVisibility(app.id + 1000, 'public', note('project.visibility_changed')), { ok: false, conflict: 'project-missing' })
    t.same((await store.listAudit()).map(e => e.action), ['project.created', 'project.visibility_changed'])
  })

  t.test('project removal: tokens revoked and deleted with it, its protections too, all or nothing', async t => {
    const { store, clock } = await open(t)
    const app = await addProject(store, 'acme/app')
    const other = await addProject(store, 'acme/other')
    const active = await addToken(store, newToken(app))
    const old = await addToken(store, newToken(app))
    clock.advance(1000)
    // A rotation chain inside the project: the replacement refers to the old row.
    const rotated = written(await store.rotateToken(old.id, newToken(app), note('token.rotated', old.id)))
    const keep = await addToken(store, newToken(other))
    const groupToken = await addToken(store, newToken(null, { target: { kind: 'group', path: 'acme' } }))
    const rule = (path: string, kind: 'project' | 'group') => ({ refKind: 'branch' as const, owner: { kind, path }, pattern: 'main', level: 'maintainer' as const, allowForcePush: false })
    written(await store.protectRef(rule('acme/app', 'project'), note('ref.protected'), undefined))
    written(await store.protectRef(rule('acme', 'group'), note('ref.protected'), undefined))
    const before = (await store.listAudit()).length

    // The use case read a different set of unrevoked tokens: nothing is written.
    t.same(
      await store.removeProject(app.id, { expectedUnrevoked: [active.id], revoke: [] }, note('project.removed', 'acme/app')),
      { ok: false, conflict: 'project-tokens-changed' },
    )
    t.same(
      await store.removeProject(app.id, { expectedUnrevoked: [active.id, rotated.id], revoke: [{ id: keep.id, audit: note('token.revoked') }] }, note('project.removed')),
      { ok: false, conflict: 'project-tokens-changed' },
      'only tokens of the project may be revoked',
    )
    t.same(await store.removeProject(app.id + 1000, { expectedUnrevoked: [], revoke: [] }, note('project.removed')), { ok: false, conflict: 'project-missing' })
    t.equal((await store.listAudit()).length, before, 'a conflict writes no audit entry')
    t.equal((await store.findToken(active.id))?.revokedAt, null, 'nothing revoked by a refused removal')
    t.ok(await store.findProject('acme/app'))

    clock.advance(1000)
    const removal = written(
      await store.removeProject(
        app.id,
        { expectedUnrevoked: [rotated.id, active.id], revoke: [{ id: active.id, audit: note('token.revoked', active.id) }, { id: rotated.id, audit: note('token.revoked', rotated.id) }] },
        note('project.removed', 'acme/app'),
      ),
    )
    t.same(removal, { project: app, revokedTokens: [active.id, rotated.id], deletedTokens: 3, deletedProtections: 1 })
    t.equal(await store.findProject('acme/app'), undefined)
    for (const id of [active.id, old.id, rotated.id]) t.equal(await store.findToken(id), undefined, `token ${id} deleted`)
    t.ok(await store.findToken(keep.id), 'another project\'s token is kept')
    t.ok(await store.findToken(groupToken.id), 'a group token is kept')
    t.same((await store.listProtectedRefs()).map(r => r.owner.path), ['acme'], 'group protections are kept')
    t.same((await store.listAudit()).slice(before).map(e => [e.action, e.target]), [
      ['token.revoked', active.id],
      ['token.revoked', rotated.id],
      ['project.removed', 'acme/app'],
    ])
    // The path can be registered again, as a new project.
    const again = await addProject(store, 'acme/app')
    t.not(again.id, app.id)
    t.same(await store.listTokens({ project: 'acme/app', includeRevoked: true }), [])
  })

  t.test('project archive: archived_at is the time of the write, cleared by unarchive; found by the hot path', async t => {
    const { store, clock } = await open(t)
    const app = await addProject(store, 'acme/app')
    t.equal(app.archivedAt, null)
    clock.advance(1000)
    const archived = written(await store.setProjectArchived(app.id, true, note('project.archived', 'acme/app')))
    t.same(archived, { ...app, archivedAt: '2026-06-15T12:00:01.000Z' })
    t.same(await store.findProject('acme/app'), archived)
    t.same((await store.findTokenAndProject('nonexistent00', 'acme/app')).project, archived)
    const back = written(await store.setProjectArchived(app.id, false, note('project.unarchived', 'acme/app')))
    t.same(back, app)
    t.same(await store.setProjectArchived(app.id + 1000, true, note('project.archived')), { ok: false, conflict: 'project-missing' })
    t.same((await store.listAudit()).map(e => e.action), ['project.created', 'project.archived', 'project.unarchived'])
  })
}

import t, { type Test } from 'tap'
import { rejectsWithCode as refused } from '../helpers/assertions.js'
import fs from 'node:fs'
import path from 'node:path'
import { randomBytes } from 'node:crypto'
import Database from 'better-sqlite3'
import { ManualClock } from '../../src/clock.js'
import { bcryptHasher } from '../../src/auth/hasher.js'
import { parseToken, type RandomBytes } from '../../src/auth/token-format.js'
import { mintToken } from '../../src/admin/mint-token.js'
import { rotateToken } from '../../src/admin/rotate-token.js'
import { GitwardError } from '../../src/errors.js'
import { openSqliteStore } from '../../src/store/sqlite-store.js'
import { setProjectTokenCreation } from '../../src/admin/group-settings.js'
import { addProject } from '../helpers/store/fixtures.js'

const actor = { user: 'alice' }
const hasher = bcryptHasher(4)

async function setup(t: Test, random: RandomBytes = randomBytes) {
  const file = path.join(t.testdir(), 'gitward.db')
  const clock = new ManualClock(new Date('2026-06-15T12:00:00Z'))
  const store = await openSqliteStore({ file, clock, busyTimeoutMs: 2000 })
  t.teardown(() => store.close())
  await addProject(store, 'acme/app')
  const deps = { store, hasher, random, tokenPrefix: 'gwpat-', clock, maxTokenLifetimeDays: 365 }
  return { file, clock, store, deps }
}

const request = {
  name: 'ci',
  target: { kind: 'project' as const, path: 'acme/app' },
  role: 'developer' as const,
  scopes: ['read_repository' as const],
  expiresAt: '2026-07-01',
}


t.test('mint: a parseable token whose secret matches the stored hash', async t => {
  const { deps, store } = await setup(t)
  const { record, token } = await mintToken(deps, request, actor)
  const parsed = parseToken('gwpat-', token)
  t.ok(parsed.ok)
  if (!parsed.ok) return
  t.equal(parsed.token.id, record.id)
  const stored = await store.findToken(record.id)
  t.ok(stored)
  t.equal(await hasher.compare(parsed.token.secret, stored!.secretHash), true)
  t.equal(await hasher.compare(parsed.token.secret + 'x', stored!.secretHash), false)
  t.match(stored, { name: 'ci', role: 'developer', scopes: ['read_repository'], expiresAt: '2026-07-01' })
})

t.test('threat: the token and its secret are stored nowhere in the database', async t => {
  const { deps, store, file } = await setup(t)
  const minted = await mintToken(deps, request, actor)
  const rotated = await rotateToken(deps, { id: minted.record.id }, actor)
  await store.close()
  const raw = new Database(file, { readonly: true })
  t.teardown(() => raw.close())
  const dump: string[] = []
  for (const table of raw.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").pluck().all() as string[]) {
    dump.push(JSON.stringify(raw.prepare(`SELECT * FROM "${table}"`).all()))
  }
  const text = dump.join('\n') + fs.readFileSync(file, 'latin1') + (fs.existsSync(file + '-wal') ? fs.readFileSync(file + '-wal', 'latin1') : '')
  for (const m of [minted, rotated]) {
    const parsed = parseToken('gwpat-', m.token)
    if (!parsed.ok) throw new Error('unparseable')
    t.notOk(text.includes(m.token), 'no whole token')
    t.notOk(text.includes(parsed.token.secret), 'no secret part')
  }
})

t.test('mint: names are checked, refusals create nothing', async t => {
  const { deps, store } = await setup(t)
  await refused(t, mintToken(deps, { ...request, name: '   ' }, actor), 'INVALID_ARGUMENT', /--name/)
  await refused(t, mintToken(deps, { ...request, name: 'a\u001b[2Jb' }, actor), 'INVALID_ARGUMENT', /control characters/)
  await refused(t, mintToken(deps, { ...request, name: 'x'.repeat(101) }, actor), 'INVALID_ARGUMENT', /100/)
  await refused(t, mintToken(deps, { ...request, target: { kind: 'project', path: 'acme/none' } }, actor), 'NOT_FOUND')
  t.same(await store.listTokens({ includeRevoked: true }), [])
  t.same((await store.listAudit()).map(e => e.action), ['project.created'], 'no audit entry')
})

t.test('rotate: same grant, new secret, old revoked, chain recorded', async t => {
  const { deps, store, clock } = await setup(t)
  const old = await mintToken(deps, request, actor)
  clock.advance(60_000)
  const fresh = await rotateToken(deps, { id: old.record.id }, { user: 'bob' })
  t.not(fresh.token, old.token)
  t.not(fresh.record.id, old.record.id)
  t.match(fresh.record, {
    name: 'ci',
    target: { kind: 'project', path: 'acme/app' },
    role: 'developer',
    scopes: ['read_repository'],
    expiresAt: '2026-07-01',
    rotatedFrom: old.record.id,
    revokedAt: null,
  })
  t.equal((await store.findToken(old.record.id))?.revokedAt, '2026-06-15T12:01:00.000Z')
  const withDate = await rotateToken(deps, { id: fresh.record.id, expires: '2027-01-01' }, actor)
  t.equal(withDate.record.expiresAt, '2027-01-01')
  await refused(t, rotateToken(deps, { id: fresh.record.id }, actor), 'INVALID_ARGUMENT', /revoked/)
})

t.test('rotate: an insert that fails leaves the old token active', async t => {
  // A random source that repeats itself gives the replacement the old id:
  // the insert fails on the primary key inside the rotation transaction.
  const fixed: RandomBytes = n => Buffer.alloc(n, 7)
  const { deps, store } = await setup(t, fixed)
  const old = await mintToken(deps, request, actor)
  await refused(t, rotateToken(deps, { id: old.record.id }, actor), 'ALREADY_EXISTS')
  const after = await store.findToken(old.record.id)
  t.equal(after?.revokedAt, null, 'still active')
  t.same((await store.listAudit()).map(e => e.action), ['project.created', 'token.created'], 'no rotation recorded')
})

t.test('rotate: an expired token is renewed for its old lifetime, or a date after today', async t => {
  const { deps, clock } = await setup(t)
  const old = await mintToken(deps, request, actor)
  clock.set(new Date('2026-07-01T00:00:00Z'))
  const kept = await rotateToken(deps, { id: old.record.id }, actor)
  t.equal(kept.record.expiresAt, '2026-07-17', 'created 2026-06-15, expired 2026-07-01: 16 days from today')
  t.match(kept.notice, /lifetime of 16 days/)
  await refused(t, rotateToken(deps, { id: kept.record.id, expires: '2026-07-01' }, actor), 'INVALID_ARGUMENT', /not after today/)
  const fresh = await rotateToken(deps, { id: kept.record.id, expires: '2026-07-02' }, actor)
  t.equal(fresh.record.expiresAt, '2026-07-02')
})

t.test('rotate: ids are checked without echoing a pasted token', async t => {
  const { deps } = await setup(t)
  const minted = await mintToken(deps, request, actor)
  try {
    await rotateToken(deps, { id: minted.token }, actor)
    t.fail('expected a refusal')
  } catch (e) {
    t.equal((e as GitwardError).code, 'INVALID_ARGUMENT')
    t.notOk((e as GitwardError).message.includes(minted.token))
    t.match((e as GitwardError).message, /whole token/)
  }
  await refused(t, rotateToken(deps, { id: 'zzzzzzzzzzzz' }, actor), 'NOT_FOUND')
  await refused(t, rotateToken(deps, { id: 'short' }, actor), 'INVALID_ARGUMENT', /12 characters/)
})

t.test('rotation of a project token works while project token creation is disabled', async t => {
  const { deps, store } = await setup(t)
  const old = await mintToken(deps, request, actor)
  await setProjectTokenCreation({ store }, { group: 'acme', value: 'disabled' }, actor)
  await refused(t, mintToken(deps, request, actor), 'CREATION_DISABLED')
  const fresh = await rotateToken(deps, { id: old.record.id }, actor)
  t.equal(fresh.record.rotatedFrom, old.record.id)
})

t.test('project token creation disabled for a top-level group: project tokens refused, the rest unaffected', async t => {
  const { deps, store } = await setup(t)
  await addProject(store, 'acme/sub/deep')
  await addProject(store, 'acme-evil/app')
  const existing = await mintToken(deps, request, actor)
  await setProjectTokenCreation({ store }, { group: 'acme', value: 'disabled' }, actor)
  await refused(t, mintToken(deps, request, actor), 'CREATION_DISABLED', /group "acme".*gitward group set acme --project-token-creation enabled/)
  await refused(t, mintToken(deps, { ...request, target: { kind: 'project', path: 'acme/sub/deep' } }, actor), 'CREATION_DISABLED')
  // Same prefix, different group; group tokens at any depth: unaffected.
  await mintToken(deps, { ...request, target: { kind: 'project', path: 'acme-evil/app' } }, actor)
  await mintToken(deps, { ...request, target: { kind: 'group', path: 'acme' } }, actor)
  await mintToken(deps, { ...request, target: { kind: 'group', path: 'acme/sub' } }, actor)
  t.equal((await store.findToken(existing.record.id))?.revokedAt, null, 'existing tokens keep working')
  await setProjectTokenCreation({ store }, { group: 'acme', value: 'enabled' }, actor)
  await mintToken(deps, request, actor)
})

t.test('mint: grants and targets are checked before anything is stored', async t => {
  const { deps, store } = await setup(t)
  await refused(t, mintToken(deps, { ...request, role: 'admin' as never }, actor), 'INVALID_ARGUMENT', /unknown role "admin"/)
  await refused(t, mintToken(deps, { ...request, scopes: [] }, actor), 'INVALID_ARGUMENT', /no scope given/)
  await refused(t, mintToken(deps, { ...request, scopes: ['sudo' as never] }, actor), 'INVALID_ARGUMENT', /unknown scope "sudo"/)
  await refused(t, mintToken(deps, { ...request, expiresAt: '1 July' }, actor), 'INVALID_ARGUMENT', /calendar date/)
  await refused(t, mintToken(deps, { ...request, expiresAt: '2026-02-30' }, actor), 'INVALID_ARGUMENT', /calendar date/)
  await refused(t, mintToken(deps, { ...request, target: { kind: 'group', path: 'a//b' } }, actor), 'INVALID_PATH')
  await refused(t, mintToken(deps, { ...request, target: { kind: 'project', path: 'acme/none' } }, actor), 'NOT_FOUND', /gitward repo create acme\/none/)
  t.same(await store.listTokens({ includeRevoked: true }), [])
})

t.test('audit: create and rotate record the grant, never the secret or the hash', async t => {
  const { deps, store } = await setup(t)
  const minted = await mintToken(deps, { ...request, expiresAt: '2027-01-01' }, actor)
  const fresh = await rotateToken(deps, { id: minted.record.id }, { user: 'bob' })
  const log = await store.listAudit()
  t.same(log.map(e => [e.action, e.target, e.actor]), [
    ['project.created', 'acme/app', 'test'],
    ['token.created', minted.record.id, 'alice'],
    ['token.rotated', minted.record.id, 'bob'],
  ])
  t.same(log[1]?.details, { name: 'ci', project: 'acme/app', role: 'developer', scopes: ['read_repository'], expiresAt: '2027-01-01' })
  t.same(log[2]?.details, { replacement: fresh.record.id, name: 'ci', project: 'acme/app', role: 'developer', scopes: ['read_repository'], expiresAt: '2027-01-01' })
  t.notMatch(JSON.stringify(log), /\$2b\$/, 'no hash in the audit trail')
})

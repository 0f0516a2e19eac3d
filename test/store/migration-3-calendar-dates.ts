// Schema migration 3 rebuilds the tokens table to refuse expiry dates that
// are not calendar dates. A database written by 0.1 (migration 1 as
// released) must come out with every row, index and foreign key, and the
// same tokens must still verify, except that a date which is no date now
// fails closed.
import t from 'tap'
import path from 'node:path'
import { randomBytes } from 'node:crypto'
import Database from 'better-sqlite3'
import { ManualClock } from '../../src/clock.js'
import { bcryptHasher } from '../../src/auth/hasher.js'
import { formatToken, newSecret, newTokenId } from '../../src/auth/token-format.js'
import { createTokenVerifier } from '../../src/auth/token-verifier.js'
import { VerifiedTokenCache } from '../../src/auth/verified-token-cache.js'
import { createConcurrencyLimiter } from '../../src/limits/concurrency-limiter.js'
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from '../../src/store/migrations.js'
import { openDatabase } from '../../src/store/open-database.js'
import { openSqliteStore } from '../../src/store/sqlite-store.js'

const PREFIX = 'gwpat-'
const hasher = bcryptHasher(4)

/** A database as gitward 0.1 left it: migration 1 only, filled with plain SQL. */
async function zeroOneDatabase(file: string) {
  const db = openDatabase({ file, busyTimeoutMs: 1000, migrations: MIGRATIONS.slice(0, 1) })
  t.equal(db.pragma('user_version', { simple: true }), 1)
  db.prepare("INSERT INTO projects (id, path, visibility, created_at) VALUES (1, 'acme/app', 'private', '2026-01-01T00:00:00.000Z')").run()
  db.prepare("INSERT INTO projects (id, path, visibility, created_at) VALUES (2, 'acme/pub', 'public', '2026-01-01T00:00:00.000Z')").run()
  db.prepare("INSERT INTO group_settings VALUES ('other', 'disabled', '2026-01-02T00:00:00.000Z')").run()
  db.prepare("INSERT INTO audit (at, actor, action, target, details) VALUES ('2026-01-01T00:00:00.000Z', 'alice', 'project.created', 'acme/app', '{}')").run()
  const insert = db.prepare(
    `INSERT INTO tokens (id, name, project_id, group_path, role, scopes, secret_hash, expires_at, created_at, last_used_at, revoked_at, rotated_from)
     VALUES (@id, @name, @project, @group, 'developer', 'read_repository,write_repository', @hash, @expires, '2026-01-03T00:00:00.000Z', @used, @revoked, @from)`,
  )
  const tokens: Record<string, { id: string; token: string }> = {}
  const add = async (name: string, row: { project?: number; group?: string; expires?: string | null; used?: string; revoked?: string; from?: string }) => {
    const id = newTokenId(randomBytes)
    const secret = newSecret(randomBytes)
    insert.run({
      id,
      name,
      project: row.project ?? null,
      group: row.group ?? null,
      hash: await hasher.hash(secret),
      expires: row.expires ?? null,
      used: row.used ?? null,
      revoked: row.revoked ?? null,
      from: row.from ?? null,
    })
    tokens[name] = { id, token: formatToken(PREFIX, id, secret) }
  }
  await add('never', { project: 1, used: '2026-01-04T00:00:00.000Z' })
  await add('dated', { project: 1, expires: '2027-01-01' })
  await add('group', { group: 'acme/sub' })
  await add('old', { project: 2, revoked: '2026-01-05T00:00:00.000Z' })
  await add('replacement', { project: 2, from: tokens['old']!.id })
  // What 0.1's CHECK let through and its reader let work forever:
  await add('month13', { project: 1, expires: '2020-13-01' })
  await add('feb30', { group: 'acme', expires: '2099-02-30' })
  db.close()
  return tokens
}

t.test('a 0.1 database upgrades with every row, index and foreign key, and serves the same tokens', async t => {
  const file = path.join(t.testdir(), 'gitward.db')
  const tokens = await zeroOneDatabase(file)
  const before = new Database(file, { readonly: true })
  const rowsBefore = before.prepare('SELECT * FROM tokens ORDER BY id').all() as Array<Record<string, unknown>>
  const otherBefore = ['projects', 'group_settings', 'audit'].map(x => before.prepare(`SELECT * FROM ${x} ORDER BY 1`).all())
  before.close()

  const clock = new ManualClock(new Date('2026-06-15T12:00:00Z'))
  const store = await openSqliteStore({ file, clock, busyTimeoutMs: 1000 })
  t.teardown(() => store.close())

  const raw = new Database(file, { readonly: true })
  t.teardown(() => raw.close())
  t.equal(raw.pragma('user_version', { simple: true }), LATEST_SCHEMA_VERSION)
  const rowsAfter = raw.prepare('SELECT * FROM tokens ORDER BY id').all() as Array<Record<string, unknown>>
  const repaired = new Set([tokens['month13']!.id, tokens['feb30']!.id])
  t.equal(rowsAfter.length, rowsBefore.length, 'every token row kept')
  // Schema 4 numbers the existing tokens 1, 2, 3, ... in creation order.
  const byCreation = [...rowsBefore].sort((a, b) =>
    String(a['created_at']).localeCompare(String(b['created_at'])) || String(a['id']).localeCompare(String(b['id'])))
  const numberOf = new Map(byCreation.map((row, i) => [row['id'], i + 1]))
  for (const [i, row] of rowsBefore.entries()) {
    // Schema 2 added ref_rules (null for every older token), schema 4 the number and the description.
    const expected = {
      ...row,
      ref_rules: null,
      number: numberOf.get(row['id']),
      description: null,
      ...(repaired.has(row['id'] as string) ? { expires_at: '1970-01-01' } : {}),
    }
    t.same(rowsAfter[i], expected, `row ${String(row['id'])}`)
  }
  // Schema 2 added each project's default branch (unknown) and its protection (none); schema 4 archived_at.
  t.same(
    raw.prepare('SELECT * FROM projects ORDER BY 1').all(),
    (otherBefore[0] as object[]).map(p => ({ ...p, default_branch: null, default_branch_protection: 'none', archived_at: null })),
  )
  t.same(raw.prepare('SELECT * FROM group_settings ORDER BY 1').all(), otherBefore[1])
  const audit = raw.prepare('SELECT actor, action, target, details FROM audit ORDER BY id').all() as Array<Record<string, string>>
  t.same(audit.slice(0, 1).map(a => a['action']), ['project.created'], 'the old audit trail kept')
  t.same(
    audit.slice(1).map(a => [a['action'], a['target'], JSON.parse(a['details']!) as unknown]).sort(),
    [
      ['token.expiry_repaired', tokens['feb30']!.id, { from: '2099-02-30', to: '1970-01-01' }],
      ['token.expiry_repaired', tokens['month13']!.id, { from: '2020-13-01', to: '1970-01-01' }],
    ].sort(),
    'each repaired date is in the audit trail',
  )
  const indexes = raw.prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'tokens' AND sql IS NOT NULL ORDER BY name").pluck().all()
  t.same(indexes, ['tokens_group_path', 'tokens_number', 'tokens_project_id'])
  t.same(raw.prepare("SELECT name FROM sqlite_schema WHERE name LIKE 'tokens_v1%'").all(), [], 'no leftover table')
  t.same(raw.pragma('foreign_key_check'), [])
  const fks = (raw.pragma('foreign_key_list(tokens)') as Array<{ table: string; from: string }>).map(f => `${f.from}->${f.table}`).sort()
  t.same(fks, ['project_id->projects', 'rotated_from->tokens'])

  // Foreign keys are still enforced on a writable connection.
  const rw = new Database(file)
  t.teardown(() => rw.close())
  rw.pragma('foreign_keys = ON')
  const insert = (project: number | null, from: string | null) =>
    rw.prepare(
      `INSERT INTO tokens (id, name, project_id, group_path, role, scopes, secret_hash, created_at, rotated_from)
       VALUES ('zzzzzzzzzzzz', 'x', ?, ?, 'guest', 'api', 'h', 'now', ?)`,
    ).run(project, project === null ? 'g' : null, from)
  t.throws(() => insert(99, null), { code: 'SQLITE_CONSTRAINT_FOREIGNKEY' })
  t.throws(() => insert(null, 'nonexistent0'), { code: 'SQLITE_CONSTRAINT_FOREIGNKEY' })

  // The same tokens verify as before; the two dates that were no dates are refused.
  const verifier = createTokenVerifier({
    prefix: PREFIX,
    store,
    hasher,
    clock,
    cache: new VerifiedTokenCache({ maxEntries: 10, ttlMs: 1000, clock, random: randomBytes }),
    limiter: createConcurrencyLimiter({ maxConcurrent: 2, maxQueue: 10, queueTimeoutMs: 5000, what: 'token checks' }),
  })
  const verdict = async (name: string) => {
    const v = await verifier.verify(tokens[name]!.token)
    return v.kind === 'valid' ? 'valid' : v.kind === 'refused' ? v.reason : v.kind
  }
  t.equal(await verdict('never'), 'valid')
  t.equal(await verdict('dated'), 'valid')
  t.equal(await verdict('group'), 'valid')
  t.equal(await verdict('replacement'), 'valid')
  t.equal(await verdict('old'), 'revoked')
  t.equal(await verdict('month13'), 'expired')
  t.equal(await verdict('feb30'), 'expired')
  t.equal((await store.findToken(tokens['replacement']!.id))?.rotatedFrom, tokens['old']!.id)
  t.equal((await store.getGroupSettings('other')).projectTokenCreation, 'disabled')
})

t.test('a failed upgrade leaves the 0.1 schema and rows untouched', async t => {
  const file = path.join(t.testdir(), 'gitward.db')
  await zeroOneDatabase(file)
  const broken = [...MIGRATIONS, { version: MIGRATIONS.length + 1, name: 'fails', sql: 'SELECT * FROM no_such_table;' }]
  t.throws(() => openDatabase({ file, busyTimeoutMs: 1000, migrations: broken }), { code: 'DB_UNAVAILABLE' })
  const raw = new Database(file, { readonly: true })
  t.teardown(() => raw.close())
  t.equal(raw.pragma('user_version', { simple: true }), 1)
  t.equal(raw.prepare('SELECT count(*) FROM tokens').pluck().get(), 7)
  t.match(raw.prepare("SELECT sql FROM sqlite_schema WHERE name = 'tokens'").pluck().get(), /\[0-1\]\[0-9\]-\[0-3\]\[0-9\]/, 'the 0.1 CHECK is still there')
})

// The SQLite engine: the Store contract, then what only SQLite has (file
// locks between processes, its query planner, hand edits past the CHECK).
import t from 'tap'
import { rejectsWithCode as rejectsWith } from '../helpers/assertions.js'
import path from 'node:path'
import Database from 'better-sqlite3'
import { ManualClock } from '../../src/clock.js'
import { openSqliteStore, HOT_PATH_SQL } from '../../src/store/sqlite-store.js'
import { runStoreContract, setup, type StoreFixture } from '../helpers/store/contract.js'
import { addProject, addToken, newToken, note } from '../helpers/store/fixtures.js'

const sqlite: StoreFixture = {
  engine: 'sqlite',
  createDatabase: async t => path.join(t.testdir(), 'gitward.db'),
  open: (file, clock) => openSqliteStore({ file, clock, busyTimeoutMs: 2000 }),
  raw: async (file, sql, params) => {
    const db = new Database(file)
    try {
      db.prepare(sql).run(...params)
    } finally {
      db.close()
    }
  },
}

runStoreContract(t, sqlite)

t.test('a locked database gives DB_BUSY, never a wrong answer', async t => {
  const { store, db: file } = await setup(t, sqlite)
  await addProject(store, 'acme/app')
  const impatient = await openSqliteStore({ file, clock: new ManualClock(0), busyTimeoutMs: 0 })
  t.teardown(() => impatient.close())
  const locker = new Database(file)
  t.teardown(() => locker.close())
  locker.exec('BEGIN IMMEDIATE')
  try {
    // Reads still work in WAL mode while another connection writes.
    t.equal((await impatient.findProject('acme/app'))?.path, 'acme/app')
    await rejectsWith(t, impatient.createProject({ path: 'acme/two', visibility: 'private', defaultBranch: null, defaultBranchProtection: 'none' }, note('project.created')), 'DB_BUSY', /busy/)
    await rejectsWith(t, impatient.recordTokenUse([{ id: 'x', at: 'y' }]), 'DB_BUSY')
  } finally {
    locker.exec('ROLLBACK')
  }
  await addProject(impatient, 'acme/two')
})

t.test('a stored date that is not a calendar date (written past the CHECK) is read back as it is, and is expired', async t => {
  const { store, db: file } = await setup(t, sqlite)
  const tok = await addToken(store, newToken(await addProject(store, 'acme/app')))
  const raw = new Database(file)
  raw.pragma('ignore_check_constraints = ON')
  raw.prepare("UPDATE tokens SET expires_at = '2020-13-01' WHERE id = ?").run(tok.id)
  raw.close()
  t.equal((await store.findToken(tok.id))?.expiresAt, '2020-13-01')
})

t.test('the hot path queries are index lookups, never table scans', async t => {
  const { db: file } = await setup(t, sqlite)
  const raw = new Database(file, { readonly: true })
  t.teardown(() => raw.close())
  for (const [name, sql] of Object.entries(HOT_PATH_SQL)) {
    const args = sql.includes('@paths') ? [{ paths: '["acme/sub/app","acme","acme/sub"]' }] : Array.from(sql.matchAll(/\?/g), () => 'x')
    const plan = (raw.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...args) as Array<{ detail: string }>).map(r => r.detail)
    t.ok(plan.length > 0, name)
    // Walking the JSON array of paths passed in is a scan of a parameter, not
    // of a table; so is the one constant row (w) that holds the parameters.
    for (const step of plan.filter(s => !/^(LIST SUBQUERY \d+|CREATE BLOOM FILTER|SCAN json_each VIRTUAL TABLE.*|CO-ROUTINE w|SCAN CONSTANT ROW|SCAN w)$/.test(s))) {
      t.match(step, /^SEARCH .* USING (INTEGER PRIMARY KEY|INDEX|PRIMARY KEY)/, `${name}: ${step}`)
    }
  }
})

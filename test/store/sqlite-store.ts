// The SQLite engine: the Store contract, then what only SQLite has (file
// locks between processes, its query planner).
import t from 'tap'
import { rejectsWithCode as rejectsWith } from '../helpers/assertions.js'
import path from 'node:path'
import Database from 'better-sqlite3'
import { ManualClock } from '../../src/clock.js'
import { openSqliteStore } from '../../src/store/sqlite-store.js'
import { actor, runStoreContract, setup, type StoreFixture } from '../helpers/store-contract.js'

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
  await store.createProject({ path: 'acme/app', visibility: 'private' }, actor)
  const impatient = await openSqliteStore({ file, clock: new ManualClock(0), busyTimeoutMs: 0 })
  t.teardown(() => impatient.close())
  const locker = new Database(file)
  t.teardown(() => locker.close())
  locker.exec('BEGIN IMMEDIATE')
  try {
    // Reads still work in WAL mode while another connection writes.
    t.equal((await impatient.findProject('acme/app'))?.path, 'acme/app')
    await rejectsWith(t, impatient.createProject({ path: 'acme/two', visibility: 'private' }, actor), 'DB_BUSY', /busy/)
    await rejectsWith(t, impatient.recordTokenUse([{ id: 'x', at: 'y' }]), 'DB_BUSY')
  } finally {
    locker.exec('ROLLBACK')
  }
  await impatient.createProject({ path: 'acme/two', visibility: 'private' }, actor)
})

t.test('the hot path queries are index lookups, never table scans', async t => {
  const { db: file } = await setup(t, sqlite)
  const { HOT_PATH_SQL } = await import('../../src/store/sqlite-store.js')
  const raw = new Database(file, { readonly: true })
  t.teardown(() => raw.close())
  for (const [name, sql] of Object.entries(HOT_PATH_SQL)) {
    const args = sql.includes('@paths') ? [{ paths: '["acme/sub/app","acme","acme/sub"]' }] : ['x']
    const plan = (raw.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...args) as Array<{ detail: string }>).map(r => r.detail)
    t.ok(plan.length > 0, name)
    // Walking the JSON array of paths passed in is a scan of a parameter, not of a table.
    for (const step of plan.filter(s => !/^(LIST SUBQUERY \d+|CREATE BLOOM FILTER|SCAN json_each VIRTUAL TABLE.*)$/.test(s))) {
      t.match(step, /^SEARCH .* USING (INTEGER PRIMARY KEY|INDEX|PRIMARY KEY)/, `${name}: ${step}`)
    }
  }
})

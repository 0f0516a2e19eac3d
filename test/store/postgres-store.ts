// The PostgreSQL engine: the Store contract on a throwaway cluster, then
// what only a shared server has — migrations racing under the advisory lock,
// the bounded pool, lock waits, an unreachable or restarted server.
import t from 'tap'
import pg from 'pg'
import Database from 'better-sqlite3'
import path from 'node:path'
import { rejectsWithCode as rejectsWith } from '../helpers/assertions.js'
import { ManualClock } from '../../src/clock.js'
import { MIGRATIONS } from '../../src/store/migrations.js'
import { openSqliteStore } from '../../src/store/sqlite-store.js'
import { ADMIN_WRITE_LOCK } from '../../src/store/postgres/locks.js'
import { POSTGRES_MIGRATIONS } from '../../src/store/postgres/migrations.js'
import { openPostgresStore, POSTGRES_HOT_PATH_SQL } from '../../src/store/postgres/postgres-store.js'
import { startPostgresCluster } from '../helpers/servers/postgres-cluster.js'
import { runStoreContract, setup, type StoreFixture } from '../helpers/store/contract.js'
import { addProject, addToken, newToken, note, written } from '../helpers/store/fixtures.js'

const cluster = await startPostgresCluster(t)

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end()
  }
}

if (cluster !== null) {
  const postgres: StoreFixture = {
    engine: 'postgres',
    createDatabase: () => cluster.createDatabase(),
    open: (url, clock) => openPostgresStore({ url, clock, busyTimeoutMs: 2000, poolSize: 4 }),
    raw: (url, sql, params) => {
      let i = 0
      const text = sql.replace(/\?/g, () => `$${++i}`)
      return withClient(url, async c => {
        await c.query(text, params)
      })
    },
  }

  runStoreContract(t, postgres)

  t.test('the migrations match SQLite: same versions and names, same tables and columns', async t => {
    t.same(
      POSTGRES_MIGRATIONS.map(m => [m.version, m.name]),
      MIGRATIONS.map(m => [m.version, m.name]),
    )
    const { db: url } = await setup(t, postgres)
    const sqliteFile = path.join(t.testdir(), 'g.db')
    await (await openSqliteStore({ file: sqliteFile, clock: new ManualClock(0), busyTimeoutMs: 100 })).close()
    const lite = new Database(sqliteFile, { readonly: true })
    t.teardown(() => lite.close())
    const liteTables = (lite.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").all() as Array<{ name: string }>).map(r => r.name)
    const pgColumns = await withClient(url, c =>
      c.query<{ table_name: string; column_name: string; is_nullable: string }>(
        "SELECT table_name, column_name, is_nullable FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> 'gitward_schema' ORDER BY table_name, ordinal_position",
      ),
    )
    t.same([...new Set(pgColumns.rows.map(r => r.table_name))].sort(), liteTables)
    for (const table of liteTables) {
      const liteCols = (lite.prepare(`SELECT name, "notnull" AS nn, pk FROM pragma_table_info(?)`).all(table) as Array<{ name: string; nn: number; pk: number }>)
      const pgCols = pgColumns.rows.filter(r => r.table_name === table)
      t.same(pgCols.map(c => c.column_name), liteCols.map(c => c.name), `${table}: columns`)
      t.same(
        pgCols.map(c => c.is_nullable === 'NO'),
        liteCols.map(c => c.nn === 1 || c.pk === 1),
        `${table}: NOT NULL`,
      )
    }
  })

  t.test('instances starting together do not race: the migration runs once, under the advisory lock', async t => {
    const url = await cluster.createDatabase()
    const clock = new ManualClock(0)
    const stores = await Promise.all(Array.from({ length: 4 }, () => openPostgresStore({ url, clock, busyTimeoutMs: 2000, poolSize: 2 })))
    t.teardown(() => Promise.all(stores.map(s => s.close())))
    const version = await withClient(url, c => c.query<{ version: number }>('SELECT version FROM gitward_schema'))
    t.same(version.rows, [{ version: POSTGRES_MIGRATIONS.length }])
    await addProject(stores[0]!, 'acme/app')
    t.equal((await stores[3]?.findProject('acme/app'))?.path, 'acme/app', 'one schema, shared')
  })

  t.test('a database set up by a newer gitward is refused', async t => {
    const url = await cluster.createDatabase()
    await (await openPostgresStore({ url, clock: new ManualClock(0), busyTimeoutMs: 100 })).close()
    await withClient(url, c => c.query('UPDATE gitward_schema SET version = 99'))
    await rejectsWith(t, openPostgresStore({ url, clock: new ManualClock(0), busyTimeoutMs: 100 }), 'DB_UNAVAILABLE', /newer gitward \(schema 99/)
  })

  t.test('a failed migration leaves the database as it was', async t => {
    const url = await cluster.createDatabase()
    const broken = [...POSTGRES_MIGRATIONS, { version: POSTGRES_MIGRATIONS.length + 1, name: 'broken', sql: 'CREATE TABLE x (y int); SELECT no_such_function()' }]
    await rejectsWith(t, openPostgresStore({ url, clock: new ManualClock(0), busyTimeoutMs: 100, migrations: broken }), 'DB_UNAVAILABLE', /schema/)
    const tables = await withClient(url, c => c.query("SELECT to_regclass('projects')::text AS p, to_regclass('gitward_schema')::text AS s"))
    t.same(tables.rows, [{ p: null, s: null }], 'nothing of migration 1 or 2 was kept')
  })

  t.test('times are UTC whatever the session time zone and date style', async t => {
    const url = await cluster.createDatabase()
    const name = new URL(url).pathname.slice(1)
    await withClient(url, c => c.query(`ALTER DATABASE "${name}" SET timezone = 'Pacific/Chatham'; ALTER DATABASE "${name}" SET datestyle = 'SQL, DMY'`))
    const clock = new ManualClock(new Date('2026-12-31T23:59:59.123Z'))
    const store = await openPostgresStore({ url, clock, busyTimeoutMs: 100 })
    t.teardown(() => store.close())
    const p = await addProject(store, 'acme/app')
    t.equal(p.createdAt, '2026-12-31T23:59:59.123Z')
    const tok = await addToken(store, newToken(p, { expiresAt: '2027-01-02' }))
    t.equal(tok.expiresAt, '2027-01-02')
    t.equal((await store.listAudit())[0]?.at, '2026-12-31T23:59:59.123Z')
    await store.recordTokenUse([{ id: tok.id, at: '2027-01-01T00:00:00.000Z' }])
    t.equal((await store.findToken(tok.id))?.lastUsedAt, '2027-01-01T00:00:00.000Z')
  })

  t.test('the hot path queries use the primary key and unique index', async t => {
    const { db: url } = await setup(t, postgres)
    await withClient(url, async c => {
      // Tiny tables make a sequential scan cheapest; forbid it to see that
      // an index is there to be used.
      await c.query('SET enable_seqscan = off')
      for (const [name, sql] of Object.entries(POSTGRES_HOT_PATH_SQL)) {
        const args = sql.includes('ANY($1::text[])') ? [['acme/sub/app', 'acme', 'acme/sub']] : sql.includes('$2') ? ['x', 'acme/app'] : ['x']
        const plan = (await c.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql}`, args)).rows.map(r => r['QUERY PLAN']).join('\n')
        t.notMatch(plan, /Seq Scan/, `${name}: ${plan}`)
        t.match(plan, /(Index|Bitmap Index) Scan (using|on) (tokens_pkey|projects_path_key|protected_refs_owner_path)/, name)
        if (name === 'findTokenAndProject') {
          t.match(plan, /tokens_pkey/, 'the token by its primary key')
          t.match(plan, /projects_path_key/, 'and the project by its unique path, in the same statement')
        }
      }
    })
  })

  t.test('an administrative write waits for another instance\'s, then DB_BUSY; reads never wait', async t => {
    const { store, db: url } = await setup(t, postgres)
    const tok = await addToken(store, newToken(await addProject(store, 'acme/app')))
    const impatient = await openPostgresStore({ url, clock: new ManualClock(0), busyTimeoutMs: 50 })
    t.teardown(() => impatient.close())
    await withClient(url, async locker => {
      await locker.query('BEGIN')
      await locker.query('SELECT pg_advisory_xact_lock($1, $2)', [ADMIN_WRITE_LOCK.classId, ADMIN_WRITE_LOCK.objectId])
      t.equal((await impatient.findProject('acme/app'))?.path, 'acme/app')
      t.equal((await impatient.findToken(tok.id))?.id, tok.id)
      await impatient.recordTokenUse([{ id: tok.id, at: '2026-06-15T12:00:01.000Z' }])
      await rejectsWith(t, impatient.createProject({ path: 'acme/two', visibility: 'private', defaultBranch: null, defaultBranchProtection: 'none' }, note('project.created')), 'DB_BUSY', /busy/)
      await rejectsWith(t, impatient.revokeToken(tok.id, note('token.revoked')), 'DB_BUSY')
      await locker.query('ROLLBACK')
    })
    await addProject(impatient, 'acme/two')
    t.equal((await store.findToken(tok.id))?.revokedAt, null, 'the refused revocation changed nothing')
  })

  t.test('the pool is bounded: with every connection taken, a request gets DB_BUSY, not a new connection', async t => {
    const url = await cluster.createDatabase()
    const store = await openPostgresStore({ url, clock: new ManualClock(0), busyTimeoutMs: 5000, poolSize: 2, connectTimeoutMs: 200 })
    t.teardown(() => store.close())
    await withClient(url, async locker => {
      await locker.query('BEGIN')
      await locker.query('SELECT pg_advisory_xact_lock($1, $2)', [ADMIN_WRITE_LOCK.classId, ADMIN_WRITE_LOCK.objectId])
      // Two writes wait on the lock, each holding one of the two connections.
      const waiting = [
        store.createProject({ path: 'a/one', visibility: 'private', defaultBranch: null, defaultBranchProtection: 'none' }, note('project.created')),
        store.createProject({ path: 'a/two', visibility: 'private', defaultBranch: null, defaultBranchProtection: 'none' }, note('project.created')),
      ]
      const seen = await withClient(url, async c => {
        for (let i = 0; i < 100; i++) {
          const r = await c.query<{ n: string }>("SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = 'gitward' AND wait_event_type = 'Lock'")
          if (r.rows[0]?.n === '2') return true
          await new Promise(resolve => setTimeout(resolve, 20))
        }
        return false
      })
      t.ok(seen, 'both connections wait on the lock')
      await rejectsWith(t, store.findProject('a/one'), 'DB_BUSY', /every connection/)
      await locker.query('COMMIT')
      await Promise.all(waiting)
    })
    t.equal((await store.listProjects()).length, 2)
    const open = await withClient(url, c => c.query<{ n: string }>("SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = 'gitward'"))
    t.ok(Number(open.rows[0]?.n) <= 2, 'never more connections than the pool size')
  })

  t.test('an unreachable server or a missing database is DB_UNAVAILABLE, and no password is shown', async t => {
    const clock = new ManualClock(0)
    await rejectsWith(
      t,
      openPostgresStore({ url: 'postgres://gw:sekret-pw@127.0.0.1:1/gitward', clock, busyTimeoutMs: 100 }),
      'DB_UNAVAILABLE',
      /^cannot reach the PostgreSQL database postgres:\/\/gw@127\.0\.0\.1:1\/gitward \(ECONNREFUSED\)/,
    )
    try {
      await openPostgresStore({ url: 'postgres://gw:sekret-pw@127.0.0.1:1/gitward', clock, busyTimeoutMs: 100 })
    } catch (e) {
      t.notMatch(String((e as Error).message), /sekret/)
    }
    await rejectsWith(t, openPostgresStore({ url: cluster.url('no_such_db'), clock, busyTimeoutMs: 100 }), 'DB_UNAVAILABLE', /does not exist/)
  })

  // Last: it stops the cluster.
  t.test('a server restart costs only DB_UNAVAILABLE while it is down; the pool recovers by itself', async t => {
    const { store } = await setup(t, postgres)
    const tok = await addToken(store, newToken(await addProject(store, 'acme/app')))
    t.equal((await store.findToken(tok.id))?.id, tok.id, 'the pool holds live connections')
    await cluster.stop()
    await rejectsWith(t, store.findToken(tok.id), 'DB_UNAVAILABLE')
    await rejectsWith(t, store.findProject('acme/app'), 'DB_UNAVAILABLE')
    await rejectsWith(t, store.ping(), 'DB_UNAVAILABLE')
    await rejectsWith(t, store.revokeToken(tok.id, note('token.revoked')), 'DB_UNAVAILABLE')
    await cluster.start()
    t.equal((await store.findToken(tok.id))?.id, tok.id, 'the same store answers again')
    written(await store.revokeToken(tok.id, note('token.revoked')))
    t.not((await store.findToken(tok.id))?.revokedAt, null)
  })
}

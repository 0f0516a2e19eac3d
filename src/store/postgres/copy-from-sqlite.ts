// `gitward migrate-store`: the way from one machine to many. Copies every
// row of every table of a SQLite store — projects, group settings, tokens
// (hashes exactly as stored, so every token minted before keeps working),
// protected refs, the audit trail, whatever later migrations add — into an
// EMPTY PostgreSQL database, in one transaction: the target either gets
// everything, verified, or nothing.
//
// The copy is generic over the schema: both engines run the same numbered
// migrations with the same tables and columns (test/store/postgres-store.ts
// checks that), so it reads the table list and columns from SQLite and the
// column types from PostgreSQL. Rows are copied as they are, ids included
// (projects and audit entries keep their numbers); no rule is applied,
// nothing is re-validated or rewritten.
import fs from 'node:fs'
import path from 'node:path'
import type pg from 'pg'
import type Database from 'better-sqlite3'
import { GitwardError, isGitwardError } from '../../errors.js'
import { silentLogger, type Logger } from '../../log/logger.js'
import { openDatabase } from '../open-database.js'
import { guarded } from '../sqlite-errors.js'
import { createPool, describeServer } from './connection.js'
import { translatePostgresError } from './errors.js'
import { ADMIN_WRITE_LOCK } from './locks.js'
import { migratePostgres } from './migrate.js'
import { POSTGRES_MIGRATIONS } from './migrations.js'

/** Rows copied, by table name. */
export type StoreCounts = Record<string, number>

interface TableCopy {
  name: string
  columns: string[]
  primaryKey: string | null
  /** Columns referring to another row of the same table (tokens.rotated_from): set after every row exists. */
  selfReferences: string[]
  /** Tables this one refers to, which must be filled first. */
  dependsOn: string[]
  rows: Array<Record<string, unknown>>
}

const quote = (name: string): string => `"${name.replace(/"/g, '""')}"`

/** Every table with its rows, read in one read transaction: a consistent snapshot even while a server writes. */
function readSnapshot(db: Database.Database, file: string): TableCopy[] {
  return guarded(file, () =>
    db.transaction(() => {
      const names = (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as Array<{ name: string }>).map(r => r.name)
      return names.map(name => {
        const info = db.prepare('SELECT name, pk FROM pragma_table_info(?) ORDER BY cid').all(name) as Array<{ name: string; pk: number }>
        const keys = db.prepare('SELECT "table" AS target, "from" AS col FROM pragma_foreign_key_list(?)').all(name) as Array<{ target: string; col: string }>
        const pk = info.filter(c => c.pk > 0).sort((a, b) => a.pk - b.pk)
        // (A WITHOUT ROWID table such as tokens has no rowid to order by.)
        const order = pk.length > 0 ? pk.map(c => quote(c.name)).join(', ') : 'rowid'
        return {
          name,
          columns: info.map(c => c.name),
          primaryKey: pk.length === 1 ? (pk[0]?.name ?? null) : null,
          selfReferences: keys.filter(k => k.target === name).map(k => k.col),
          dependsOn: keys.filter(k => k.target !== name).map(k => k.target),
          rows: db.prepare(`SELECT * FROM ${quote(name)} ORDER BY ${order}`).all() as Array<Record<string, unknown>>,
        }
      })
    })(),
  )
}

/** Referenced tables first. */
function fillOrder(tables: TableCopy[]): TableCopy[] {
  const done = new Set<string>()
  const out: TableCopy[] = []
  let progress = true
  while (out.length < tables.length && progress) {
    progress = false
    for (const t of tables) {
      if (done.has(t.name) || !t.dependsOn.every(d => done.has(d))) continue
      out.push(t)
      done.add(t.name)
      progress = true
    }
  }
  if (out.length < tables.length) throw new Error('the tables refer to each other in a cycle; cannot order the copy')
  return out
}

async function countRows(client: pg.ClientBase, tables: readonly string[]): Promise<StoreCounts> {
  const counts: StoreCounts = Object.create(null) as StoreCounts
  for (const table of tables) {
    const r = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${quote(table)}`)
    counts[table] = r.rows[0]?.n ?? 0
  }
  return counts
}

async function copyTable(client: pg.ClientBase, table: TableCopy): Promise<void> {
  const types = await client.query<{ column_name: string; udt_name: string; is_identity: string }>(
    "SELECT column_name, udt_name, is_identity FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1",
    [table.name],
  )
  const typeOf = new Map(types.rows.map(r => [r.column_name, r.udt_name]))
  for (const column of table.columns) {
    if (!typeOf.has(column)) {
      throw new GitwardError('DB_UNAVAILABLE', `the PostgreSQL table ${table.name} has no column ${column}; the two schemas differ, so nothing was copied.`)
    }
  }
  if (table.rows.length > 0) {
    const values = table.columns.map(c => table.rows.map(r => (table.selfReferences.includes(c) ? null : (r[c] ?? null))))
    const unnest = table.columns.map((c, i) => `$${i + 1}::${typeOf.get(c) ?? 'text'}[]`).join(', ')
    await client.query(`INSERT INTO ${quote(table.name)} (${table.columns.map(quote).join(', ')}) SELECT * FROM unnest(${unnest})`, values)
  }
  return Promise.resolve()
}

async function fillSelfReferences(client: pg.ClientBase, table: TableCopy): Promise<void> {
  if (table.primaryKey === null) return
  const pk = table.primaryKey
  for (const column of table.selfReferences) {
    const rows = table.rows.filter(r => r[column] !== null && r[column] !== undefined)
    if (rows.length === 0) continue
    await client.query(
      `UPDATE ${quote(table.name)} SET ${quote(column)} = u.ref FROM unnest($1::text[], $2::text[]) AS u(key, ref) WHERE ${quote(table.name)}.${quote(pk)}::text = u.key`,
      [rows.map(r => String(r[pk])), rows.map(r => String(r[column]))],
    )
  }
}

/** The next project, audit entry or token number is the next one, not a copied one. */
async function advanceIdentities(client: pg.ClientBase, table: string): Promise<void> {
  const ids = await client.query<{ column_name: string }>(
    `SELECT column_name FROM information_schema.columns
     WHERE table_schema = current_schema() AND table_name = $1 AND (is_identity = 'YES' OR column_default LIKE 'nextval(%')`,
    [table],
  )
  for (const { column_name: column } of ids.rows) {
    await client.query(
      `SELECT setval(pg_get_serial_sequence($1, $2), (SELECT coalesce(max(${quote(column)}), 0) + 1 FROM ${quote(table)}), false)`,
      [quote(table), column],
    )
  }
}

/** Every token id with its hash, byte for byte: what makes old tokens work after the move. */
async function matchingTokenHashes(client: pg.ClientBase, tokens: TableCopy | undefined): Promise<number> {
  if (tokens === undefined || tokens.rows.length === 0) return 0
  const r = await client.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM tokens t JOIN unnest($1::text[], $2::text[]) AS u(id, secret_hash)
       ON t.id = u.id AND t.secret_hash = u.secret_hash`,
    [tokens.rows.map(t => String(t['id'])), tokens.rows.map(t => String(t['secret_hash']))],
  )
  return r.rows[0]?.n ?? 0
}

export interface CopyOptions {
  /** The SQLite file to read (it is not changed, beyond bringing its schema up to date). */
  sqliteFile: string
  /** The empty PostgreSQL database to fill. */
  postgresUrl: string
  logger?: Logger
}

export async function copySqliteToPostgres(options: CopyOptions): Promise<StoreCounts> {
  const file = path.resolve(options.sqliteFile)
  const server = describeServer(options.postgresUrl)
  if (!fs.existsSync(file)) {
    throw new GitwardError('NOT_FOUND', `there is no SQLite database at ${file} to copy; point --db at gitward's database file.`)
  }
  const sqlite = openDatabase({ file, busyTimeoutMs: 5000, ...(options.logger === undefined ? {} : { logger: options.logger }) })
  let tables: TableCopy[]
  try {
    tables = fillOrder(readSnapshot(sqlite, file))
  } finally {
    sqlite.close()
  }
  const names = tables.map(t => t.name)
  const expected: StoreCounts = Object.fromEntries(tables.map(t => [t.name, t.rows.length]))

  const pool = createPool({
    url: options.postgresUrl,
    max: 1,
    connectTimeoutMs: 10_000,
    statementTimeoutMs: 10 * 60_000,
    lockTimeoutMs: 10_000,
    logger: options.logger ?? silentLogger,
  })
  const translate = (e: unknown): unknown => translatePostgresError(e, server, () => false)
  try {
    let client: pg.PoolClient
    try {
      client = await pool.connect()
    } catch (e) {
      throw translate(e)
    }
    let failed = false
    try {
      await migratePostgres(client, POSTGRES_MIGRATIONS, server, 60_000)
      await client.query('BEGIN')
      try {
        // No instance may change anything while the copy runs.
        await client.query('SELECT pg_advisory_xact_lock($1, $2)', [ADMIN_WRITE_LOCK.classId, ADMIN_WRITE_LOCK.objectId])
        const before = await countRows(client, names)
        const held = Object.entries(before).filter(([, n]) => n > 0)
        if (held.length > 0) {
          throw new GitwardError(
            'INVALID_ARGUMENT',
            `the PostgreSQL database ${server} already holds gitward data (${held.map(([t, n]) => `${n} ${t}`).join(', ')}); migrate-store copies only into an empty database.`,
          )
        }
        for (const table of tables) await copyTable(client, table)
        for (const table of tables) await fillSelfReferences(client, table)
        for (const table of tables) await advanceIdentities(client, table.name)
        const after = await countRows(client, names)
        const tokens = tables.find(t => t.name === 'tokens')
        const sameHashes = await matchingTokenHashes(client, tokens)
        if (JSON.stringify(after) !== JSON.stringify(expected) || sameHashes !== (tokens?.rows.length ?? 0)) {
          throw new GitwardError(
            'DB_UNAVAILABLE',
            `the copy into ${server} did not verify (read ${JSON.stringify(expected)}, found ${JSON.stringify(after)}, ${sameHashes} matching token hashes); nothing was kept.`,
          )
        }
        await client.query('COMMIT')
        return after
      } catch (e) {
        await client.query('ROLLBACK').catch(() => (failed = true))
        throw e
      }
    } catch (e) {
      failed = true
      const mapped = translate(e)
      if (isGitwardError(mapped)) throw mapped
      throw new GitwardError('DB_UNAVAILABLE', `copying into ${server} failed (${(e as Error).message}); nothing was kept.`, { cause: e })
    } finally {
      client.release(failed ? true : undefined)
    }
  } finally {
    await pool.end().catch(() => undefined)
  }
}

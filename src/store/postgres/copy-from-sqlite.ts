// `gitward migrate-store`: the way from one machine to many. Copies every
// row of a SQLite store — projects, group settings, tokens (hashes exactly
// as stored, so every token minted before keeps working), the audit trail —
// into an EMPTY PostgreSQL database, in one transaction: the target either
// gets everything, verified, or nothing.
//
// Rows are copied as they are, ids included (projects and audit keep their
// numbers, so tokens keep their project and the audit keeps its order); no
// rule is applied, nothing is re-validated or rewritten.
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

export interface StoreCounts {
  projects: number
  groupSettings: number
  tokens: number
  audit: number
}

interface Snapshot {
  projects: Array<{ id: number; path: string; visibility: string; created_at: string }>
  groupSettings: Array<{ path: string; project_token_creation: string; updated_at: string }>
  tokens: Array<{
    id: string
    name: string
    project_id: number | null
    group_path: string | null
    role: string
    scopes: string
    secret_hash: string
    expires_at: string | null
    created_at: string
    last_used_at: string | null
    revoked_at: string | null
    rotated_from: string | null
  }>
  audit: Array<{ id: number; at: string; actor: string; action: string; target: string; details: string }>
}

const countsOf = (s: Snapshot): StoreCounts => ({
  projects: s.projects.length,
  groupSettings: s.groupSettings.length,
  tokens: s.tokens.length,
  audit: s.audit.length,
})

/** Every row, read in one read transaction: a consistent snapshot even while a server writes. */
function readSnapshot(db: Database.Database, file: string): Snapshot {
  return guarded(file, () =>
    db.transaction(() => ({
      projects: db.prepare('SELECT id, path, visibility, created_at FROM projects ORDER BY id').all() as Snapshot['projects'],
      groupSettings: db.prepare('SELECT path, project_token_creation, updated_at FROM group_settings ORDER BY path').all() as Snapshot['groupSettings'],
      tokens: db
        .prepare(
          `SELECT id, name, project_id, group_path, role, scopes, secret_hash, expires_at, created_at, last_used_at, revoked_at, rotated_from
             FROM tokens ORDER BY created_at, id`,
        )
        .all() as Snapshot['tokens'],
      audit: db.prepare('SELECT id, at, actor, action, target, details FROM audit ORDER BY id').all() as Snapshot['audit'],
    }))(),
  )
}

async function countRows(client: pg.ClientBase): Promise<StoreCounts> {
  const r = await client.query<{ projects: number; group_settings: number; tokens: number; audit: number }>(
    `SELECT (SELECT count(*) FROM projects)::int AS projects, (SELECT count(*) FROM group_settings)::int AS group_settings,
            (SELECT count(*) FROM tokens)::int AS tokens, (SELECT count(*) FROM audit)::int AS audit`,
  )
  const row = r.rows[0]
  if (row === undefined) throw new Error('counting rows returned nothing')
  return { projects: row.projects, groupSettings: row.group_settings, tokens: row.tokens, audit: row.audit }
}

const total = (c: StoreCounts): number => c.projects + c.groupSettings + c.tokens + c.audit

async function insertAll(client: pg.ClientBase, s: Snapshot): Promise<void> {
  const col = <T, K extends keyof T>(rows: T[], key: K): Array<T[K]> => rows.map(r => r[key])
  await client.query(
    `INSERT INTO projects (id, path, visibility, created_at)
     SELECT * FROM unnest($1::int[], $2::text[], $3::text[], $4::timestamptz[])`,
    [col(s.projects, 'id'), col(s.projects, 'path'), col(s.projects, 'visibility'), col(s.projects, 'created_at')],
  )
  await client.query(
    `INSERT INTO group_settings (path, project_token_creation, updated_at)
     SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[])`,
    [col(s.groupSettings, 'path'), col(s.groupSettings, 'project_token_creation'), col(s.groupSettings, 'updated_at')],
  )
  // rotated_from points at another token: set once every token exists.
  await client.query(
    `INSERT INTO tokens (id, name, project_id, group_path, role, scopes, secret_hash, expires_at, created_at, last_used_at, revoked_at)
     SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::text[], $6::text[], $7::text[], $8::date[],
                          $9::timestamptz[], $10::timestamptz[], $11::timestamptz[])`,
    [
      col(s.tokens, 'id'),
      col(s.tokens, 'name'),
      col(s.tokens, 'project_id'),
      col(s.tokens, 'group_path'),
      col(s.tokens, 'role'),
      col(s.tokens, 'scopes'),
      col(s.tokens, 'secret_hash'),
      col(s.tokens, 'expires_at'),
      col(s.tokens, 'created_at'),
      col(s.tokens, 'last_used_at'),
      col(s.tokens, 'revoked_at'),
    ],
  )
  const rotated = s.tokens.filter(t => t.rotated_from !== null)
  await client.query(
    `UPDATE tokens SET rotated_from = u.rotated_from FROM unnest($1::text[], $2::text[]) AS u(id, rotated_from) WHERE tokens.id = u.id`,
    [col(rotated, 'id'), col(rotated, 'rotated_from')],
  )
  await client.query(
    `INSERT INTO audit (id, at, actor, action, target, details)
     SELECT * FROM unnest($1::bigint[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::json[])`,
    [col(s.audit, 'id'), col(s.audit, 'at'), col(s.audit, 'actor'), col(s.audit, 'action'), col(s.audit, 'target'), col(s.audit, 'details')],
  )
  // The next project or audit entry gets the next number, not a taken one.
  for (const table of ['projects', 'audit']) {
    await client.query(`SELECT setval(pg_get_serial_sequence('${table}', 'id'), (SELECT coalesce(max(id), 0) + 1 FROM ${table}), false)`)
  }
}

/** Every token id with its hash, byte for byte: what makes old tokens work after the move. */
async function verifyTokens(client: pg.ClientBase, s: Snapshot): Promise<number> {
  const r = await client.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM tokens t JOIN unnest($1::text[], $2::text[]) AS u(id, secret_hash)
       ON t.id = u.id AND t.secret_hash = u.secret_hash`,
    [s.tokens.map(t => t.id), s.tokens.map(t => t.secret_hash)],
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
  let snapshot: Snapshot
  try {
    snapshot = readSnapshot(sqlite, file)
  } finally {
    sqlite.close()
  }
  const expected = countsOf(snapshot)

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
        const before = await countRows(client)
        if (total(before) > 0) {
          throw new GitwardError(
            'INVALID_ARGUMENT',
            `the PostgreSQL database ${server} already holds gitward data (${before.projects} projects, ${before.tokens} tokens, ${before.audit} audit entries); migrate-store copies only into an empty database.`,
          )
        }
        await insertAll(client, snapshot)
        const after = await countRows(client)
        const sameHashes = await verifyTokens(client, snapshot)
        if (JSON.stringify(after) !== JSON.stringify(expected) || sameHashes !== expected.tokens) {
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

// Applies the numbered migrations to a PostgreSQL database. Everything runs
// in ONE transaction under a transaction-scoped advisory lock: two gitward
// instances starting together queue on the lock, the second then finds the
// schema current and does nothing; a failure rolls back to the old schema
// (PostgreSQL's DDL is transactional).
import type pg from 'pg'
import { GitwardError } from '../../errors.js'
import type { Migration } from '../migrations.js'
import { checkMigrationList, type MigrationResult } from '../sqlite-migrate.js'
import { MIGRATION_LOCK } from './locks.js'

function newerSchema(server: string, found: number, known: number): GitwardError {
  return new GitwardError(
    'DB_UNAVAILABLE',
    `the PostgreSQL database ${server} was set up by a newer gitward (schema ${found}, this one knows ${known}); upgrade gitward or point --db elsewhere.`,
  )
}

/**
 * The pool's client-side read timeout is sized for request queries; waiting
 * for another instance's migration, or migrating a big table, may take longer.
 */
const MIGRATION_READ_TIMEOUT_MS = 60 * 60_000

function long(client: pg.ClientBase, text: string, values?: unknown[]): Promise<pg.QueryResult> {
  return client.query({ text, ...(values === undefined ? {} : { values }), query_timeout: MIGRATION_READ_TIMEOUT_MS } as pg.QueryConfig)
}

/** Run inside the caller's transaction: the schema version, 0 for an empty database. */
async function schemaVersion(client: pg.ClientBase): Promise<number> {
  const exists = await client.query<{ found: string | null }>("SELECT to_regclass('gitward_schema')::text AS found")
  if (exists.rows[0]?.found === null || exists.rows[0]?.found === undefined) return 0
  const row = await client.query<{ version: number }>('SELECT version FROM gitward_schema')
  return row.rows[0]?.version ?? 0
}

/**
 * `client` is a dedicated connection (not in a transaction). Waits for the
 * migration lock at most `lockWaitMs`.
 */
export async function migratePostgres(
  client: pg.ClientBase,
  migrations: readonly Migration[],
  server: string,
  lockWaitMs: number,
): Promise<MigrationResult> {
  checkMigrationList(migrations)
  const latest = migrations.length
  await client.query('BEGIN')
  try {
    await client.query(`SET LOCAL lock_timeout = ${Math.max(1, Math.floor(lockWaitMs))}`)
    // A migration may rewrite a big table: the request path's statement
    // timeout does not apply to it.
    await client.query('SET LOCAL statement_timeout = 0')
    await long(client, 'SELECT pg_advisory_xact_lock($1, $2)', [MIGRATION_LOCK.classId, MIGRATION_LOCK.objectId])
    // Read under the lock: another instance may have migrated meanwhile.
    const current = await schemaVersion(client)
    if (current > latest) throw newerSchema(server, current, latest)
    if (current < latest) {
      if (current === 0) {
        await client.query(`
          CREATE TABLE gitward_schema (
            -- One row: the last migration applied.
            singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
            version    integer NOT NULL
          )`)
        await client.query('INSERT INTO gitward_schema (version) VALUES (0)')
      }
      for (const m of migrations) {
        if (m.version <= current) continue
        await long(client, m.sql)
      }
      await client.query('UPDATE gitward_schema SET version = $1', [latest])
    }
    await client.query('COMMIT')
    return { from: current, to: latest }
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined)
    throw e
  }
}

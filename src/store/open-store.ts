// Chooses the store engine from the `db` setting: a postgres:// or
// postgresql:// connection string opens the PostgreSQL store (shared by any
// number of instances); anything else is a SQLite file.
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import type { Clock } from '../clock.js'
import { GitwardError } from '../errors.js'
import type { Logger } from '../log/logger.js'
import { isPostgresUrl } from './postgres/url.js'
import { openSqliteStore } from './sqlite-store.js'
import type { Store } from './store.js'

export interface OpenStoreOptions {
  /** The `db` setting: a SQLite file path or a PostgreSQL connection string. */
  db: string
  clock: Clock
  logger?: Logger
  /** How long a write waits for another's lock before DB_BUSY. */
  busyTimeoutMs: number
  /** PostgreSQL only (the config keys db_pool_size, db_connect_timeout_ms, db_statement_timeout_ms). */
  poolSize?: number
  connectTimeoutMs?: number
  statementTimeoutMs?: number
}

export { isPostgresUrl }

export async function openStore(options: OpenStoreOptions): Promise<Store> {
  if (isPostgresUrl(options.db)) {
    // Loaded only when used: a SQLite deployment never carries the driver.
    const { openPostgresStore } = await import('./postgres/postgres-store.js')
    return openPostgresStore({
      url: options.db,
      clock: options.clock,
      busyTimeoutMs: options.busyTimeoutMs,
      ...(options.logger === undefined ? {} : { logger: options.logger }),
      ...(options.poolSize === undefined ? {} : { poolSize: options.poolSize }),
      ...(options.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: options.connectTimeoutMs }),
      ...(options.statementTimeoutMs === undefined ? {} : { statementTimeoutMs: options.statementTimeoutMs }),
    })
  }
  return openSqliteStore({
    file: options.db,
    clock: options.clock,
    busyTimeoutMs: options.busyTimeoutMs,
    ...(options.logger === undefined ? {} : { logger: options.logger }),
  })
}

/**
 * Fail closed: a SQLite database that does not exist is an error, never a
 * new empty one (only `gitward init` and `serve --init` create it).
 */
export function requireExistingDatabase(db: string): void {
  if (isPostgresUrl(db) || existsSync(db)) return
  throw new GitwardError(
    'DB_UNAVAILABLE',
    `The database ${resolve(db)} does not exist; create it with "gitward init" (or "gitward serve --init"), or point --db at the existing one.`,
  )
}

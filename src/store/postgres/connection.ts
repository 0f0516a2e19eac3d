// The `db` setting, when it is a PostgreSQL connection string, and the
// bounded connection pool built from it.
//
// What the pg driver takes from libpq's conventions (and so what gitward
// supports): postgres:// and postgresql:// URLs with user, password, host,
// port and database; ?host=/run/postgresql for a Unix socket directory;
// ?sslmode=disable|prefer|require|verify-ca|verify-full|no-verify with
// sslrootcert, sslcert and sslkey file paths; the environment variables
// PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE, PGSSLMODE, PGAPPNAME and
// PGOPTIONS for whatever the URL leaves out; and the password file
// (~/.pgpass, or PGPASSFILE) when no password is given. Not supported:
// service files (PGSERVICE), multiple hosts, target_session_attrs.
// (docs/deploy.md, "More than one machine", says the same.)
import pg from 'pg'
import type { Logger } from '../../log/logger.js'

// Re-exported: the pure parts live in url.ts, which does not load the driver.
import { describeServer } from './url.js'
export { describeServer }
export { isPostgresUrl } from './url.js'

export interface PoolOptions {
  /** The postgres:// connection string. */
  url: string
  /** Connections this process may open at most. */
  max: number
  /** How long a query waits for a free connection (or a new one to open). */
  connectTimeoutMs: number
  /** Server-side statement_timeout, and the client's own read timeout just above it. */
  statementTimeoutMs: number
  /** How long a statement waits for a lock (row, table or advisory) before DB_BUSY. */
  lockTimeoutMs: number
  logger: Logger
}

export function createPool(options: PoolOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.max,
    connectionTimeoutMillis: options.connectTimeoutMs,
    idleTimeoutMillis: 30_000,
    // A connection is replaced after this many uses, so one that went bad in
    // a way nobody noticed does not live forever.
    maxUses: 100_000,
    statement_timeout: options.statementTimeoutMs,
    // The server may be frozen rather than slow: the client gives up too.
    query_timeout: options.statementTimeoutMs + 1000,
    // lock_timeout 0 would mean "wait forever" in PostgreSQL; 1 ms is as
    // close to "never wait" as it allows.
    lock_timeout: Math.max(1, options.lockTimeoutMs),
    idle_in_transaction_session_timeout: 60_000,
    keepAlive: true,
    application_name: 'gitward',
  })
  // A connection that breaks while idle in the pool (the server restarted,
  // a network blip) is reported here and dropped by the pool; the next query
  // opens a fresh one. Without a listener the process would crash.
  pool.on('error', error => {
    options.logger.warn('an idle PostgreSQL connection broke; the pool replaces it', {
      server: describeServer(options.url),
      error: error.message,
    })
  })
  return pool
}

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
import { parseIntoClientConfig } from 'pg-connection-string'
import pgpass from 'pgpass'
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

/**
 * The password file lookup, done here rather than left to pg, which warns
 * on stderr that its own lookup is deprecated (a line in every command's
 * output). Used only when neither the URL nor PGPASSWORD gives a password,
 * exactly when pg would have read the file.
 */
function passwordFileLookup(config: pg.ClientConfig, env: NodeJS.ProcessEnv): pg.PoolConfig['password'] {
  if (env['PGPASSWORD'] !== undefined || (config.password !== undefined && config.password !== '')) return undefined
  // pg calls it with the resolved connection parameters (URL, then PG*
  // variables) and takes undefined as "no password"; its types know neither.
  const lookup = (params?: { host?: string; port?: number; database?: string; user?: string }): Promise<string | undefined> =>
    new Promise(resolve => {
      pgpass(params ?? {}, resolve)
    })
  return lookup as () => Promise<string>
}

export function createPool(options: PoolOptions): pg.Pool {
  // Parsed here rather than passed as connectionString, which pg would
  // parse again over the password function (URL, sslmode and key files as pg reads them).
  const { password: urlPassword, ...config } = parseIntoClientConfig(options.url)
  const password = passwordFileLookup({ password: urlPassword }, process.env) ?? urlPassword
  const pool = new pg.Pool({
    ...config,
    ...(password === undefined || password === '' ? {} : { password }),
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

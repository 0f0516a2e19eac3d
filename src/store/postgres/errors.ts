// Turns the pg driver's errors into gitward's, as sqlite-errors.ts does for
// SQLite. What matters most: a database that is down, restarting, slow or
// full becomes DB_UNAVAILABLE or DB_BUSY (503 with Retry-After at the front),
// never something the verifier could mistake for a bad token (401 would make
// git erase the user's stored credential).
//
// Messages name the server as user@host:port/database, never the password.
import { GitwardError } from '../../errors.js'

/** SQLSTATE of a server error (e.g. 23505), if `e` is one. */
export const sqlState = (e: unknown): string | undefined => {
  if (!(e instanceof Error)) return undefined
  const code: unknown = (e as Error & { code?: unknown }).code
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined
}

/** The constraint a server error names (e.g. projects_path_key). */
export const constraintOf = (e: unknown): string | undefined => {
  if (!(e instanceof Error)) return undefined
  const c: unknown = (e as Error & { constraint?: unknown }).constraint
  return typeof c === 'string' ? c : undefined
}

const errnoCode = (e: unknown): string | undefined => {
  if (!(e instanceof Error)) return undefined
  const code: unknown = (e as NodeJS.ErrnoException).code
  return typeof code === 'string' && /^E[A-Z_]+$/.test(code) ? code : undefined
}

// Contention or a slow server: worth retrying in a moment.
const BUSY_STATES = new Set([
  '55P03', // lock_not_available (lock_timeout)
  '57014', // query_canceled (statement_timeout)
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '53300', // too_many_connections
])

// The driver's own words for a connection that failed, broke or was closed.
const CONNECTION_MESSAGES = [
  /^Connection terminated/,
  /^Client has encountered a connection error/,
  /^Client was closed/,
  /^Cannot use a pool after calling end/,
  /connection error/i,
]

/** Is `e` about the connection rather than the statement? (The client is then discarded.) */
export function isConnectionError(e: unknown): boolean {
  if (errnoCode(e) !== undefined) return true
  const state = sqlState(e)
  if (state !== undefined) return state.startsWith('08') || state.startsWith('57P')
  return e instanceof Error && CONNECTION_MESSAGES.some(re => re.test(e.message))
}

/**
 * Map an infrastructure error to a GitwardError; anything else (a
 * GitwardError, a constraint violation the caller handles, a bug) is
 * returned unchanged.
 */
export function translatePostgresError(e: unknown, server: string, poolFull: () => boolean): unknown {
  if (!(e instanceof Error) || e instanceof GitwardError) return e
  const state = sqlState(e)
  if (state !== undefined) {
    if (BUSY_STATES.has(state)) {
      return new GitwardError('DB_BUSY', `the PostgreSQL database ${server} is busy (${state}); try again in a moment.`, { cause: e })
    }
    if (state.startsWith('08') || state.startsWith('57P')) {
      return new GitwardError('DB_UNAVAILABLE', `the PostgreSQL database ${server} is not answering (${state}: it is restarting, shutting down or unreachable).`, { cause: e })
    }
    if (state.startsWith('28')) {
      return new GitwardError('DB_UNAVAILABLE', `PostgreSQL refused the login to ${server} (${state}); check the user, the password (PGPASSWORD or a password file) and pg_hba.conf.`, { cause: e })
    }
    if (state === '3D000') {
      return new GitwardError('DB_UNAVAILABLE', `the PostgreSQL database ${server} does not exist; create it (createdb) or fix the database name.`, { cause: e })
    }
    if (state === '42501') {
      return new GitwardError('DB_UNAVAILABLE', `the PostgreSQL user has no permission for this in ${server}; make gitward's user the owner of the database.`, { cause: e })
    }
    if (state.startsWith('53') || state.startsWith('58') || state.startsWith('XX')) {
      return new GitwardError('DB_UNAVAILABLE', `the PostgreSQL server of ${server} failed (${state}: ${e.message}).`, { cause: e })
    }
    return e
  }
  if (/^timeout exceeded when trying to connect/.test(e.message)) {
    return poolFull()
      ? new GitwardError('DB_BUSY', `every connection to the PostgreSQL database ${server} is in use; try again in a moment.`, { cause: e })
      : new GitwardError('DB_UNAVAILABLE', `connecting to the PostgreSQL database ${server} timed out.`, { cause: e })
  }
  if (/^Query read timeout/.test(e.message)) {
    return new GitwardError('DB_BUSY', `the PostgreSQL database ${server} did not answer in time; try again in a moment.`, { cause: e })
  }
  const errno = errnoCode(e)
  if (errno !== undefined) {
    return new GitwardError('DB_UNAVAILABLE', `cannot reach the PostgreSQL database ${server} (${errno}).`, { cause: e })
  }
  if (/SSL|certificate|self.signed/i.test(e.message)) {
    return new GitwardError('DB_UNAVAILABLE', `the TLS connection to the PostgreSQL database ${server} failed (${e.message}); check sslmode and sslrootcert.`, { cause: e })
  }
  if (/client password must be a string|password authentication failed|no password/i.test(e.message)) {
    // pg's own words when the server asks for a password nobody gave.
    return new GitwardError('DB_UNAVAILABLE', `PostgreSQL asked for a password for ${server} and none was usable; set PGPASSWORD, PGPASSFILE or a ~/.pgpass entry.`, { cause: e })
  }
  if (isConnectionError(e)) {
    return new GitwardError('DB_UNAVAILABLE', `the connection to the PostgreSQL database ${server} broke (${e.message}).`, { cause: e })
  }
  return e
}

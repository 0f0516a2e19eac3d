// Turns better-sqlite3's errors into gitward's. Two things matter:
// - "busy" and "locked" become DB_BUSY everywhere, so the server answers 503
//   with Retry-After and never mistakes contention for a bad token (401).
// - anything else about the file becomes one sentence naming the file, never a
//   stack trace, so an administrator sees what to fix.
import { GitwardError } from '../errors.js'

interface SqliteLikeError {
  code: string
  message: string
}

const isSqliteError = (e: unknown): e is SqliteLikeError => {
  if (!(e instanceof Error)) return false
  const code: unknown = (e as Error & { code?: unknown }).code
  return typeof code === 'string' && code.startsWith('SQLITE_')
}

/** The SQLite result code of `e` (e.g. SQLITE_CONSTRAINT_UNIQUE), if it is one. */
export const sqliteCode = (e: unknown): string | undefined => (isSqliteError(e) ? e.code : undefined)

/**
 * Map an infrastructure error to a GitwardError; anything else (a
 * GitwardError, a constraint violation the caller handles, a bug) is returned
 * unchanged.
 */
export function translateSqliteError(e: unknown, file: string): unknown {
  if (!isSqliteError(e)) return e
  const code = e.code
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new GitwardError(
      'DB_BUSY',
      `the database at ${file} is busy with another gitward process; try again in a moment.`,
      { cause: e },
    )
  }
  if (code.startsWith('SQLITE_NOTADB') || code.startsWith('SQLITE_CORRUPT')) {
    return new GitwardError(
      'DB_UNAVAILABLE',
      `the file at ${file} is not a usable gitward database (it is damaged or another kind of file); restore it from a backup (see "Restore" in docs/operations.md: stop gitward, copy the backup into place with mode 0600, run gitward doctor, start gitward) or point --db at another file.`,
      { cause: e },
    )
  }
  if (code.startsWith('SQLITE_CANTOPEN') || code.startsWith('SQLITE_PERM') || code.startsWith('SQLITE_AUTH')) {
    return new GitwardError(
      'DB_UNAVAILABLE',
      `the database at ${file} cannot be opened; check that it is a file this user may read and write, in a directory this user may write.`,
      { cause: e },
    )
  }
  if (code.startsWith('SQLITE_READONLY')) {
    return new GitwardError(
      'DB_UNAVAILABLE',
      `the database at ${file} is read-only for this user; give it and its directory write permission.`,
      { cause: e },
    )
  }
  if (code.startsWith('SQLITE_FULL')) {
    return new GitwardError('DB_UNAVAILABLE', `the disk holding the database at ${file} is full.`, { cause: e })
  }
  if (code.startsWith('SQLITE_IOERR')) {
    return new GitwardError(
      'DB_UNAVAILABLE',
      `reading or writing the database at ${file} failed (${code}); check the disk and the file.`,
      { cause: e },
    )
  }
  return e
}

/** Run `fn`, rethrowing infrastructure errors as GitwardErrors. */
export function guarded<T>(file: string, fn: () => T): T {
  try {
    return fn()
  } catch (e) {
    throw translateSqliteError(e, file)
  }
}

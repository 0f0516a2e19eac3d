// Opens (creating if needed) the SQLite file with the settings every gitward
// connection needs, then brings the schema up to date.
//
// Threat: the database holds token hashes and the audit trail, so nobody but
// gitward's user should read it. The directory is created 0700 and the file
// 0600 by gitward itself BEFORE SQLite opens it; letting SQLite create the
// file would leave a moment where it exists with the umask's wider mode.
// SQLite gives the -wal and -shm files the same mode as the database file.
import fs from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'
import { GitwardError } from '../errors.js'
import { silentLogger, type Logger } from '../log/logger.js'
import { MIGRATIONS, type Migration } from './migrations.js'
import { guarded } from './sqlite-errors.js'
import { migrate } from './sqlite-migrate.js'
import { makeDirectories } from '../make-directories.js'

export interface OpenDatabaseOptions {
  /** Path of the database file; made absolute against the process's cwd. */
  file: string
  /** How long a statement waits for another connection's lock before DB_BUSY. */
  busyTimeoutMs: number
  logger?: Logger
  /** Tests pass their own list; production uses MIGRATIONS. */
  migrations?: readonly Migration[]
}

const errnoCode = (e: unknown): string | undefined =>
  e instanceof Error ? ((e as NodeJS.ErrnoException).code ?? undefined) : undefined

function unavailable(message: string, cause: unknown): GitwardError {
  return new GitwardError('DB_UNAVAILABLE', message, { cause })
}

/** Create the directory (0700) and an empty file (0600) unless they exist. */
function prepareFile(file: string): void {
  const dir = path.dirname(file)
  try {
    makeDirectories(dir, 0o700)
  } catch (e) {
    throw unavailable(
      `cannot create the directory ${dir} for the database (${errnoCode(e) ?? 'error'}); create it or point --db elsewhere.`,
      e,
    )
  }
  let stat: fs.Stats | undefined
  try {
    stat = fs.statSync(file)
  } catch (e) {
    if (errnoCode(e) !== 'ENOENT') {
      throw unavailable(`cannot read the database at ${file} (${errnoCode(e) ?? 'error'}); check its permissions.`, e)
    }
  }
  if (stat !== undefined) {
    if (!stat.isFile()) {
      throw unavailable(`the database path ${file} is not a regular file (it is a directory or a device); point --db at a file.`, undefined)
    }
    // An empty file (made with `touch`, say) becomes a new database: it gets
    // a new database's mode, so token hashes are never written into a file
    // other users can read. A database with content keeps the mode it has.
    if (stat.size === 0 && (stat.mode & 0o777) !== 0o600) {
      try {
        fs.chmodSync(file, 0o600)
      } catch (e) {
        throw unavailable(
          `the empty database file ${file} has mode ${(stat.mode & 0o777).toString(8).padStart(4, '0')} and cannot be made 0600 (${errnoCode(e) ?? 'error'}); remove it or change its mode.`,
          e,
        )
      }
    }
    return
  }
  try {
    // O_EXCL: if another process creates it first we simply use theirs.
    fs.closeSync(fs.openSync(file, fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_RDWR, 0o600))
  } catch (e) {
    if (errnoCode(e) === 'EEXIST') return
    throw unavailable(`cannot create the database file ${file} (${errnoCode(e) ?? 'error'}); check the directory's permissions.`, e)
  }
}

export function openDatabase(options: OpenDatabaseOptions): Database.Database {
  const file = path.resolve(options.file)
  const logger = options.logger ?? silentLogger
  if (!Number.isInteger(options.busyTimeoutMs) || options.busyTimeoutMs < 0) {
    throw new GitwardError('INVALID_CONFIG', 'the database busy timeout must be a whole number of milliseconds, 0 or more.')
  }
  prepareFile(file)
  try {
    fs.accessSync(file, fs.constants.R_OK | fs.constants.W_OK)
  } catch (e) {
    throw unavailable(`the database at ${file} cannot be read and written by this user; fix its owner or mode (0600).`, e)
  }

  const db = guarded(file, () => new Database(file, { fileMustExist: true, timeout: options.busyTimeoutMs }))
  try {
    guarded(file, () => {
      db.pragma(`busy_timeout = ${options.busyTimeoutMs}`)
      // The first pragma that reads the header is where a corrupt or foreign
      // file is discovered.
      const mode = db.pragma('journal_mode = WAL', { simple: true })
      // WAL lets the server keep reading while an administrator writes.
      if (mode !== 'wal') logger.warn('database is not in WAL mode; readers may wait for writers', { file, mode })
      db.pragma('synchronous = NORMAL')
      db.pragma('foreign_keys = ON')
    })
    const result = migrate(db, options.migrations ?? MIGRATIONS, file)
    if (result.from !== result.to) logger.info('database schema upgraded', { file, from: result.from, to: result.to })
    return db
  } catch (e) {
    db.close()
    throw e
  }
}

// An online copy of the SQLite database with SQLite's backup API: pages are
// copied from a read transaction, and a write by another connection (the
// server recording last-used times, an administrator minting a token)
// restarts the copy, so the result is always one consistent state of the
// database, never a file copied halfway through a write (which `cp` of a
// live WAL database can produce).
//
// Threat: the copy holds every token hash and the audit trail, like the
// database. It is created 0600 by gitward before SQLite writes a byte, with
// O_EXCL so an existing file (another backup, or a link planted where the
// backup will go) is never overwritten or followed.
import fs from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'
import { GitwardError } from '../errors.js'
import { guarded } from './sqlite-errors.js'

export interface BackupResult {
  /** Absolute path of the copy. */
  file: string
  pages: number
  bytes: number
  schemaVersion: number
}

function createExclusive(file: string): void {
  try {
    fs.closeSync(fs.openSync(file, fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_WRONLY | fs.constants.O_NOFOLLOW, 0o600))
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    if (code === 'EEXIST') throw new GitwardError('ALREADY_EXISTS', `${file} already exists; a backup never overwrites a file, so name a new one.`)
    if (code === 'ENOENT') throw new GitwardError('INVALID_ARGUMENT', `the directory ${path.dirname(file)} does not exist; create it first.`)
    throw new GitwardError('INVALID_ARGUMENT', `cannot create ${file} (${code ?? 'error'}); check the directory's permissions.`)
  }
  // The umask may have narrowed the mode further, never widened it; make it exact.
  fs.chmodSync(file, 0o600)
}

export async function backupSqliteDatabase(source: string, destination: string): Promise<BackupResult> {
  const file = path.resolve(destination)
  if (path.resolve(source) === file) throw new GitwardError('INVALID_ARGUMENT', 'the backup file must not be the database itself.')
  if (!fs.existsSync(source)) throw new GitwardError('DB_UNAVAILABLE', `the database ${source} does not exist; check db (--db).`)
  const db = guarded(source, () => new Database(source, { readonly: true, fileMustExist: true, timeout: 5000 }))
  createExclusive(file)
  let pages: number
  try {
    const progress = await db.backup(file)
    pages = progress.totalPages
  } catch (e) {
    fs.rmSync(file, { force: true })
    throw new GitwardError('DB_UNAVAILABLE', `the backup of ${source} failed (${(e as Error).message}); nothing was kept.`, { cause: e })
  } finally {
    db.close()
  }
  // The copy is a single self-contained file (no -wal beside it) and must
  // pass SQLite's integrity check before it is called a backup.
  const copy = new Database(file, { fileMustExist: true })
  try {
    copy.pragma('journal_mode = DELETE')
    const check = copy.pragma('integrity_check(1)', { simple: true }) as string
    if (check !== 'ok') {
      throw new GitwardError('DB_UNAVAILABLE', `the backup failed SQLite's integrity check (${check}); it was removed. Run gitward doctor on the database.`)
    }
    const schemaVersion = copy.pragma('user_version', { simple: true }) as number
    copy.close()
    return { file, pages, bytes: fs.statSync(file).size, schemaVersion }
  } catch (e) {
    if (copy.open) copy.close()
    fs.rmSync(file, { force: true })
    throw e
  }
}

// A read-only look at a SQLite database for `gitward doctor`: which schema it
// has and whether SQLite finds it intact. It never migrates or writes, so a
// health check cannot change what it checks.
import Database from 'better-sqlite3'
import { MIGRATIONS } from './migrations.js'
import { guarded } from './sqlite-errors.js'

export interface SqliteInspection {
  /** PRAGMA user_version: the last migration applied. */
  schemaVersion: number
  /** The latest schema this gitward knows. */
  knownVersion: number
  /** Problems PRAGMA integrity_check reported (at most `maxProblems`); empty when intact. */
  problems: string[]
  journalMode: string
}

/** Throws a GitwardError (DB_UNAVAILABLE, DB_BUSY) when the file cannot be opened or read as a database. */
export function inspectSqliteDatabase(file: string, maxProblems = 10): SqliteInspection {
  const db = guarded(file, () => new Database(file, { readonly: true, fileMustExist: true, timeout: 2000 }))
  try {
    return guarded(file, () => {
      const schemaVersion = db.pragma('user_version', { simple: true }) as number
      const rows = db.pragma(`integrity_check(${maxProblems})`) as Array<{ integrity_check: string }>
      const problems = rows.map(r => r.integrity_check).filter(p => p !== 'ok')
      const journalMode = db.pragma('journal_mode', { simple: true }) as string
      return { schemaVersion, knownVersion: MIGRATIONS.length, problems, journalMode }
    })
  } finally {
    db.close()
  }
}

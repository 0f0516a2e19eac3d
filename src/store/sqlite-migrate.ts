// Applies the numbered migrations. All pending migrations run in ONE
// immediate transaction together with the user_version bump, so a crash
// leaves the old schema intact, and two processes starting at once cannot
// both apply migration 1 (the second one waits, then finds nothing to do).
import type Database from 'better-sqlite3'
import { GitwardError, isGitwardError } from '../errors.js'
import type { Migration } from './migrations.js'
import { guarded, translateSqliteError } from './sqlite-errors.js'

export interface MigrationResult {
  from: number
  to: number
}

/** Refuse a list with gaps or repeats: a hole would skip part of the schema. */
export function checkMigrationList(migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) {
      throw new Error(`migration list is out of order: position ${i + 1} holds version ${m.version}`)
    }
  })
}

function newerSchema(file: string, found: number, known: number): GitwardError {
  return new GitwardError(
    'DB_UNAVAILABLE',
    `the database at ${file} was created by a newer gitward (schema ${found}, this one knows ${known}); upgrade gitward or point --db at another file.`,
  )
}

const userVersion = (db: Database.Database): number => db.pragma('user_version', { simple: true }) as number

export function migrate(
  db: Database.Database,
  migrations: readonly Migration[],
  file: string,
): MigrationResult {
  checkMigrationList(migrations)
  const latest = migrations.length
  const before = guarded(file, () => userVersion(db))
  if (before > latest) throw newerSchema(file, before, latest)
  if (before === latest) return { from: before, to: before }

  const apply = db.transaction(() => {
    // Read again under the write lock: another process may have migrated
    // between the first read and now.
    const current = userVersion(db)
    if (current > latest) throw newerSchema(file, current, latest)
    for (const m of migrations) {
      if (m.version <= current) continue
      try {
        db.exec(m.sql)
      } catch (e) {
        const mapped = translateSqliteError(e, file)
        if (isGitwardError(mapped)) throw mapped
        throw new GitwardError(
          'DB_UNAVAILABLE',
          `the database at ${file} could not be upgraded to schema ${m.version} (${(e as Error).message}); is it another program's database?`,
          { cause: e },
        )
      }
    }
    // PRAGMA user_version lives in the file header and commits or rolls back
    // with the transaction.
    db.pragma(`user_version = ${latest}`)
    return current
  })
  const from = guarded(file, () => apply.immediate())
  return { from, to: latest }
}

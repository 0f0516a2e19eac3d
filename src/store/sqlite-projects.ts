// The projects table, prepared once (rows are read by project-row.ts).
import type Database from 'better-sqlite3'
import type { Timestamp } from '../model/dates.js'
import type { Project } from '../model/project.js'
import type { DefaultBranchProtection } from '../model/protection.js'
import type { Visibility } from '../model/visibility.js'
import { sqliteCode } from './sqlite-errors.js'
import { projectFromRow, type ProjectRow } from './project-row.js'

const COLUMNS = 'id, path, visibility, created_at, default_branch, default_branch_protection, archived_at'

/** The gate's per-request query: a unique-index lookup. */
export const FIND_PROJECT_SQL = `SELECT ${COLUMNS} FROM projects WHERE path = ?`

type InsertParams = { path: string; visibility: string; at: string; defaultBranch: string | null; protection: string }


export class SqliteProjects {
  readonly #find: Database.Statement<[string], ProjectRow>
  readonly #insert: Database.Statement<InsertParams>
  readonly #list: Database.Statement<[], ProjectRow>

  constructor(db: Database.Database) {
    this.#find = db.prepare<[string], ProjectRow>(FIND_PROJECT_SQL)
    this.#insert = db.prepare<InsertParams>(
      `INSERT INTO projects (path, visibility, created_at, default_branch, default_branch_protection)
       VALUES (@path, @visibility, @at, @defaultBranch, @protection)`,
    )
    this.#list = db.prepare<[], ProjectRow>(`SELECT ${COLUMNS} FROM projects ORDER BY path`)
  }

  find(path: string): Project | undefined {
    const row = this.#find.get(path)
    return row === undefined ? undefined : projectFromRow(row)
  }

  /** Insert; false when the path is taken. */
  insert(
    project: { path: string; visibility: Visibility; defaultBranch: string | null; defaultBranchProtection: DefaultBranchProtection },
    at: Timestamp,
  ): boolean {
    try {
      this.#insert.run({
        path: project.path,
        visibility: project.visibility,
        at,
        defaultBranch: project.defaultBranch,
        protection: project.defaultBranchProtection,
      })
      return true
    } catch (e) {
      if (sqliteCode(e) === 'SQLITE_CONSTRAINT_UNIQUE') return false
      throw e
    }
  }

  list(): Project[] {
    return this.#list.all().map(projectFromRow)
  }
}

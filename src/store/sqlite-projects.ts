// The projects table, prepared once (rows are read by project-row.ts).
import type Database from 'better-sqlite3'
import type { Timestamp } from '../model/dates.js'
import type { Project } from '../model/project.js'
import type { DefaultBranchProtection } from '../model/protection.js'
import type { Visibility } from '../model/visibility.js'
import { sqliteCode } from './sqlite-errors.js'
import { projectFromRow, type ProjectRow } from './project-row.js'
import { prepareRaw, PROJECT_ROW_NAMES, projectRowAt, type RawRow } from './sqlite-raw-rows.js'

const COLUMNS = 'id, path, visibility, created_at, default_branch, default_branch_protection, archived_at'

/** The gate's per-request query: a unique-index lookup. */
export const FIND_PROJECT_SQL = `SELECT ${COLUMNS} FROM projects WHERE path = ?`

type InsertParams = { path: string; visibility: string; at: string; defaultBranch: string | null; protection: string }


export class SqliteProjects {
  readonly #find: Database.Statement<[string], RawRow>
  readonly #insert: Database.Statement<InsertParams>
  readonly #list: Database.Statement<[], ProjectRow>
  readonly #byId: Database.Statement<[number], ProjectRow>
  readonly #setVisibility: Database.Statement<{ id: number; visibility: string }>
  readonly #setArchived: Database.Statement<{ id: number; at: string | null }>
  readonly #unrevokedTokens: Database.Statement<[number], string>
  readonly #deleteTokens: Database.Statement<[number]>
  readonly #deleteProtections: Database.Statement<[string]>
  readonly #delete: Database.Statement<[number]>

  constructor(db: Database.Database) {
    this.#find = prepareRaw<[string]>(db, FIND_PROJECT_SQL, PROJECT_ROW_NAMES)
    this.#insert = db.prepare<InsertParams>(
      `INSERT INTO projects (path, visibility, created_at, default_branch, default_branch_protection)
       VALUES (@path, @visibility, @at, @defaultBranch, @protection)`,
    )
    this.#list = db.prepare<[], ProjectRow>(`SELECT ${COLUMNS} FROM projects ORDER BY path`)
    this.#byId = db.prepare<[number], ProjectRow>(`SELECT ${COLUMNS} FROM projects WHERE id = ?`)
    this.#setVisibility = db.prepare<{ id: number; visibility: string }>('UPDATE projects SET visibility = @visibility WHERE id = @id')
    this.#setArchived = db.prepare<{ id: number; at: string | null }>('UPDATE projects SET archived_at = @at WHERE id = @id')
    this.#unrevokedTokens = db.prepare<[number], string>('SELECT id FROM tokens WHERE project_id = ? AND revoked_at IS NULL ORDER BY id').pluck()
    // One statement, so a rotation chain (rotated_from) inside the project
    // is deleted together and the foreign key is checked at its end.
    this.#deleteTokens = db.prepare<[number]>('DELETE FROM tokens WHERE project_id = ?')
    this.#deleteProtections = db.prepare<[string]>("DELETE FROM protected_refs WHERE owner_kind = 'project' AND owner_path = ?")
    this.#delete = db.prepare<[number]>('DELETE FROM projects WHERE id = ?')
  }

  byId(id: number): Project | undefined {
    const row = this.#byId.get(id)
    return row === undefined ? undefined : projectFromRow(row)
  }

  /** False when no project has the id. */
  setVisibility(id: number, visibility: Visibility): boolean {
    return this.#setVisibility.run({ id, visibility }).changes === 1
  }

  /** archived_at = `at` (null: not archived); false when no project has the id. */
  setArchived(id: number, at: Timestamp | null): boolean {
    return this.#setArchived.run({ id, at }).changes === 1
  }

  unrevokedTokenIds(id: number): string[] {
    return this.#unrevokedTokens.all(id)
  }

  /** Delete the project, its token rows and its own protections; the counts deleted. */
  delete(project: Project): { tokens: number; protections: number } {
    const tokens = this.#deleteTokens.run(project.id).changes
    const protections = this.#deleteProtections.run(project.path).changes
    this.#delete.run(project.id)
    return { tokens, protections }
  }

  find(path: string): Project | undefined {
    const row = this.#find.get(path)
    return row === undefined ? undefined : projectFromRow(projectRowAt(row))
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

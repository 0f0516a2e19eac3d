// The protected_refs table, prepared once: the push path's lookup and the
// administrative reads and writes.
import type Database from 'better-sqlite3'
import type { Timestamp } from '../model/dates.js'
import type { NewProtectedRef, ProtectedRef, RefKind, RuleOwner } from '../model/protection.js'
import { ancestorGroups, protectedRefFromRow, type ProtectedRefRow } from './protected-ref-row.js'

const COLUMNS = 'id, ref_kind, owner_kind, owner_path, pattern, access_level, allow_force_push, created_at, updated_at'

/**
 * Once per push: the project's own rules and its ancestor groups' (the paths
 * come as a JSON array), through the owner_path index. The kinds are told
 * apart in code (a path can be a project and a group).
 */
export const FIND_REF_RULES_SQL = `SELECT ${COLUMNS} FROM protected_refs
    WHERE owner_path IN (SELECT value FROM json_each(@paths))`

type Key = { kind: string; ownerKind: string; ownerPath: string; pattern: string }
type Values = Key & { level: string; force: number; at: string }

export class SqliteProtections {
  readonly #forPaths: Database.Statement<{ paths: string }, ProtectedRefRow>
  readonly #find: Database.Statement<Key, ProtectedRefRow>
  readonly #insert: Database.Statement<Values>
  readonly #update: Database.Statement<{ id: number; level: string; force: number; at: string }>
  readonly #delete: Database.Statement<[number]>
  readonly #list: Database.Statement<[], ProtectedRefRow>

  constructor(db: Database.Database) {
    this.#forPaths = db.prepare<{ paths: string }, ProtectedRefRow>(FIND_REF_RULES_SQL)
    this.#find = db.prepare<Key, ProtectedRefRow>(
      `SELECT ${COLUMNS} FROM protected_refs
       WHERE ref_kind = @kind AND owner_kind = @ownerKind AND owner_path = @ownerPath AND pattern = @pattern`,
    )
    this.#insert = db.prepare<Values>(
      `INSERT INTO protected_refs (ref_kind, owner_kind, owner_path, pattern, access_level, allow_force_push, created_at, updated_at)
       VALUES (@kind, @ownerKind, @ownerPath, @pattern, @level, @force, @at, @at)`,
    )
    this.#update = db.prepare<{ id: number; level: string; force: number; at: string }>(
      'UPDATE protected_refs SET access_level = @level, allow_force_push = @force, updated_at = @at WHERE id = @id',
    )
    this.#delete = db.prepare<[number]>('DELETE FROM protected_refs WHERE id = ?')
    this.#list = db.prepare<[], ProtectedRefRow>(`SELECT ${COLUMNS} FROM protected_refs ORDER BY owner_path, owner_kind, ref_kind, pattern`)
  }

  /** The rules that apply to a project: its own and its ancestor groups'. */
  forProject(projectPath: string): ProtectedRef[] {
    const groups = ancestorGroups(projectPath)
    return this.#forPaths
      .all({ paths: JSON.stringify([projectPath, ...groups]) })
      .map(protectedRefFromRow)
      .filter(r => (r.owner.kind === 'project' ? r.owner.path === projectPath : groups.includes(r.owner.path)))
  }

  find(refKind: RefKind, owner: RuleOwner, pattern: string): ProtectedRef | undefined {
    const row = this.#find.get({ kind: refKind, ownerKind: owner.kind, ownerPath: owner.path, pattern })
    return row === undefined ? undefined : protectedRefFromRow(row)
  }

  /** Insert, or update the one with `id`. */
  write(rule: NewProtectedRef, existingId: number | null, at: Timestamp): void {
    const force = rule.allowForcePush ? 1 : 0
    if (existingId === null) {
      this.#insert.run({ kind: rule.refKind, ownerKind: rule.owner.kind, ownerPath: rule.owner.path, pattern: rule.pattern, level: rule.level, force, at })
    } else {
      this.#update.run({ id: existingId, level: rule.level, force, at })
    }
  }

  /** Delete; false when there was no such row. */
  delete(id: number): boolean {
    return this.#delete.run(id).changes === 1
  }

  list(): ProtectedRef[] {
    return this.#list.all().map(protectedRefFromRow)
  }
}

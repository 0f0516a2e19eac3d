// The hot path's rows read as arrays (better-sqlite3's raw mode) and turned
// into TokenRow / ProjectRow by position. An object row makes better-sqlite3
// look up every column name in V8's string table and grow the object one
// property at a time, about 3.5 µs of a 12 µs read (docs/performance.md);
// a literal with a fixed shape costs almost nothing. The positions are
// checked against the statement's own column names when it is prepared, so
// a reordered SELECT list fails at start-up, never as a shifted value.
import type Database from 'better-sqlite3'
import { projectFromRow, type ProjectRow } from './project-row.js'
import type { TokenAndProject } from './store.js'
import { tokenFromRow, type TokenRow } from './token-row.js'

/** TOKEN_COLUMNS' names, in order. */
export const TOKEN_ROW_NAMES = [
  'id', 'name', 'project_id', 'project_path', 'group_path', 'role', 'scopes', 'secret_hash', 'expires_at',
  'created_at', 'last_used_at', 'revoked_at', 'rotated_from', 'ref_rules', 'number', 'description',
] as const satisfies ReadonlyArray<keyof TokenRow>

/** The projects hot-path SELECT list's names, in order. */
export const PROJECT_ROW_NAMES = [
  'id', 'path', 'visibility', 'created_at', 'default_branch', 'default_branch_protection', 'archived_at',
] as const satisfies ReadonlyArray<keyof ProjectRow>

export type RawRow = unknown[]

/** Prepare `sql` in raw mode; throws when its columns are not `names`, in order. */
export function prepareRaw<P extends unknown[]>(db: Database.Database, sql: string, names: readonly string[]): Database.Statement<P, RawRow> {
  const statement = db.prepare<P, RawRow>(sql).raw(true)
  const actual = statement.columns().map(c => c.name)
  if (actual.join(',') !== names.join(',')) {
    throw new Error(`a hot-path query's columns (${actual.join(', ')}) are not the expected ${names.join(', ')}`)
  }
  return statement
}

export function tokenRowAt(v: RawRow, at = 0): TokenRow {
  return {
    id: v[at] as string,
    name: v[at + 1] as string,
    project_id: v[at + 2] as number | null,
    project_path: v[at + 3] as string | null,
    group_path: v[at + 4] as string | null,
    role: v[at + 5] as string,
    scopes: v[at + 6] as string,
    secret_hash: v[at + 7] as string,
    expires_at: v[at + 8] as string | null,
    created_at: v[at + 9] as string,
    last_used_at: v[at + 10] as string | null,
    revoked_at: v[at + 11] as string | null,
    rotated_from: v[at + 12] as string | null,
    ref_rules: v[at + 13] as string | null,
    number: v[at + 14] as number,
    description: v[at + 15] as string | null,
  }
}

export function projectRowAt(v: RawRow, at = 0): ProjectRow {
  return {
    id: v[at] as number,
    path: v[at + 1] as string,
    visibility: v[at + 2] as string,
    created_at: v[at + 3] as string,
    default_branch: v[at + 4] as string | null,
    default_branch_protection: v[at + 5] as string,
    archived_at: v[at + 6] as string | null,
  }
}

/** A token row beside a q_-prefixed project row (findTokenAndProject), either side possibly all NULL. */
export const TOKEN_AND_PROJECT_ROW_NAMES = [...TOKEN_ROW_NAMES, ...PROJECT_ROW_NAMES.map(n => `q_${n}`)]

export function tokenAndProjectFromRaw(v: RawRow | undefined): TokenAndProject {
  if (v === undefined) return { token: undefined, project: undefined }
  const q = TOKEN_ROW_NAMES.length
  return {
    token: v[0] === null ? undefined : tokenFromRow(tokenRowAt(v)),
    project: v[q] === null ? undefined : projectFromRow(projectRowAt(v, q)),
  }
}

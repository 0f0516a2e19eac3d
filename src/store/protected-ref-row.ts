// Conversion between the protected_refs table and ProtectedRef, shared by
// every engine. A row that does not fit fails closed rather than protecting
// less than the administrator set.
import { isRefAccessLevel, type ProtectedRef } from '../model/protection.js'
import { GitwardError } from '../errors.js'

export interface ProtectedRefRow {
  id: number
  ref_kind: string
  owner_kind: string
  owner_path: string
  pattern: string
  access_level: string
  allow_force_push: number
  created_at: string
  updated_at: string
}

export function protectedRefFromRow(row: ProtectedRefRow): ProtectedRef {
  // A row that does not fit fails closed rather than protecting less.
  if ((row.ref_kind !== 'branch' && row.ref_kind !== 'tag') || (row.owner_kind !== 'project' && row.owner_kind !== 'group') || !isRefAccessLevel(row.access_level)) {
    throw new GitwardError('DB_UNAVAILABLE', `the stored protection ${row.id} is not one gitward wrote; the database was changed outside gitward.`)
  }
  return {
    id: row.id,
    refKind: row.ref_kind,
    owner: { kind: row.owner_kind, path: row.owner_path },
    pattern: row.pattern,
    level: row.access_level,
    allowForcePush: row.allow_force_push === 1,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

/** The groups above a project: `acme`, `acme/sub` for `acme/sub/app`. */
export function ancestorGroups(projectPath: string): string[] {
  const parts = projectPath.split('/')
  return parts.slice(0, -1).map((_, i) => parts.slice(0, i + 1).join('/'))
}

/** Whether the stored protection is still the one a use case read (undefined: none). */
export function sameProtection(current: ProtectedRef | undefined, expected: ProtectedRef | undefined): boolean {
  if (current === undefined || expected === undefined) return current === expected
  return current.id === expected.id && current.level === expected.level && current.allowForcePush === expected.allowForcePush
}

// Conversion between the projects table and Project, shared by every engine.
// A row whose visibility or default-branch protection gitward does not know
// fails closed rather than being guessed.
import { GitwardError } from '../errors.js'
import type { Project } from '../model/project.js'
import { isDefaultBranchProtection } from '../model/protection.js'
import { isVisibility } from '../model/visibility.js'

export interface ProjectRow {
  id: number
  path: string
  visibility: string
  created_at: string
  default_branch: string | null
  default_branch_protection: string
  archived_at: string | null
}

const broken = (path: string, what: string): GitwardError =>
  new GitwardError('DB_UNAVAILABLE', `the stored project ${path} has ${what}; the database was changed outside gitward.`)

export function projectFromRow(row: ProjectRow): Project {
  if (!isVisibility(row.visibility)) throw broken(row.path, 'an unknown visibility')
  if (!isDefaultBranchProtection(row.default_branch_protection)) throw broken(row.path, 'an unknown default-branch protection')
  return {
    id: row.id,
    path: row.path,
    visibility: row.visibility,
    createdAt: row.created_at,
    defaultBranch: row.default_branch,
    defaultBranchProtection: row.default_branch_protection,
    archivedAt: row.archived_at,
  }
}

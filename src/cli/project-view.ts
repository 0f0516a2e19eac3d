// The public face of a project, for --json: built field by field.
import type { Project } from '../model/project.js'

export interface ProjectView {
  id: number
  path: string
  visibility: string
  created_at: string
  default_branch: string | null
  default_branch_protection: string
  /** When the project was archived (pushes refused); null = not archived. */
  archived_at: string | null
}

export function projectView(p: Project): ProjectView {
  return {
    id: p.id,
    path: p.path,
    visibility: p.visibility,
    created_at: p.createdAt,
    default_branch: p.defaultBranch,
    default_branch_protection: p.defaultBranchProtection,
    archived_at: p.archivedAt,
  }
}

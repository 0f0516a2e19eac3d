// A registered project: one repository, known by its canonical path
// (`group/sub/project`, see src/git/repo-path.ts).
import type { Timestamp } from './dates.js'
import type { DefaultBranchProtection } from './protection.js'
import type { Visibility } from './visibility.js'

export interface Project {
  id: number
  path: string
  visibility: Visibility
  createdAt: Timestamp
  /** The branch HEAD named when the project was registered; null for projects older than schema 2. */
  defaultBranch: string | null
  /** How the default branch is protected; `none` for projects older than schema 2. */
  defaultBranchProtection: DefaultBranchProtection
  /** When the project was archived (pulls served, pushes refused); null = not archived. */
  archivedAt: Timestamp | null
}

/** A top-level group's settings; groups have no row until one is changed. */
export interface GroupSettings {
  /** A top-level group such as `acme`. */
  path: string
  projectTokenCreation: ProjectTokenCreation
  updatedAt: Timestamp | null
}

export const PROJECT_TOKEN_CREATION = ['enabled', 'disabled'] as const
export type ProjectTokenCreation = (typeof PROJECT_TOKEN_CREATION)[number]
export const isProjectTokenCreation = (value: string): value is ProjectTokenCreation =>
  (PROJECT_TOKEN_CREATION as readonly string[]).includes(value)

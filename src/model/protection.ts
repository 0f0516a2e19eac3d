// Protected branches and tags, per-token ref rules and default-branch
// protection, with GitLab's names: the plain data. What they allow is
// decided in src/access/ref-protection.ts; how they are changed, in
// src/admin/protect-ref.ts.
import type { Timestamp } from './dates.js'

/** Who may push to a protected branch or create a protected tag. */
export const REF_ACCESS_LEVELS = ['developer', 'maintainer', 'no_one'] as const
export type RefAccessLevel = (typeof REF_ACCESS_LEVELS)[number]
export const DEFAULT_REF_ACCESS_LEVEL: RefAccessLevel = 'maintainer'

export const isRefAccessLevel = (value: string): value is RefAccessLevel =>
  (REF_ACCESS_LEVELS as readonly string[]).includes(value)

/**
 * How a new project's default branch is protected (GitLab's
 * default_branch_protection): `full` maintainers push, nobody force-pushes;
 * `full_after_initial_push` as full, but anyone who may push can make the
 * first push into an empty repository; `developers_can_push` developers
 * push, nobody force-pushes; `none` no protection.
 */
export const DEFAULT_BRANCH_PROTECTIONS = ['full', 'full_after_initial_push', 'developers_can_push', 'none'] as const
export type DefaultBranchProtection = (typeof DEFAULT_BRANCH_PROTECTIONS)[number]
export const isDefaultBranchProtection = (value: string): value is DefaultBranchProtection =>
  (DEFAULT_BRANCH_PROTECTIONS as readonly string[]).includes(value)

/** Where a rule was set: on the project itself, or on a group above it (inherited). */
export type RuleOwner = { kind: 'project'; path: string } | { kind: 'group'; path: string }

export type RefKind = 'branch' | 'tag'

/** A protected branch or tag pattern, on a project or on a group (inherited below it). */
export interface ProtectedRef {
  id: number
  refKind: RefKind
  owner: RuleOwner
  /** Short name or glob: `main`, `release/*` (branch), `v*` (tag). */
  pattern: string
  /** Who may push (branch) or create (tag). */
  level: RefAccessLevel
  /** Branches only: whether those who may push may also force-push. Always false for tags. */
  allowForcePush: boolean
  createdAt: Timestamp
  updatedAt: Timestamp
}

/** A protection to record; src/admin has checked every field. */
export interface NewProtectedRef {
  refKind: RefKind
  owner: RuleOwner
  pattern: string
  level: RefAccessLevel
  allowForcePush: boolean
}

// The vocabulary of protected branches and tags and of per-token ref rules,
// with GitLab's names. Plain data: the store keeps it, the CLI prints it,
// ref-protection.ts decides with it.
import type { Role } from './role.js'
import { assertNever } from '../assert-never.js'

/** Who may push to a protected branch or create a protected tag. */
export const REF_ACCESS_LEVELS = ['developer', 'maintainer', 'no_one'] as const
export type RefAccessLevel = (typeof REF_ACCESS_LEVELS)[number]
export const DEFAULT_REF_ACCESS_LEVEL: RefAccessLevel = 'maintainer'

export const isRefAccessLevel = (value: string): value is RefAccessLevel =>
  (REF_ACCESS_LEVELS as readonly string[]).includes(value)

/** Whether a token with `role` passes `level`: `no_one` lets nobody through. */
export function roleMeetsLevel(role: Role, level: RefAccessLevel): boolean {
  switch (level) {
    case 'no_one':
      return false
    case 'developer':
      return role === 'developer' || role === 'maintainer' || role === 'owner'
    case 'maintainer':
      return role === 'maintainer' || role === 'owner'
    default:
      assertNever(level, 'ref access level')
  }
}

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

/** What a default-branch protection means, in a few words for people. */
export function describeDefaultBranchProtection(protection: DefaultBranchProtection): string {
  switch (protection) {
    case 'full':
      return 'maintainers push; nobody force-pushes or deletes it'
    case 'full_after_initial_push':
      return 'anyone who may push makes the first push; then maintainers push; nobody force-pushes or deletes it'
    case 'developers_can_push':
      return 'developers and maintainers push; nobody force-pushes or deletes it'
    case 'none':
      return 'not protected'
    default:
      assertNever(protection, 'default-branch protection')
  }
}

/** Where a rule was set: on the project itself, or on a group above it (inherited). */
export type RuleOwner = { kind: 'project'; path: string } | { kind: 'group'; path: string }

export interface BranchRule {
  owner: RuleOwner
  /** Branch name or glob, without refs/heads/ (`main`, `release/*`). */
  pattern: string
  push: RefAccessLevel
  allowForcePush: boolean
}

export interface TagRule {
  owner: RuleOwner
  /** Tag name or glob, without refs/tags/ (`v*`). */
  pattern: string
  create: RefAccessLevel
}

/** Everything the protected-ref decision needs about one push, as plain data. */
export interface RefPolicy {
  role: Role
  /** Full-ref patterns the token is limited to; null = no per-token limit. */
  tokenRefs: readonly string[] | null
  /** The project's own branch rules and those of every group above it. */
  branches: readonly BranchRule[]
  tags: readonly TagRule[]
  /** The project's default branch and how it is protected; null when unknown. */
  defaultBranch: { name: string; protection: DefaultBranchProtection } | null
}

// The vocabulary of protected branches and tags and of per-token ref rules,
// with GitLab's names. Plain data: the store keeps it, the CLI prints it,
// ref-protection.ts decides with it.
import type { Role } from '../model/role.js'
import type { DefaultBranchProtection, RefAccessLevel, RuleOwner } from '../model/protection.js'
// The vocabulary itself is domain data (src/model/protection.ts); re-exported
// here for the decision code that reads it with the rules below.
export {
  DEFAULT_BRANCH_PROTECTIONS,
  DEFAULT_REF_ACCESS_LEVEL,
  isDefaultBranchProtection,
  isRefAccessLevel,
  REF_ACCESS_LEVELS,
  type DefaultBranchProtection,
  type RefAccessLevel,
  type RuleOwner,
} from '../model/protection.js'
import { assertNever } from '../assert-never.js'

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

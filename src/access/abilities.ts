// What a token's scopes and role let it do to a repository, in GitLab's
// terms. Only the git abilities exist here: gitward has no registry, so
// `read_registry` and `write_registry` grant nothing at all, and
// `self_rotate` grants no git access (only the HTTP API's self-rotation,
// decided in src/admin/delegated-grant.ts).
import { roleAtLeast, type Role } from '../model/role.js'
import type { Scope } from '../model/scope.js'
import { assertNever } from '../assert-never.js'

/** What a git request does to a repository: pull (fetch, clone, archive) or push. */
export type Access = 'read' | 'write'

/** Scopes that grant pull; `read_api` and `api` include it, as in GitLab. */
export const PULL_SCOPES: readonly Scope[] = Object.freeze([
  'read_repository',
  'write_repository',
  'read_api',
  'api',
])

/** Scopes that grant push. `read_api` does not: it is read-only by name. */
export const PUSH_SCOPES: readonly Scope[] = Object.freeze(['write_repository', 'api'])

/** The scopes, any one of which grants `access`. */
export function scopesFor(access: Access): readonly Scope[] {
  switch (access) {
    case 'read':
      return PULL_SCOPES
    case 'write':
      return PUSH_SCOPES
    default:
      assertNever(access, 'access')
  }
}

/**
 * The lowest role that may do `access`. A guest may not clone a private
 * project (GitLab: guests see issues, not code); a reporter may pull; pushing
 * needs a developer.
 */
export function minimumRole(access: Access): Role {
  switch (access) {
    case 'read':
      return 'reporter'
    case 'write':
      return 'developer'
    default:
      assertNever(access, 'access')
  }
}

/** The verb a git user knows for `access`, for messages. */
export function accessVerb(access: Access): 'pull' | 'push' {
  switch (access) {
    case 'read':
      return 'pull'
    case 'write':
      return 'push'
    default:
      assertNever(access, 'access')
  }
}

export const scopesGrant = (access: Access, scopes: readonly Scope[]): boolean =>
  scopes.some(s => scopesFor(access).includes(s))

export const roleGrants = (access: Access, role: Role): boolean =>
  roleAtLeast(role, minimumRole(access))

// Who may do what through the HTTP API: the rules of delegated token
// management, as pure functions of the calling token and the thing it names.
// The API (src/api/) is only an adapter; every decision is made here, once.
//
// Threat: privilege escalation by delegation. A token that may mint tokens
// could otherwise mint one stronger than itself (a higher role, a scope it
// lacks, a longer life, a wider target) and so climb without limit. Every
// grant made through the API is therefore bounded by the caller's own:
// role <=, scopes subset, expiry <= the caller's expiry when it has one, a
// target the caller covers, and never a group from a project token.
//
//   what                              scope               role    reach
//   read a project/group, list, get   read_api or api     any     covers the target
//   mint, rotate or revoke another    api                 owner   covers the target
//   self: show, revoke                any valid token     any     itself
//   self: rotate                      api or self_rotate  any     itself
//
// Order of refusals: scope first (says nothing about any target), then reach
// (404, the same as "no such project", so a token cannot probe which paths
// exist), then role, then the grant's bounds.
import { GitwardError } from '../errors.js'
import { isWithinGroup } from '../git/repo-path.js'
import { calendarDateStart, type DateString } from '../model/dates.js'
import type { Project } from '../model/project.js'
import { ROLE_LEVEL, type Role } from '../model/role.js'
import type { Scope } from '../model/scope.js'
import type { TokenRecord } from '../model/token.js'

/** The calling token, as the store holds it (active: checked by the caller's loader). */
export type Caller = Pick<TokenRecord, 'id' | 'target' | 'role' | 'scopes' | 'expiresAt'>

/** What an API path names: a registered project, or a group (by path). */
export type ApiTarget = { kind: 'project'; project: Project } | { kind: 'group'; path: string }

/** A grant the caller asks for: a new token's, or the one a rotation would renew. */
export interface Grant {
  role: Role
  scopes: readonly Scope[]
  expiresAt: DateString | null
}

export const READ_SCOPES: readonly Scope[] = Object.freeze(['read_api', 'api'])
export const MANAGE_SCOPES: readonly Scope[] = Object.freeze(['api'])
export const SELF_ROTATE_SCOPES: readonly Scope[] = Object.freeze(['api', 'self_rotate'])

const hasAny = (scopes: readonly Scope[], wanted: readonly Scope[]): boolean => wanted.some(s => scopes.includes(s))

const targetPath = (target: ApiTarget): string => (target.kind === 'project' ? target.project.path : target.path)

/**
 * Whether the caller's own target covers `target`: a project token covers
 * its project only; a group token covers its group, the groups below it and
 * every project under them.
 */
export function covers(caller: Pick<Caller, 'target'>, target: ApiTarget): boolean {
  if (caller.target.kind === 'project') return target.kind === 'project' && target.project.id === caller.target.projectId
  return isWithinGroup(targetPath(target), caller.target.path)
}

export const insufficientScope = (wanted: readonly Scope[]): GitwardError =>
  new GitwardError('FORBIDDEN', `the token needs the ${wanted.join(' or ')} scope for this.`)

/** The refusal for a target the caller does not cover: the same as for a target that does not exist. */
export const notCovered = (target: ApiTarget): GitwardError =>
  new GitwardError('NOT_FOUND', `${target.kind === 'project' ? 'Project' : 'Group'} Not Found`)

/** Reading (a project or group, its token list or one token): the scope, checked before any lookup. */
export function requireReadScope(caller: Caller): void {
  if (!hasAny(caller.scopes, READ_SCOPES)) throw insufficientScope(READ_SCOPES)
}

/** Reading: the reach, once the target is resolved. */
export function requireRead(caller: Caller, target: ApiTarget): void {
  requireReadScope(caller)
  if (!covers(caller, target)) throw notCovered(target)
}

/**
 * Minting, rotating or revoking a token of a project or group other than
 * the caller itself: what can be refused before any lookup (the scope, and a
 * project token naming a group, refused alike for every group so this tells
 * it nothing about the group).
 */
export function requireManageScope(caller: Caller, kind: ApiTarget['kind']): void {
  if (!hasAny(caller.scopes, MANAGE_SCOPES)) throw insufficientScope(MANAGE_SCOPES)
  if (caller.target.kind === 'project' && kind === 'group') {
    throw new GitwardError('FORBIDDEN', 'a project token cannot create, rotate or revoke group tokens.')
  }
}

/** Managing another token: the scope, the reach (404 when not covered), then the owner role. */
export function requireManage(caller: Caller, target: ApiTarget): void {
  requireManageScope(caller, target.kind)
  if (!covers(caller, target)) throw notCovered(target)
  if (caller.role !== 'owner') {
    throw new GitwardError('FORBIDDEN', `managing access tokens needs the owner role; this token is a ${caller.role}.`)
  }
}

/**
 * A grant made by the caller (a new token, or another token renewed by
 * rotation) stays within the caller's own: role <=, scopes subset, expiry
 * no later than the caller's when the caller has one.
 */
export function requireGrantWithin(caller: Caller, grant: Grant): void {
  if (ROLE_LEVEL[grant.role] > ROLE_LEVEL[caller.role]) {
    throw new GitwardError('INVALID_ARGUMENT', `access_level ${ROLE_LEVEL[grant.role]} is higher than the calling token's own (${ROLE_LEVEL[caller.role]}).`)
  }
  const extra = grant.scopes.filter(s => !caller.scopes.includes(s))
  if (extra.length > 0) {
    throw new GitwardError('INVALID_ARGUMENT', `the scopes ${extra.join(', ')} are not among the calling token's own (${caller.scopes.join(', ')}).`)
  }
  if (caller.expiresAt !== null && !expiresNoLater(grant.expiresAt, caller.expiresAt)) {
    throw new GitwardError(
      'INVALID_ARGUMENT',
      `expires_at must be no later than the calling token's own expiry, ${caller.expiresAt}${grant.expiresAt === null ? ' (a token without an expiry date would outlive it)' : ''}.`,
    )
  }
}

/** Rotating the calling token itself. */
export function requireSelfRotate(caller: Caller): void {
  if (!hasAny(caller.scopes, SELF_ROTATE_SCOPES)) throw insufficientScope(SELF_ROTATE_SCOPES)
}

/**
 * The expiry of a token minted by `caller` when the request names none: the
 * caller's own when it has one (a longer one would be refused), otherwise
 * undefined (the lifetime policy of mint-token decides, as for the CLI).
 */
export const defaultMintExpiry = (caller: Caller): DateString | undefined => caller.expiresAt ?? undefined

/** Days from now GitLab gives a rotated token when the request names no expiry. */
export const ROTATION_DEFAULT_DAYS = 7

/**
 * The expiry of a token rotated through the API without expires_at: a week
 * out (GitLab's rule), capped by the caller's own expiry when the caller
 * rotates another token.
 */
export function defaultRotationExpiry(nowMs: number, cap: DateString | null): DateString {
  const week = new Date(nowMs + ROTATION_DEFAULT_DAYS * 86_400_000).toISOString().slice(0, 10)
  return cap !== null && !expiresNoLater(week, cap) ? cap : week
}

/** Whether expiry `a` comes no later than `b` (null = never; an unreadable date counts as late). */
function expiresNoLater(a: DateString | null, b: DateString): boolean {
  if (a === null) return false
  const at = calendarDateStart(a)
  const bt = calendarDateStart(b)
  return at !== null && bt !== null && at <= bt
}

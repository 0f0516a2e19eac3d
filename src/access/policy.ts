// Decides whether a classified git request may go ahead, with GitLab's
// semantics for project and group access tokens. Pure: the verifier's verdict
// on the token and the project's registration in, a decision out. Only the
// front layer turns a decision into an HTTP response.
//
//   401 + challenge  no credentials where they are needed, or a token that
//                    was refused for any reason (one message for all)
//   404              a valid token and a project it does not cover, or no
//                    such project: the same answer, so existence never leaks
//   403              a valid token covering the project whose scopes or role
//                    are too low; the message names what is missing. Also
//                    any push to an archived project (GitLab's wording)
import { isWithinGroup } from '../git/repo-path.js'
import type { TokenTarget } from '../model/token.js'
import type { Role } from '../model/role.js'
import type { Scope } from '../model/scope.js'
import type { Visibility } from '../model/visibility.js'
import {
  accessVerb,
  minimumRole,
  roleGrants,
  scopesFor,
  scopesGrant,
  type Access,
} from './abilities.js'
import { assertNever } from '../assert-never.js'

/**
 * Why a presented credential was refused. `blank-username` is a Basic
 * credential whose username is empty: the token in it is never looked at.
 */
export type TokenRefusal = 'malformed' | 'blank-username' | 'unknown' | 'mismatch' | 'revoked' | 'expired'

export type TokenCheck =
  | { kind: 'none' }
  /**
   * `tokenId` is the id the presented token claims, when it was well formed:
   * public, never the secret, so the log can name the token behind a refusal
   * (a CI job still using a revoked token).
   */
  | { kind: 'refused'; reason: TokenRefusal; tokenId?: string }
  | { kind: 'valid'; token: { id: string; target: TokenTarget; role: Role; scopes: readonly Scope[]; refRules?: readonly string[] | null } }

export interface PolicyInput {
  access: Access
  /** Canonical project path from classification. */
  projectPath: string
  /**
   * The registered project; undefined when no project has this path.
   * `archivedAt` set (not null): pushes are refused, pulls are not.
   */
  project: { path: string; visibility: Visibility; archivedAt?: string | null } | undefined
  credential: TokenCheck
}

/** Why a request was denied; for the log only, never shown to the client. */
export type DenyReason =
  | 'no-credentials'
  | TokenRefusal
  | 'project-unknown'
  | 'project-not-covered'
  | 'scope'
  | 'role'
  | 'scope-and-role'
  | 'project-archived'

export interface Identity {
  tokenId: string
  /** A bot name derived from the token id (never the token), passed to git as REMOTE_USER. */
  remoteUser: string
}

export type Decision =
  | { allow: true; identity: Identity | null }
  | { allow: false; status: 401 | 403 | 404; message: string; challenge: boolean; reason: DenyReason }

export const NO_CREDENTIALS_MESSAGE =
  'Authentication required: use an access token as the password (any username).'

// One message for every refused token: telling a caller which check failed
// (unknown id, wrong secret, revoked, expired) would help someone guessing
// tokens tell a live id from a dead one.
export const REFUSED_TOKEN_MESSAGE =
  'The access token was refused: it may be mistyped, expired or revoked.'

// Not a refused token: the token was never looked at, and telling the user
// says nothing about any token. Saying "mistyped, expired or revoked" here
// would send them to rotate a good token.
export const BLANK_USERNAME_MESSAGE =
  'Authentication failed: the username must not be blank; use any username, with the access token as the password.'

// GitLab's wording. The same for an unknown project and for a project the
// token does not cover, so a token holder cannot probe which paths exist.
export const NOT_FOUND_MESSAGE =
  "The project you were looking for could not be found or you don't have permission to view it."

// GitLab's wording for a push to an archived project. Only said to a token
// that covers the project (others get the 404 above), so it tells nobody
// else that the project exists.
export const ARCHIVED_MESSAGE = 'You are not allowed to push code to an archived project.'

/** The REMOTE_USER git sees for a token; names the token, never contains it. */
export function remoteUserFor(tokenId: string, target: TokenTarget): string {
  switch (target.kind) {
    case 'project':
      return `project_${tokenId}_bot`
    case 'group':
      return `group_${tokenId}_bot`
    default:
      assertNever(target, 'token target')
  }
}

/**
 * Whether a token bound to `target` applies to the project at `projectPath`.
 * A project token covers its own project only; a group token covers the
 * group's projects at any depth, anchored at a segment boundary so `acme`
 * never covers `acme-evil/app`.
 */
export function covers(target: TokenTarget, projectPath: string): boolean {
  switch (target.kind) {
    case 'project':
      return target.path === projectPath
    case 'group':
      return isWithinGroup(projectPath, target.path)
    default:
      assertNever(target, 'token target')
  }
}

const list = (names: readonly string[]): string =>
  names.length <= 1 ? names.join('') : `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`

/** The 403 text: which scopes and/or role are missing, and the role the token has. */
function forbiddenMessage(access: Access, role: Role, scopeOk: boolean, roleOk: boolean): string {
  const scopes = scopesFor(access)
  const needScope = `the ${list(scopes)} scope`
  const needRole = `at least the ${minimumRole(access)} role (it has the ${role} role)`
  const needs = !scopeOk && !roleOk ? `${needScope} and ${needRole}` : !scopeOk ? needScope : needRole
  return `This token cannot ${accessVerb(access)}: it needs ${needs}.`
}

function deny(status: 401 | 403 | 404, message: string, reason: DenyReason): Decision {
  // Only a 401 carries a challenge: it is what makes git ask for (or drop) a credential.
  return { allow: false, status, message, challenge: status === 401, reason }
}

export function decide(input: PolicyInput): Decision {
  const { access, projectPath, credential } = input
  // A project registered under another path is a caller bug; treat it as
  // unknown rather than risk judging one project by another's settings.
  const project = input.project !== undefined && input.project.path === projectPath ? input.project : undefined
  // Anyone may pull a public project; nothing else is public.
  const publicPull = access === 'read' && project?.visibility === 'public'

  switch (credential.kind) {
    case 'none':
      if (publicPull) return { allow: true, identity: null }
      return deny(401, NO_CREDENTIALS_MESSAGE, 'no-credentials')
    case 'refused':
      // Still 401 on a public project: the 401 is what makes git erase the
      // bad credential it stored, instead of sending it forever.
      return deny(
        401,
        credential.reason === 'blank-username' ? BLANK_USERNAME_MESSAGE : REFUSED_TOKEN_MESSAGE,
        credential.reason,
      )
    case 'valid': {
      const { token } = credential
      const identity: Identity = { tokenId: token.id, remoteUser: remoteUserFor(token.id, token.target) }
      // A valid token never gets less than an anonymous caller: it may pull a
      // public project whatever it covers and whatever its scopes and role.
      if (publicPull) return { allow: true, identity }
      if (project === undefined) return deny(404, NOT_FOUND_MESSAGE, 'project-unknown')
      if (!covers(token.target, projectPath)) return deny(404, NOT_FOUND_MESSAGE, 'project-not-covered')
      // Before scopes and roles: no token, however strong, pushes to an
      // archived project (the push advertisement is a write too, so git
      // stops before sending a pack).
      if (access === 'write' && project.archivedAt !== undefined && project.archivedAt !== null) {
        return deny(403, ARCHIVED_MESSAGE, 'project-archived')
      }
      const scopeOk = scopesGrant(access, token.scopes)
      const roleOk = roleGrants(access, token.role)
      if (scopeOk && roleOk) return { allow: true, identity }
      const reason: DenyReason = !scopeOk && !roleOk ? 'scope-and-role' : !scopeOk ? 'scope' : 'role'
      return deny(403, forbiddenMessage(access, token.role, scopeOk, roleOk), reason)
    }
    default:
      assertNever(credential, 'credential')
  }
}

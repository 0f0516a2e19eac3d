// Role and scope lists as typed on the command line, turned into the closed
// sets of src/model or a one-sentence refusal listing what is accepted.
import { GitwardError } from '../errors.js'
import { parseRefPatternList } from '../git/ref-pattern.js'
import { isRole, ROLES, type Role } from '../model/role.js'
import { parseScopes, SCOPES, type Scope } from '../model/scope.js'

export function requireRole(raw: string): Role {
  if (isRole(raw)) return raw
  throw new GitwardError('INVALID_ARGUMENT', `unknown role "${raw}"; use one of ${ROLES.join(', ')}.`)
}

export function requireScopes(raw: string): Scope[] {
  const parsed = parseScopes(raw)
  if (parsed.ok) return parsed.scopes
  if (parsed.unknown === '') {
    throw new GitwardError('INVALID_ARGUMENT', `no scope given; use one or more of ${SCOPES.join(', ')}, separated by commas.`)
  }
  throw new GitwardError('INVALID_ARGUMENT', `unknown scope "${parsed.unknown}"; use one or more of ${SCOPES.join(', ')}.`)
}

/** `--refs refs/tags/v*,refs/heads/ci/*`: full-ref patterns a token is limited to. */
export function requireRefRules(raw: string): string[] {
  const parsed = parseRefPatternList(raw)
  if (parsed.ok) return parsed.patterns
  throw new GitwardError('INVALID_ARGUMENT', `"${parsed.pattern}" is not a valid --refs pattern: ${parsed.rule}.`)
}

/** A scope list already split (by a program, not a person): the same rule, in canonical order. */
export const requireScopeList = (scopes: readonly string[]): Scope[] => requireScopes(scopes.join(','))

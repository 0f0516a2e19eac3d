// Minting: the only place a token's secret exists in clear. It is generated
// from the injected random source, hashed, stored as a hash, and returned to
// the caller exactly once.
//
// Rules: the name (token-name.ts), the description (token-description.ts),
// the role and scopes (grant-input.ts), an expiry within
// max_token_lifetime_days (token-lifetime.ts; none asked for = the longest
// allowed, with a notice), the target (a registered project or a
// valid group path) and the group's project-token creation switch. The switch
// is re-checked by the store inside the insert's transaction
// (requireProjectTokenCreation), so a concurrent `group set … disabled`
// cannot be slipped past; its message lives here.
import type { Hasher } from '../auth/hasher.js'
import { formatToken, newSecret, newTokenId, type RandomBytes } from '../auth/token-format.js'
import { assertNever } from '../assert-never.js'
import type { Clock } from '../clock.js'
import { GitwardError } from '../errors.js'
import { topLevelGroup } from '../git/repo-path.js'
import type { Actor } from '../model/audit.js'
import type { DateString } from '../model/dates.js'
import type { Role } from '../model/role.js'
import type { Scope } from '../model/scope.js'
import type { NewToken, TokenRecord, TokenTarget } from '../model/token.js'
import type { Store } from '../store/store.js'
import { auditNote, tokenFacts } from './audit-facts.js'
import { requireStoredExpiry } from './expiry-date.js'
import { requireProject } from './find-project.js'
import { requireRole, requireScopeList } from './grant-input.js'
import { requirePath } from './target-path.js'
import { requireTokenDescription } from './token-description.js'
import { chooseExpiry } from './token-lifetime.js'
import { requireTokenName } from './token-name.js'

export interface MintDeps {
  store: Store
  hasher: Hasher
  random: RandomBytes
  tokenPrefix: string
  clock: Clock
  /** max_token_lifetime_days; 0 = no limit. */
  maxTokenLifetimeDays: number
}

/** A target as an administrator names it: by path. */
export type TargetRequest = { kind: 'project'; path: string } | { kind: 'group'; path: string }

export interface MintRequest {
  name: string
  target: TargetRequest
  role: Role
  scopes: Scope[]
  /**
   * Already validated (see expiry-date.ts: requestedExpiry); null = none
   * given, so the lifetime policy picks the longest allowed (never, only
   * when max_token_lifetime_days is 0).
   */
  expiresAt: DateString | null
  /** Already validated (requireRefRules); null or omitted = no per-token ref limit. */
  refRules?: string[] | null
  /** What the token is for; omitted, null or blank = none. */
  description?: string | null
}

export interface Minted {
  record: TokenRecord
  /** The full token. Show it once; it is stored nowhere. */
  token: string
  /** One sentence for the administrator when the lifetime policy chose the expiry (stderr); null otherwise. */
  notice: string | null
}

export const creationDisabled = (group: string): GitwardError =>
  new GitwardError(
    'CREATION_DISABLED',
    `project token creation is disabled for the group "${group}"; a group token still works, or re-enable it with: gitward group set ${group} --project-token-creation enabled.`,
  )

/** 60 random bits collided with an existing id: astronomically rare, never silent. */
export const tokenIdTaken = (id: string): GitwardError =>
  new GitwardError('ALREADY_EXISTS', `a token with the id "${id}" already exists.`)

/** Resolve a target named by path: a registered project, or a valid group path. */
export async function resolveTarget(store: Pick<Store, 'findProject'>, target: TargetRequest): Promise<TokenTarget> {
  if (target.kind === 'group') return { kind: 'group', path: requirePath(target.path, 'group') }
  const project = await requireProject(store, target.path)
  return { kind: 'project', projectId: project.id, path: project.path }
}

/** Validate the grant, generate an id and secret and hash the secret, ready for the store. */
export async function prepareToken(
  deps: Pick<MintDeps, 'hasher' | 'random' | 'tokenPrefix'>,
  request: Omit<MintRequest, 'target'> & { target: TokenTarget },
): Promise<{ row: NewToken; token: string }> {
  const name = requireTokenName(request.name)
  const role = requireRole(request.role)
  const scopes = requireScopeList(request.scopes)
  const expiresAt = requireStoredExpiry(request.expiresAt)
  const description = requireTokenDescription(request.description)
  const id = newTokenId(deps.random)
  const secret = newSecret(deps.random)
  const row: NewToken = {
    id,
    name,
    target: request.target,
    role,
    scopes,
    secretHash: await deps.hasher.hash(secret),
    expiresAt,
    refRules: request.refRules === undefined || request.refRules === null || request.refRules.length === 0 ? null : [...request.refRules],
    description,
  }
  return { row, token: formatToken(deps.tokenPrefix, id, secret) }
}

export async function mintToken(deps: MintDeps, request: MintRequest, actor: Actor): Promise<Minted> {
  // Before any lookup: bad input is reported first, and nothing is minted.
  requireTokenName(request.name)
  requireTokenDescription(request.description)
  const { expiresAt, notice } = chooseExpiry({
    requested: requireStoredExpiry(request.expiresAt),
    fallback: { kind: 'longest' },
    maxDays: deps.maxTokenLifetimeDays,
    nowMs: deps.clock.now(),
  })
  const target = await resolveTarget(deps.store, request.target)
  const { row, token } = await prepareToken(deps, { ...request, expiresAt, target })
  const written = await deps.store.createToken(
    row,
    auditNote(actor, 'token.created', row.id, tokenFacts(row)),
    // Project tokens only: group tokens, rotation and revocation are unaffected.
    target.kind === 'project' ? { requireProjectTokenCreation: topLevelGroup(target.path) } : {},
  )
  if (written.ok) return { record: written.value, token, notice }
  switch (written.conflict) {
    case 'project-token-creation-disabled':
      throw creationDisabled(topLevelGroup(target.path))
    case 'token-id-taken':
      throw tokenIdTaken(row.id)
    default:
      return assertNever(written.conflict, 'store conflict')
  }
}

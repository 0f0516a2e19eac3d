// Rotation: a new secret for the same grant (name, target, role, scopes, ref rules). The
// store inserts the replacement and revokes the old token in one transaction,
// so there is never a moment with both or neither working.
import type { Clock } from '../clock.js'
import { GitwardError } from '../errors.js'
import type { Actor, DateString, Store } from '../store/store.js'
import { expiryFromInput, utcDate } from './expiry-date.js'
import { prepareToken, type MintDeps, type Minted } from './mint-token.js'
import { requireTokenId } from './token-id.js'

export interface RotateRequest {
  id: string
  /** A new expiry date as typed (YYYY-MM-DD); without it the old date is kept. */
  expires?: string | undefined
}

export async function rotateToken(
  deps: MintDeps & { clock: Clock },
  request: RotateRequest,
  actor: Actor,
): Promise<Minted> {
  const id = requireTokenId(request.id)
  const now = deps.clock.now()
  const old = await requireToken(deps.store, id)
  if (old.revokedAt !== null) {
    throw new GitwardError(
      'INVALID_ARGUMENT',
      `the token ${id} was revoked at ${old.revokedAt} and cannot be rotated; create a new one with gitward token create.`,
    )
  }
  let expiresAt: DateString | null = expiryFromInput(request.expires, now)
  if (request.expires === undefined) {
    expiresAt = old.expiresAt
    // Keeping a date that has passed (or is today) would mint a dead token.
    if (expiresAt !== null && expiresAt <= utcDate(now)) {
      throw new GitwardError(
        'INVALID_ARGUMENT',
        `the token ${id} expires on ${expiresAt}, which is not after today; give the new token a later date with --expires YYYY-MM-DD.`,
      )
    }
  }
  const target = old.target.kind === 'project'
    ? { kind: 'project' as const, path: old.target.path }
    : { kind: 'group' as const, path: old.target.path }
  const { row, token } = await prepareToken(deps, {
    name: old.name,
    target,
    role: old.role,
    scopes: old.scopes,
    expiresAt,
    // The replacement keeps the grant whole, its ref limit included.
    refRules: old.refRules,
  })
  const record = await deps.store.rotateToken(id, row, actor)
  return { record, token }
}

async function requireToken(store: Store, id: string) {
  const token = await store.findToken(id)
  if (token === undefined) {
    throw new GitwardError('NOT_FOUND', `no token has the id "${id}"; see the ids with gitward token list --all.`)
  }
  return token
}

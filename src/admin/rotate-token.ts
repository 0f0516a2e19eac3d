// Rotation: a new secret for the same grant (name, target, role, scopes, ref rules). The
// store inserts the replacement and revokes the old token in one transaction,
// so there is never a moment with both or neither working; it re-checks there
// that the old token is still active, so two rotations racing each other
// cannot both succeed.
//
// Rotation is allowed even where project token creation is disabled: it
// replaces an existing grant, and blocking it would keep a leaked secret alive.
import type { Clock } from '../clock.js'
import { assertNever } from '../assert-never.js'
import { GitwardError } from '../errors.js'
import type { Actor } from '../model/audit.js'
import { isExpired, type DateString, type Timestamp } from '../model/dates.js'
import { auditNote, tokenFacts } from './audit-facts.js'
import { expiryFromInput } from './expiry-date.js'
import { noSuchToken, requireToken } from './find-token.js'
import { prepareToken, tokenIdTaken, type MintDeps, type Minted } from './mint-token.js'

export interface RotateRequest {
  id: string
  /** A new expiry date as typed (YYYY-MM-DD); without it the old date is kept. */
  expires?: string | undefined
}

const revokedCannotRotate = (id: string, revokedAt: Timestamp | null): GitwardError =>
  new GitwardError(
    'INVALID_ARGUMENT',
    `the token ${id} was revoked${revokedAt === null ? '' : ` at ${revokedAt}`} and cannot be rotated; create a new one with gitward token create.`,
  )

export async function rotateToken(
  deps: MintDeps & { clock: Clock },
  request: RotateRequest,
  actor: Actor,
): Promise<Minted> {
  const now = deps.clock.now()
  const newExpiry = expiryFromInput(request.expires, now)
  const old = await requireToken(deps.store, request.id)
  const id = old.id
  if (old.revokedAt !== null) throw revokedCannotRotate(id, old.revokedAt)
  let expiresAt: DateString | null = newExpiry
  if (request.expires === undefined) {
    expiresAt = old.expiresAt
    // Keeping a date that has passed (or is today, or is no date at all)
    // would mint a dead token.
    if (isExpired(expiresAt, now)) {
      throw new GitwardError(
        'INVALID_ARGUMENT',
        `the token ${id} expires on ${String(expiresAt)}, which is not after today; give the new token a later date with --expires YYYY-MM-DD.`,
      )
    }
  }
  const { row, token } = await prepareToken(deps, {
    name: old.name,
    target: old.target,
    role: old.role,
    scopes: old.scopes,
    expiresAt,
    // The replacement keeps the grant whole, its ref limit included.
    refRules: old.refRules,
  })
  const written = await deps.store.rotateToken(id, row, auditNote(actor, 'token.rotated', id, { replacement: row.id, ...tokenFacts(row) }))
  if (written.ok) return { record: written.value, token }
  switch (written.conflict) {
    case 'token-missing':
      throw noSuchToken(id)
    case 'token-revoked':
      // Revoked (or rotated) by someone else since it was read above.
      throw revokedCannotRotate(id, (await deps.store.findToken(id))?.revokedAt ?? null)
    case 'token-id-taken':
      throw tokenIdTaken(row.id)
    default:
      return assertNever(written.conflict, 'store conflict')
  }
}

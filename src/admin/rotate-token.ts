// Rotation: a new secret for the same grant (name, description, target,
// role, scopes, ref rules). Without a new expiry the replacement keeps the
// old token's lifetime (its expiry minus its creation date), counted from
// today and capped by max_token_lifetime_days (token-lifetime.ts). The
// store inserts the replacement and revokes the old token in one transaction,
// so there is never a moment with both or neither working; it re-checks there
// that the old token is still active, so two rotations racing each other
// cannot both succeed.
//
// Rotation is allowed even where project token creation is disabled: it
// replaces an existing grant, and blocking it would keep a leaked secret alive.
import { assertNever } from '../assert-never.js'
import { GitwardError } from '../errors.js'
import type { Actor } from '../model/audit.js'
import type { Timestamp } from '../model/dates.js'
import { auditNote, tokenFacts } from './audit-facts.js'
import { requestedExpiry } from './expiry-date.js'
import { chooseExpiry, type LifetimeFallback } from './token-lifetime.js'
import { noSuchToken, requireToken } from './find-token.js'
import { prepareToken, tokenIdTaken, type MintDeps, type Minted } from './mint-token.js'

export interface RotateRequest {
  id: string
  /** A new expiry date as typed (YYYY-MM-DD). */
  expires?: string | undefined
  /** Or a duration from today as typed (90d, 12w, 1y); not both. */
  expiresIn?: string | undefined
  /**
   * Without either: this many days from today (the HTTP API's week) instead
   * of the old token's lifetime. Capped by the limit either way.
   */
  defaultLifetimeDays?: number | undefined
}

const revokedCannotRotate = (id: string, revokedAt: Timestamp | null): GitwardError =>
  new GitwardError(
    'INVALID_ARGUMENT',
    `the token ${id} was revoked${revokedAt === null ? '' : ` at ${revokedAt}`} and cannot be rotated; create a new one with gitward token create.`,
  )

export async function rotateToken(deps: MintDeps, request: RotateRequest, actor: Actor): Promise<Minted> {
  const now = deps.clock.now()
  const requested = requestedExpiry({ expires: request.expires, expiresIn: request.expiresIn }, now)
  const old = await requireToken(deps.store, request.id)
  const id = old.id
  if (old.revokedAt !== null) throw revokedCannotRotate(id, old.revokedAt)
  const fallback: LifetimeFallback =
    request.defaultLifetimeDays === undefined ? { kind: 'keep', old } : { kind: 'days', days: request.defaultLifetimeDays }
  const { expiresAt, notice } = chooseExpiry({ requested, fallback, maxDays: deps.maxTokenLifetimeDays, nowMs: now })
  const { row, token } = await prepareToken(deps, {
    name: old.name,
    description: old.description,
    target: old.target,
    role: old.role,
    scopes: old.scopes,
    expiresAt,
    // The replacement keeps the grant whole, its ref limit included.
    refRules: old.refRules,
  })
  const written = await deps.store.rotateToken(id, row, auditNote(actor, 'token.rotated', id, { replacement: row.id, ...tokenFacts(row) }))
  if (written.ok) return { record: written.value, token, notice }
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

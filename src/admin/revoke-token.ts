// Revocation: the token fails on the very next request (the server reads the
// row on every request). Revoking twice is refused, so an administrator
// notices a typo'd id that happened to name an old token.
import { assertNever } from '../assert-never.js'
import { GitwardError } from '../errors.js'
import type { Actor } from '../model/audit.js'
import type { Timestamp } from '../model/dates.js'
import type { TokenRecord } from '../model/token.js'
import type { Store } from '../store/store.js'
import { auditNote, targetFacts } from './audit-facts.js'
import { noSuchToken, requireToken } from './find-token.js'

const alreadyRevoked = (id: string, revokedAt: Timestamp | null): GitwardError =>
  new GitwardError('INVALID_ARGUMENT', `the token ${id} was already revoked${revokedAt === null ? '' : ` at ${revokedAt}`}.`)

export async function revokeToken(deps: { store: Store }, request: { id: string }, actor: Actor): Promise<TokenRecord> {
  const token = await requireToken(deps.store, request.id)
  if (token.revokedAt !== null) throw alreadyRevoked(token.id, token.revokedAt)
  const written = await deps.store.revokeToken(token.id, auditNote(actor, 'token.revoked', token.id, { name: token.name, ...targetFacts(token) }))
  if (written.ok) return written.value
  switch (written.conflict) {
    case 'token-missing':
      throw noSuchToken(token.id)
    case 'token-revoked':
      throw alreadyRevoked(token.id, (await deps.store.findToken(token.id))?.revokedAt ?? null)
    default:
      return assertNever(written.conflict, 'store conflict')
  }
}

// The expiry report (gitward report tokens): which active tokens stop
// working within a window, so a CI token is replaced before a build breaks,
// and which never expire (a note: they break nothing, but live for ever).
// The caller decides what "something to report" means for its exit code.
import { isExpired, type DateString } from '../model/dates.js'
import type { TokenDetails } from '../model/token.js'
import type { Store } from '../store/store.js'
import { expiresWithin, withAddresses } from './list-tokens.js'
import { daysFromToday } from './token-lifetime.js'

export interface TokenExpiryReport {
  withinDays: number
  /** The last expiry date inside the window: today (UTC) + withinDays. */
  until: DateString
  /** Active tokens expiring by `until`, soonest first. */
  expiring: TokenDetails[]
  /** Active tokens without an expiry date. */
  neverExpiring: TokenDetails[]
}

export async function tokenExpiryReport(
  deps: { store: Store; clock: { now(): number } },
  request: { withinDays: number },
): Promise<TokenExpiryReport> {
  const now = deps.clock.now()
  const active = (await deps.store.listTokens({ includeRevoked: false })).filter(t => !isExpired(t.expiresAt, now))
  const expiring = active
    .filter(t => expiresWithin(t, request.withinDays, now))
    .sort((a, b) => (a.expiresAt ?? '').localeCompare(b.expiresAt ?? '') || a.id.localeCompare(b.id))
  const neverExpiring = active.filter(t => t.expiresAt === null)
  return {
    withinDays: request.withinDays,
    until: daysFromToday(request.withinDays, now),
    expiring: await withAddresses(deps.store, expiring),
    neverExpiring: await withAddresses(deps.store, neverExpiring),
  }
}

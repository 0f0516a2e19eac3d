// Token expiry dates, as pure functions of a string and "now".
//
// A token whose expiry date is D works while now < D 00:00 UTC, i.e. it stops
// working at the first instant of D. An administrator therefore picks the
// first day the token must NOT work, and a date of today or earlier would
// mint a token that is already dead, so it is refused.
import { GitwardError } from '../errors.js'
import type { DateString } from '../store/store.js'

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/

export type ExpiryParse = { ok: true; date: DateString } | { ok: false; message: string }

/** The UTC calendar date of an instant, as YYYY-MM-DD. */
export function utcDate(nowMs: number): DateString {
  return new Date(nowMs).toISOString().slice(0, 10)
}

/** True once `nowMs` has reached 00:00 UTC on `expiresAt`; never for null. */
export function isExpired(expiresAt: DateString | null, nowMs: number): boolean {
  if (expiresAt === null) return false
  return nowMs >= Date.parse(`${expiresAt}T00:00:00.000Z`)
}

/**
 * Validate an expiry date given on the command line: the exact form
 * YYYY-MM-DD, a real calendar date (no 2026-02-30), strictly after today's
 * UTC date.
 */
export function parseExpiryDate(raw: string, nowMs: number): ExpiryParse {
  const m = DATE.exec(raw)
  if (m === null) {
    return { ok: false, message: `the expiry date must be written YYYY-MM-DD, for example ${utcDate(nowMs + 30 * 86_400_000)}` }
  }
  const [, y, mo, d] = m as unknown as [string, string, string, string]
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d))
  // Date.UTC rolls 2026-02-30 over to 2026-03-02; a round trip exposes that.
  if (utcDate(ms) !== raw) {
    return { ok: false, message: `${raw} is not a calendar date` }
  }
  const today = utcDate(nowMs)
  if (raw <= today) {
    return {
      ok: false,
      message: `the expiry date ${raw} is not after today (${today} UTC); a token stops working at 00:00 UTC on its expiry date, so give a later date`,
    }
  }
  return { ok: true, date: raw }
}

/**
 * The expiry date for a command-line value: null when none was given,
 * otherwise a validated date. Throws INVALID_ARGUMENT with the reason.
 */
export function expiryFromInput(raw: string | undefined, nowMs: number): DateString | null {
  if (raw === undefined) return null
  const parsed = parseExpiryDate(raw, nowMs)
  if (!parsed.ok) throw new GitwardError('INVALID_ARGUMENT', `${parsed.message}.`)
  return parsed.date
}

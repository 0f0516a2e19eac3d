// Expiry dates as an administrator types them, as pure functions of a string
// and "now". (What "expired" means is src/model/dates.ts.)
//
// A token whose expiry date is D works while now < D 00:00 UTC, i.e. it stops
// working at the first instant of D. An administrator therefore picks the
// first day the token must NOT work, and a date of today or earlier would
// mint a token that is already dead, so it is refused.
import { GitwardError } from '../errors.js'
import { requireDays } from './duration.js'
import { daysFromToday } from './token-lifetime.js'
import { calendarDateStart, isExpired, utcDate, type DateString } from '../model/dates.js'

const DATE_FORM = /^\d{4}-\d{2}-\d{2}$/

export type ExpiryParse = { ok: true; date: DateString } | { ok: false; message: string }

const formMessage = (nowMs: number): string =>
  `the expiry date must be written YYYY-MM-DD, for example ${utcDate(nowMs + 30 * 86_400_000)}`

/**
 * Validate an expiry date given on the command line: the exact form
 * YYYY-MM-DD, a real calendar date (no 2026-02-30), strictly after today's
 * UTC date.
 */
export function parseExpiryDate(raw: string, nowMs: number): ExpiryParse {
  if (!DATE_FORM.test(raw)) return { ok: false, message: formMessage(nowMs) }
  if (calendarDateStart(raw) === null) return { ok: false, message: `${raw} is not a calendar date` }
  if (isExpired(raw, nowMs)) {
    return {
      ok: false,
      message: `the expiry date ${raw} is not after today (${utcDate(nowMs)} UTC); a token stops working at 00:00 UTC on its expiry date, so give a later date`,
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

/**
 * An already-typed expiry date about to be stored (any date, even a past
 * one: tests and imports may store those): null or a real calendar date.
 */
export function requireStoredExpiry(date: DateString | null): DateString | null {
  if (date === null || calendarDateStart(date) !== null) return date
  throw new GitwardError('INVALID_ARGUMENT', `the expiry date must be a real calendar date written YYYY-MM-DD.`)
}

/** What an administrator typed for a new token's expiry: an exact date or a duration from today. */
export interface ExpiryInput {
  /** --expires YYYY-MM-DD */
  expires?: string | undefined
  /** --expires-in 90d | 12w | 1y: that many days after today's UTC date. */
  expiresIn?: string | undefined
}

/**
 * The requested expiry date, validated: null when neither was given. Throws
 * INVALID_ARGUMENT for a bad value or for both at once.
 */
export function requestedExpiry(input: ExpiryInput, nowMs: number): DateString | null {
  if (input.expires !== undefined && input.expiresIn !== undefined) {
    throw new GitwardError('INVALID_ARGUMENT', 'give either --expires YYYY-MM-DD or --expires-in 90d, not both.')
  }
  if (input.expiresIn !== undefined) return daysFromToday(requireDays(input.expiresIn, '--expires-in'), nowMs)
  return expiryFromInput(input.expires, nowMs)
}

// Times and calendar dates, and the one definition of "expired".
//
// A token whose expiry date is D works while now < D 00:00 UTC: it stops
// working at the first instant of D.
//
// Threat: a stored date that is not a real calendar date (written by hand,
// by a broken build or a restored backup) must never keep a token alive.
// Date.parse('2020-13-01T00:00:00Z') is NaN and `now >= NaN` is false, so a
// naive comparison fails OPEN. Here a date that does not parse as a real
// calendar day counts as expired.

/** ISO-8601 UTC timestamp, e.g. 2026-11-29T19:12:30.000Z (from the injected clock). */
export type Timestamp = string
/** Calendar date in UTC, YYYY-MM-DD. */
export type DateString = string

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/

/** The UTC calendar date of an instant, as YYYY-MM-DD. */
export function utcDate(nowMs: number): DateString {
  return new Date(nowMs).toISOString().slice(0, 10)
}

/** The ISO-8601 UTC timestamp of an instant. */
export const timestamp = (nowMs: number): Timestamp => new Date(nowMs).toISOString()

/**
 * 00:00 UTC of a calendar date written exactly YYYY-MM-DD, in milliseconds;
 * null for anything else, including dates that do not exist (2026-02-30,
 * 2020-13-01).
 */
export function calendarDateStart(raw: string): number | null {
  const m = DATE.exec(raw)
  if (m === null) return null
  const [, y, mo, d] = m as unknown as [string, string, string, string]
  // setUTCFullYear, unlike Date.UTC, keeps years 0000-0099 as written.
  const ms = new Date(0).setUTCFullYear(Number(y), Number(mo) - 1, Number(d))
  // The month and day roll over (2026-02-30 becomes 2026-03-02); a round
  // trip exposes that.
  return utcDate(ms) === raw ? ms : null
}

export const isCalendarDate = (raw: string): boolean => calendarDateStart(raw) !== null

/**
 * True once `nowMs` has reached 00:00 UTC on `expiresAt`; never for null.
 * A date that is not a real calendar date is expired (fail closed).
 */
export function isExpired(expiresAt: DateString | null, nowMs: number): boolean {
  if (expiresAt === null) return false
  const start = calendarDateStart(expiresAt)
  return start === null || nowMs >= start
}

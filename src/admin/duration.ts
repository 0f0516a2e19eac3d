// Durations as an administrator types them on the command line: 90d, 12w,
// 1y, always whole days (a year is 365 days). One parser for --expires-in,
// --expiring-within, --unused-since and report --within.
import { GitwardError } from '../errors.js'

const FORM = /^([1-9][0-9]{0,4})([dwy])$/
const UNIT_DAYS = { d: 1, w: 7, y: 365 } as const

/** Days in a duration such as 90d, 12w or 1y; null for anything else. */
export function parseDays(raw: string): number | null {
  const m = FORM.exec(raw.trim())
  if (m === null) return null
  const [, count, unit] = m as unknown as [string, string, keyof typeof UNIT_DAYS]
  return Number(count) * UNIT_DAYS[unit]
}

/** The days of `raw`, or INVALID_ARGUMENT naming `flag`. (The value is not echoed: it may hold escapes.) */
export function requireDays(raw: string, flag: string): number {
  const days = parseDays(raw)
  if (days === null) {
    throw new GitwardError(
      'INVALID_ARGUMENT',
      `${flag} takes a whole number of days, weeks or years written like 90d, 12w or 1y (a year is 365 days).`,
    )
  }
  return days
}

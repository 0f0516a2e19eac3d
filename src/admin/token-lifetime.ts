// The token lifetime policy, max_token_lifetime_days (0 = no limit), as
// GitLab enforces it since 16.0: a token is never minted with an expiry
// further away than the limit, and one created or rotated without an
// expiry gets a bounded one instead of living for ever, with a notice
// saying so (scripts that never passed --expires keep working).
//
// Pure: plain values in, a date and a notice out (or a refusal). The CLI's
// create and rotate and the HTTP API's (whose rotation default is a week)
// all come through chooseExpiry, so the limit is written once.
//
// Dates are whole UTC days: "N days" means the token stops working at
// 00:00 UTC on today's UTC date + N (see src/model/dates.ts).
import { assertNever } from '../assert-never.js'
import { GitwardError } from '../errors.js'
import { calendarDateStart, utcDate, type DateString, type Timestamp } from '../model/dates.js'

export const LIFETIME_SETTING = 'max_token_lifetime_days'
const DAY_MS = 86_400_000

/** Today's UTC date plus `days` days. */
export function daysFromToday(days: number, nowMs: number): DateString {
  const today = calendarDateStart(utcDate(nowMs)) ?? nowMs
  return utcDate(today + days * DAY_MS)
}

/** The latest expiry date the limit allows today; null when there is no limit. */
export function latestAllowedExpiry(maxDays: number, nowMs: number): DateString | null {
  return maxDays === 0 ? null : daysFromToday(maxDays, nowMs)
}

/**
 * A token's lifetime in whole days: from its creation date (UTC) to its
 * expiry date. null when it never expires; undefined when a stored value
 * is not a date (the caller must not guess).
 */
export function lifetimeDays(token: { expiresAt: DateString | null; createdAt: Timestamp }): number | null | undefined {
  if (token.expiresAt === null) return null
  const end = calendarDateStart(token.expiresAt)
  const createdMs = Date.parse(token.createdAt)
  if (end === null || Number.isNaN(createdMs)) return undefined
  const start = calendarDateStart(utcDate(createdMs)) ?? createdMs
  return Math.max(1, Math.round((end - start) / DAY_MS))
}

/** What a token gets when no expiry was asked for. */
export type LifetimeFallback =
  /** The longest the limit allows (never, without a limit): create. */
  | { kind: 'longest' }
  /** This many days, capped by the limit: the HTTP API's rotation (7). */
  | { kind: 'days'; days: number }
  /** The lifetime of the token being replaced, capped by the limit: the CLI's rotation. */
  | { kind: 'keep'; old: { id: string; expiresAt: DateString | null; createdAt: Timestamp } }

export interface ExpiryChoice {
  /** null = never expires (only possible with no limit). */
  expiresAt: DateString | null
  /** One sentence for the administrator (stderr) when the policy chose the date; null when they did. */
  notice: string | null
}

export interface ExpiryRequest {
  /** The expiry asked for, already a valid date after today (expiry-date.ts); null = none given. */
  requested: DateString | null
  fallback: LifetimeFallback
  /** max_token_lifetime_days; 0 = no limit. */
  maxDays: number
  nowMs: number
}

const stops = (date: DateString): string => `stops working at 00:00 UTC on ${date}`

export const beyondLimit = (requested: DateString, maxDays: number, latest: DateString): GitwardError =>
  new GitwardError(
    'INVALID_ARGUMENT',
    `the expiry ${requested} is more than ${maxDays} days away, longer than ${LIFETIME_SETTING} allows; give ${latest} or earlier.`,
  )

/**
 * The expiry of a token about to be minted. Throws INVALID_ARGUMENT when the
 * requested date lies beyond the limit (nothing is minted).
 */
export function chooseExpiry(request: ExpiryRequest): ExpiryChoice {
  const { requested, fallback, maxDays, nowMs } = request
  const latest = latestAllowedExpiry(maxDays, nowMs)
  if (requested !== null) {
    if (latest !== null && (calendarDateStart(requested) ?? Infinity) > (calendarDateStart(latest) ?? 0)) {
      throw beyondLimit(requested, maxDays, latest)
    }
    return { expiresAt: requested, notice: null }
  }
  const limitText = latest === null ? `${LIFETIME_SETTING} is 0, no limit` : `${LIFETIME_SETTING} is ${maxDays}`
  switch (fallback.kind) {
    case 'longest':
      if (latest === null) return { expiresAt: null, notice: null }
      return {
        expiresAt: latest,
        notice: `No expiry was given, so the token ${stops(latest)}, the latest ${LIFETIME_SETTING} (${maxDays}) allows.`,
      }
    case 'days': {
      const capped = latest !== null && fallback.days > maxDays
      const date = daysFromToday(capped ? maxDays : fallback.days, nowMs)
      return {
        expiresAt: date,
        notice: capped
          ? `No expiry was given, so the token ${stops(date)}: ${fallback.days} days, capped at ${maxDays} by ${LIFETIME_SETTING}.`
          : `No expiry was given, so the token ${stops(date)}, ${fallback.days} days from today (${limitText}).`,
      }
    }
    case 'keep': {
      const days = lifetimeDays(fallback.old)
      if (days === undefined) {
        throw new GitwardError(
          'INVALID_ARGUMENT',
          `the token ${fallback.old.id} has no readable lifetime to keep; give the new token one with --expires YYYY-MM-DD or --expires-in 90d.`,
        )
      }
      if (days === null) {
        // A never-expiring token rotated without a limit stays never-expiring.
        if (latest === null) return { expiresAt: null, notice: null }
        return {
          expiresAt: latest,
          notice: `No expiry was given and the old token never expired, so the new one ${stops(latest)}, the latest ${LIFETIME_SETTING} (${maxDays}) allows.`,
        }
      }
      const capped = latest !== null && days > maxDays
      const date = daysFromToday(capped ? maxDays : days, nowMs)
      return {
        expiresAt: date,
        notice: capped
          ? `No expiry was given, so the new token ${stops(date)}: the old one's lifetime of ${days} days, capped at ${maxDays} by ${LIFETIME_SETTING}.`
          : `No expiry was given, so the new token keeps the old one's lifetime of ${days} days and ${stops(date)} (${limitText}).`,
      }
    }
    default:
      return assertNever(fallback, 'lifetime fallback')
  }
}

// The clock: token expiry, bans and the audit trail are all read from it. A
// clock far in the past (a machine without a battery and without NTP) would
// revive expired tokens; one that went back since the last change shows as
// an audit entry from the future.
import { fail, ok, warn, type CheckResult } from './check-result.js'

/** No clock set before this date is believable (gitward did not exist). */
const EARLIEST = Date.parse('2025-01-01T00:00:00Z')
const SLACK_MS = 5 * 60_000

export function checkClock(nowMs: number, newestRecorded: string | null): CheckResult {
  const now = new Date(nowMs).toISOString()
  if (nowMs < EARLIEST) {
    return fail('clock', `the system clock says ${now}, which cannot be right`, 'set the time and keep it set: timedatectl set-ntp true')
  }
  if (newestRecorded !== null && Date.parse(newestRecorded) > nowMs + SLACK_MS) {
    return warn('clock', `the system clock says ${now}, but the database has a change from ${newestRecorded}: the clock went back, or was ahead then`, 'check time synchronisation: timedatectl status')
  }
  return ok('clock', `the system clock says ${now}${newestRecorded === null ? '' : `; the newest recorded change (${newestRecorded}) is not later`}`)
}

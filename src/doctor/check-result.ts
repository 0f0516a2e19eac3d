// What one doctor check found: OK, WARN (works, but fix it before it bites)
// or FAIL (gitward cannot serve, or serves wrongly), with the fix in words.
export type CheckStatus = 'ok' | 'warn' | 'fail'

export interface CheckResult {
  /** Dotted name of the check, e.g. database.integrity. */
  check: string
  status: CheckStatus
  message: string
  /** What to do about a WARN or FAIL; null for OK. */
  fix: string | null
}

export const ok = (check: string, message: string): CheckResult => ({ check, status: 'ok', message, fix: null })
export const warn = (check: string, message: string, fix: string): CheckResult => ({ check, status: 'warn', message, fix })
export const fail = (check: string, message: string, fix: string): CheckResult => ({ check, status: 'fail', message, fix })

/** The worst status of all checks: what the exit code reports. */
export function overall(results: readonly CheckResult[]): CheckStatus {
  if (results.some(r => r.status === 'fail')) return 'fail'
  if (results.some(r => r.status === 'warn')) return 'warn'
  return 'ok'
}

// Owner and mode of gitward's files, judged against the user the doctor runs
// as, which should be the service user (run it as `gw doctor`, see
// docs/deploy.md). Threat: the database holds token hashes and the audit
// trail; a group- or world-readable file, or one another user owns and can
// therefore rewrite, undoes the 0600 gitward creates it with.
import type { Stats } from 'node:fs'
import { fail, ok, warn, type CheckResult } from './check-result.js'

export interface Identity {
  uid: number
  name: string
}

const octal = (mode: number): string => `0${(mode & 0o777).toString(8)}`

/**
 * `what` is a file that only the service user may read (the database, mode
 * 0600), or a directory the service user owns that others may at most read
 * (`maxMode` 0750 for the repositories root).
 */
export function checkOwnerAndMode(check: string, what: string, path: string, stats: Stats, me: Identity, maxMode: number): CheckResult {
  if (stats.uid !== me.uid) {
    return warn(
      check,
      `${what} ${path} belongs to uid ${stats.uid}, not to ${me.name} (uid ${me.uid}) who runs this check`,
      `run doctor as the service user (gw doctor), or give it to that user: chown -R gitward: ${path}`,
    )
  }
  const extra = stats.mode & 0o777 & ~maxMode
  if (extra !== 0) {
    return warn(
      check,
      `${what} ${path} has mode ${octal(stats.mode)}; at most ${octal(maxMode)} is expected`,
      `chmod ${octal(stats.mode & maxMode)} ${path}`,
    )
  }
  return ok(check, `${what} ${path}: owner ${me.name}, mode ${octal(stats.mode)}`)
}

export function missing(check: string, what: string, path: string, fix: string): CheckResult {
  return fail(check, `${what} ${path} does not exist`, fix)
}

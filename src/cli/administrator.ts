// Who the audit trail names for a change made from the command line: the
// administrator, not the service account the command runs as. Through
// `sudo` (or `sudo -i` followed by runuser, as docs/deploy.md's gw does) the
// OS user is gitward or root, and SUDO_USER names the person who typed the
// password. Anyone who can run gitward as the service user can also write
// any audit entry, so this names the administrator for honest ones; it is
// not a defence against a dishonest one.
import { GitwardError } from '../errors.js'

export function administrator(env: Readonly<Record<string, string | undefined>>, osUser: string): string {
  const sudoUser = env['SUDO_USER']
  return sudoUser !== undefined && /^[A-Za-z0-9._-]{1,64}$/.test(sudoUser) ? sudoUser : osUser
}

const MAX_REASON = 200

/**
 * An optional --reason, recorded with the change: one line of plain text.
 * Threat: a token pasted into the wrong option would sit in the audit trail
 * for ever; anything token-shaped is refused, so nothing is recorded.
 */
export function parseReason(raw: string | undefined, tokenPatterns: readonly RegExp[]): string | null {
  if (raw === undefined) return null
  const reason = raw.trim()
  if (reason === '') throw new GitwardError('INVALID_ARGUMENT', '--reason must not be empty.')
  if (reason.length > MAX_REASON) throw new GitwardError('INVALID_ARGUMENT', `--reason must be at most ${MAX_REASON} characters.`)
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(reason)) throw new GitwardError('INVALID_ARGUMENT', '--reason must be one line of text.')
  if (tokenPatterns.some(p => new RegExp(p.source, p.flags.replace('g', '')).test(reason))) {
    throw new GitwardError('INVALID_ARGUMENT', '--reason looks like it contains an access token; nothing was changed or recorded.')
  }
  return reason
}

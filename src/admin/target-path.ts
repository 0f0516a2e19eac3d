// Paths typed by an administrator, checked with the one path validator
// (src/git/repo-path.ts) and turned into one-sentence errors.
import { GitwardError } from '../errors.js'
import { checkRepoPath, topLevelGroup } from '../git/repo-path.js'

export function requirePath(raw: string, what: 'project' | 'group'): string {
  const check = checkRepoPath(raw)
  if (!check.ok) throw new GitwardError('INVALID_PATH', `"${raw}" is not a valid ${what} path: ${check.rule}.`)
  return check.path
}

/** Group settings belong to top-level groups only (acme, not acme/sub). */
export function requireTopLevelGroup(raw: string): string {
  const path = requirePath(raw, 'group')
  if (path.includes('/')) {
    throw new GitwardError(
      'INVALID_ARGUMENT',
      `"${path}" is not a top-level group; this setting applies to a whole top-level group such as "${topLevelGroup(path)}".`,
    )
  }
  return path
}

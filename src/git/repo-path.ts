// The single definition of a valid project or group path. The store, the CLI
// and request classification all call this, so an administrator can never
// register a path that the proxy would read differently, and the proxy can
// never forward a path the store would not accept. Traversal is refused here
// and nowhere else.

export const MAX_PATH_LENGTH = 255
export const MAX_SEGMENTS = 20
const SEGMENT = /^[A-Za-z0-9._-]+$/

export type PathCheck =
  | { ok: true; path: string; segments: readonly string[] }
  | { ok: false; rule: string }

/**
 * Validate a project or group path such as `group/sub/project`. A trailing
 * `.git` is removed first (only once, only at the end), so `a/b.git` and
 * `a/b` name the same project. The result is the canonical path.
 */
export function checkRepoPath(raw: string): PathCheck {
  let path = raw
  if (path.endsWith('.git')) path = path.slice(0, -'.git'.length)
  if (path.length === 0) return { ok: false, rule: 'a path must not be empty' }
  if (path.length > MAX_PATH_LENGTH) {
    return { ok: false, rule: `a path must be at most ${MAX_PATH_LENGTH} characters long` }
  }
  const segments = path.split('/')
  if (segments.length > MAX_SEGMENTS) {
    return { ok: false, rule: `a path must have at most ${MAX_SEGMENTS} segments separated by "/"` }
  }
  for (const segment of segments) {
    if (segment === '') {
      return { ok: false, rule: 'a path must not start or end with "/" or contain "//"' }
    }
    if (!SEGMENT.test(segment)) {
      return {
        ok: false,
        rule: 'each path segment may contain only letters, digits, ".", "_" and "-"',
      }
    }
    // Covers "." and ".." (traversal) and hidden names like ".ssh".
    if (segment.startsWith('.')) {
      return { ok: false, rule: 'a path segment must not start with "." (so "." and ".." are refused)' }
    }
    // A leading "-" could be read as an option by git or another tool.
    if (segment.startsWith('-')) {
      return { ok: false, rule: 'a path segment must not start with "-"' }
    }
    // `a/b.git/c` would put a repository inside another repository's directory.
    if (segment.endsWith('.git')) {
      return { ok: false, rule: 'only the last path segment may end in ".git"' }
    }
  }
  return { ok: true, path, segments }
}

/**
 * True when `path` is `group` itself or lies below it at a segment boundary:
 * `acme` covers `acme/app` and `acme/sub/app`, never `acme-evil/app`.
 */
export function isWithinGroup(path: string, group: string): boolean {
  return path === group || path.startsWith(group + '/')
}

/** The top-level group of a path: `acme` for `acme/sub/app`. */
export function topLevelGroup(path: string): string {
  const slash = path.indexOf('/')
  return slash === -1 ? path : path.slice(0, slash)
}

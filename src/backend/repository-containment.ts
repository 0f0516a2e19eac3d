// Decides whether a repository may be handed to git: it must be a real bare
// repository whose resolved location lies inside the repository root.
//
// Threats: a symlink (the repository itself or any parent directory) that
// points outside the root would let a valid project path serve some other
// directory on the machine; a gitfile (`app.git` as a file saying
// `gitdir: /elsewhere`) does the same through git's own indirection; and
// git's lenient repository lookup tries `<dir>/.git`, then `<dir>`, then
// `<dir>.git/.git` and `<dir>.git`, so a `.git` entry inside the repository
// or a directory that is not a repository would make git open a path other
// than the one checked here.
//
// The checks are synchronous system calls on the event loop. They read the
// metadata of a directory git opens right afterwards, so they are as fast as
// that; through fs/promises each of the seven was a round trip to libuv's
// thread pool (two thread wake-ups and an eventfd each) on every request.
import { lstatSync, realpathSync, statSync } from 'node:fs'
import path from 'node:path'
import { assertNever } from '../assert-never.js'

export type ContainmentRefusal =
  | 'missing'
  | 'not-a-directory'
  | 'outside-root'
  | 'not-a-repository'
  | 'nested-git-entry'

export type ContainmentResult =
  | { ok: true; gitDir: string; realGitDir: string }
  | { ok: false; reason: ContainmentRefusal }

const isMissing = (err: unknown): boolean => {
  const code = (err as { code?: unknown }).code
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP'
}

/** Human-readable text for a refusal, for logs. */
export function describeRefusal(reason: ContainmentRefusal): string {
  switch (reason) {
    case 'missing':
      return 'the repository does not exist'
    case 'not-a-directory':
      return 'the repository path is not a directory (a file or gitfile)'
    case 'outside-root':
      return 'the repository resolves to a location outside the repository root'
    case 'not-a-repository':
      return 'the directory is not a bare git repository'
    case 'nested-git-entry':
      return 'the repository contains a .git entry that git would follow instead'
    default:
      assertNever(reason, 'refusal')
  }
}

/**
 * Check `<root>/<project>.git`. `project` must already have passed
 * checkRepoPath. Errors other than "does not exist" are thrown: they mean
 * the root itself is unreadable, which is an infrastructure failure.
 */
export async function checkRepositoryContainment(
  root: string,
  project: string,
): Promise<ContainmentResult> {
  const gitDir = path.join(root, `${project}.git`)
  const realRoot = realpathSync.native(root)
  let realGitDir: string
  try {
    const st = statSync(gitDir)
    if (!st.isDirectory()) return { ok: false, reason: 'not-a-directory' }
    realGitDir = realpathSync.native(gitDir)
  } catch (err) {
    if (isMissing(err)) return { ok: false, reason: 'missing' }
    throw err
  }
  // The trailing separator keeps `/srv/git-evil` from counting as inside
  // `/srv/git`; the root itself is not a repository either.
  if (!realGitDir.startsWith(realRoot.endsWith(path.sep) ? realRoot : realRoot + path.sep)) {
    return { ok: false, reason: 'outside-root' }
  }
  try {
    lstatSync(path.join(realGitDir, '.git'))
    return { ok: false, reason: 'nested-git-entry' }
  } catch (err) {
    if (!isMissing(err)) throw err
  }
  try {
    const head = statSync(path.join(realGitDir, 'HEAD'))
    const objects = statSync(path.join(realGitDir, 'objects'))
    const refs = statSync(path.join(realGitDir, 'refs'))
    if (!head.isFile() || !objects.isDirectory() || !refs.isDirectory()) {
      return { ok: false, reason: 'not-a-repository' }
    }
  } catch (err) {
    if (isMissing(err)) return { ok: false, reason: 'not-a-repository' }
    throw err
  }
  return { ok: true, gitDir, realGitDir }
}

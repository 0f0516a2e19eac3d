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
import * as fs from 'node:fs/promises'
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
  const realRoot = await fs.realpath(root)
  let realGitDir: string
  try {
    const st = await fs.stat(gitDir)
    if (!st.isDirectory()) return { ok: false, reason: 'not-a-directory' }
    realGitDir = await fs.realpath(gitDir)
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
    await fs.lstat(path.join(realGitDir, '.git'))
    return { ok: false, reason: 'nested-git-entry' }
  } catch (err) {
    if (!isMissing(err)) throw err
  }
  try {
    const [head, objects, refs] = await Promise.all([
      fs.stat(path.join(realGitDir, 'HEAD')),
      fs.stat(path.join(realGitDir, 'objects')),
      fs.stat(path.join(realGitDir, 'refs')),
    ])
    if (!head.isFile() || !objects.isDirectory() || !refs.isDirectory()) {
      return { ok: false, reason: 'not-a-repository' }
    }
  } catch (err) {
    if (isMissing(err)) return { ok: false, reason: 'not-a-repository' }
    throw err
  }
  return { ok: true, gitDir, realGitDir }
}

// Creates <root>/<path>.git as a bare repository, or adopts one that already
// exists there when the administrator says so (--adopt): registering a
// directory nobody meant to publish must be a deliberate act.
//
// Threat: writing outside the repositories root. The path was already checked
// by checkRepoPath (no "..", no leading "."), but a directory inside the root
// could be a symlink to /etc or another user's home. So parent directories are
// created one segment at a time, and after each step the real path (symlinks
// resolved) must still be inside the root's real path. The repository
// directory itself is created with mkdir, which never follows a symlink, and
// git then runs inside it.
import fs from 'node:fs'
import path from 'node:path'
import { GitwardError } from '../errors.js'
import { checkRepoPath } from '../git/repo-path.js'
import type { RunGit } from './run-git.js'
import { branchNameProblem } from '../git/ref-name.js'
import { makeDirectories } from '../make-directories.js'

export interface BareRepository {
  /** Real path of the repository directory. */
  dir: string
  /** False when an existing bare repository was adopted. */
  created: boolean
  /** Undo the creation (nothing for an adopted repository). */
  remove(): Promise<void>
}

export interface CreateBareRepositoryOptions {
  root: string
  /** A project path such as acme/app (a trailing .git is accepted). */
  path: string
  defaultBranch: string
  runGit: RunGit
  /** Adopt an existing bare repository at the place instead of refusing. */
  adopt?: boolean
  /** The effective uid of this process (default: the real one); 0 hands new files to the root's owner. */
  euid?: number
}

const DIR_MODE = 0o750

const errnoCode = (e: unknown): string | undefined => (e as NodeJS.ErrnoException | undefined)?.code

function repoError(message: string, cause?: unknown): GitwardError {
  return new GitwardError('REPOSITORY_ERROR', message, { cause })
}

export function isInside(child: string, root: string): boolean {
  const rel = path.relative(root, child)
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel)
}

/** What git itself checks: HEAD, objects/ and refs/ directly in the directory. */
export function looksLikeBareRepository(dir: string): boolean {
  try {
    return (
      fs.statSync(path.join(dir, 'HEAD')).isFile() &&
      fs.statSync(path.join(dir, 'objects')).isDirectory() &&
      fs.statSync(path.join(dir, 'refs')).isDirectory()
    )
  } catch {
    return false
  }
}

function checkBranch(branch: string): void {
  // Refused here with git's own rules rather than by `git init` (exit 3,
  // after directories were made); the config loader has normally refused it already.
  const problem = branchNameProblem(branch)
  if (problem !== undefined) {
    throw new GitwardError('INVALID_ARGUMENT', `"${branch}" is not a valid branch name: ${problem}.`)
  }
}

function realInside(candidate: string, rootReal: string, shown: string): string {
  let real: string
  try {
    real = fs.realpathSync(candidate)
  } catch (e) {
    throw repoError(`cannot resolve ${candidate} (${errnoCode(e) ?? 'error'}).`, e)
  }
  if (!isInside(real, rootReal)) {
    throw repoError(`refusing to create ${shown}: ${candidate} leads outside the repositories root ${rootReal} (a symbolic link?).`)
  }
  return real
}

function removeQuietly(created: readonly string[], repoDir: string | null): void {
  if (repoDir !== null) fs.rmSync(repoDir, { recursive: true, force: true })
  // Parents only if still empty: another project may have been created in
  // them meanwhile.
  for (const dir of [...created].reverse()) {
    try {
      fs.rmdirSync(dir)
    } catch {
      // not empty or already gone
    }
  }
}

/**
 * An administrator running `repo create` as root would otherwise leave
 * root-owned 0750 directories that the service user cannot read, failing
 * every client with 500. New files belong to whoever owns the root.
 */
function handToRootOwner(rootReal: string, created: readonly string[], euid: number): void {
  if (euid !== 0) return
  const { uid, gid } = fs.statSync(rootReal)
  if (uid === 0 && gid === 0) return
  const walk = (p: string): void => {
    fs.lchownSync(p, uid, gid)
    if (fs.lstatSync(p).isDirectory()) for (const name of fs.readdirSync(p)) walk(path.join(p, name))
  }
  // Parents are taken alone (they may hold other projects); the repository whole.
  for (const dir of created.slice(0, -1)) fs.lchownSync(dir, uid, gid)
  const repo = created[created.length - 1]
  if (repo !== undefined) walk(repo)
}

export async function createBareRepository(options: CreateBareRepositoryOptions): Promise<BareRepository> {
  const check = checkRepoPath(options.path)
  if (!check.ok) throw new GitwardError('INVALID_PATH', `"${options.path}" is not a valid project path: ${check.rule}.`)
  checkBranch(options.defaultBranch)
  const shown = `${check.path}.git`

  try {
    makeDirectories(options.root, DIR_MODE)
  } catch (e) {
    throw repoError(`cannot create the repositories root ${options.root} (${errnoCode(e) ?? 'error'}).`, e)
  }
  let rootReal: string
  try {
    rootReal = fs.realpathSync(options.root)
  } catch (e) {
    throw repoError(`cannot resolve the repositories root ${options.root} (${errnoCode(e) ?? 'error'}).`, e)
  }

  const createdParents: string[] = []
  let current = rootReal
  try {
    for (const segment of check.segments.slice(0, -1)) {
      const next = path.join(current, segment)
      try {
        fs.mkdirSync(next, { mode: DIR_MODE })
        createdParents.push(next)
      } catch (e) {
        if (errnoCode(e) !== 'EEXIST') throw repoError(`cannot create ${next} (${errnoCode(e) ?? 'error'}).`, e)
      }
      current = realInside(next, rootReal, shown)
      if (!fs.statSync(current).isDirectory()) throw repoError(`cannot create ${shown}: ${next} is not a directory.`)
    }
  } catch (e) {
    removeQuietly(createdParents, null)
    throw e
  }

  const last = check.segments[check.segments.length - 1] as string
  const target = path.join(current, `${last}.git`)
  try {
    fs.mkdirSync(target, { mode: DIR_MODE })
  } catch (e) {
    if (errnoCode(e) !== 'EEXIST') {
      removeQuietly(createdParents, null)
      throw repoError(`cannot create ${target} (${errnoCode(e) ?? 'error'}).`, e)
    }
    const real = realInside(target, rootReal, shown)
    if (!looksLikeBareRepository(real)) {
      throw repoError(`${target} already exists but is not a bare git repository; move it away or choose another path.`)
    }
    if (options.adopt !== true) {
      throw new GitwardError(
        'ALREADY_EXISTS',
        `the bare repository ${real} already exists; add --adopt to register it as ${check.path}, or choose another path.`,
      )
    }
    return { dir: real, created: false, remove: async () => {} }
  }

  try {
    await options.runGit(['init', '--bare', '--quiet', `--initial-branch=${options.defaultBranch}`], { cwd: target })
    // Bare repositories keep no reflog by default; with one, every push is
    // recorded with the bot name of the token that made it (REMOTE_USER).
    await options.runGit(['config', 'core.logAllRefUpdates', 'true'], { cwd: target })
  } catch (e) {
    removeQuietly(createdParents, target)
    throw e
  }
  try {
    handToRootOwner(rootReal, [...createdParents, target], options.euid ?? process.geteuid?.() ?? -1)
  } catch (e) {
    removeQuietly(createdParents, target)
    throw repoError(`cannot give ${target} to the owner of ${rootReal} (${errnoCode(e) ?? 'error'}).`, e)
  }
  return {
    dir: target,
    created: true,
    remove: async () => removeQuietly(createdParents, target),
  }
}

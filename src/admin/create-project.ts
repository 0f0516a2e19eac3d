// Registering a project: validate the path and visibility, create (or adopt)
// its bare repository when a repositories root is configured, then record it.
// If the record cannot be written, a repository created by this call is
// removed again, so a failed command leaves nothing behind.
import { GitwardError } from '../errors.js'
import { DEFAULT_BRANCH_PROTECTIONS, isDefaultBranchProtection, type DefaultBranchProtection } from '../model/protection.js'
import { silentLogger, type Logger } from '../log/logger.js'
import type { Actor } from '../model/audit.js'
import type { Project } from '../model/project.js'
import type { Visibility } from '../model/visibility.js'
import { createBareRepository } from '../repo/create-bare-repository.js'
import type { RunGit } from '../repo/run-git.js'
import type { Store } from '../store/store.js'
import { requirePath } from './target-path.js'
import { requireVisibility } from './visibility-input.js'
import { auditNote } from './audit-facts.js'

export interface CreateProjectDeps {
  store: Store
  /** Absolute repositories root, or null to register without creating a repository. */
  reposRoot: string | null
  defaultBranch: string
  /** default_branch_protection from the config: how a new project's default branch is protected. */
  defaultBranchProtection: string
  runGit: RunGit
  logger?: Logger
}

export interface CreateProjectRequest {
  path: string
  visibility: string
  /** Register an existing bare repository at the project's place instead of refusing it. */
  adopt?: boolean
}

export interface CreatedProject {
  project: Project
  repository: { dir: string; created: boolean } | null
}

const alreadyRegistered = (path: string): GitwardError =>
  new GitwardError('ALREADY_EXISTS', `the project "${path}" is already registered.`)

/** Check a request without the database or the disk (bad input changes nothing). */
export function checkCreateProject(request: CreateProjectRequest): { path: string; visibility: Visibility } {
  return { path: requirePath(request.path, 'project'), visibility: requireVisibility(request.visibility) }
}

export async function createProject(
  deps: CreateProjectDeps,
  request: CreateProjectRequest,
  actor: Actor,
): Promise<CreatedProject> {
  const { path, visibility } = checkCreateProject(request)
  if (!isDefaultBranchProtection(deps.defaultBranchProtection)) {
    throw new GitwardError(
      'INVALID_CONFIG',
      `unknown default_branch_protection "${deps.defaultBranchProtection}"; use one of ${DEFAULT_BRANCH_PROTECTIONS.join(', ')}.`,
    )
  }
  const defaultBranchProtection: DefaultBranchProtection = deps.defaultBranchProtection
  if ((await deps.store.findProject(path)) !== undefined) throw alreadyRegistered(path)
  // Threat: on a case-insensitive filesystem (macOS, Windows, ext4 casefold)
  // Acme/App and acme/app are one directory, so registering the second would
  // hand the first one's repository to other tokens and another visibility.
  const folded = caseFold(path)
  const twin = (await deps.store.listProjects()).find(p => caseFold(p.path) === folded)
  if (twin !== undefined) {
    throw new GitwardError(
      'ALREADY_EXISTS',
      `the project "${path}" differs from the registered project "${twin.path}" only in letter case, and would share its repository on a case-insensitive filesystem; choose another path.`,
    )
  }

  const repo = deps.reposRoot === null
    ? null
    : await createBareRepository({
        root: deps.reposRoot,
        path,
        defaultBranch: deps.defaultBranch,
        runGit: deps.runGit,
        adopt: request.adopt === true,
      })
  try {
    const written = await deps.store.createProject(
      { path, visibility, defaultBranch: deps.defaultBranch, defaultBranchProtection },
      auditNote(actor, 'project.created', path, { visibility, defaultBranch: deps.defaultBranch, defaultBranchProtection }),
    )
    // Registered by someone else since the check above.
    if (!written.ok) throw alreadyRegistered(path)
    return { project: written.value, repository: repo === null ? null : { dir: repo.dir, created: repo.created } }
  } catch (e) {
    if (repo !== null) {
      try {
        await repo.remove()
      } catch (cleanup) {
        ;(deps.logger ?? silentLogger).error('could not remove a repository after a failed registration', {
          dir: repo.dir,
          err: cleanup,
        })
      }
    }
    throw e
  }
}

/** Case folding as case-insensitive filesystems do it, for the project paths gitward accepts. */
export const caseFold = (path: string): string => path.normalize('NFC').toLowerCase()

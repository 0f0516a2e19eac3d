// Registering a project: validate the path, create (or adopt) its bare
// repository when a repositories root is configured, then record it. If the
// record cannot be written, a repository created by this call is removed
// again, so a failed command leaves nothing behind.
import { isVisibility, VISIBILITIES, type Visibility } from '../access/visibility.js'
import { GitwardError } from '../errors.js'
import { DEFAULT_BRANCH_PROTECTIONS, isDefaultBranchProtection, type DefaultBranchProtection } from '../access/ref-rules.js'
import { silentLogger, type Logger } from '../log/logger.js'
import { requirePath } from './target-path.js'
import { createBareRepository } from '../repo/create-bare-repository.js'
import type { RunGit } from '../repo/run-git.js'
import type { Actor, Project, Store } from '../store/store.js'

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

export interface CreatedProject {
  project: Project
  repository: { dir: string; created: boolean } | null
}

export async function createProject(
  deps: CreateProjectDeps,
  request: { path: string; visibility: string },
  actor: Actor,
): Promise<CreatedProject> {
  const path = requirePath(request.path, 'project')
  if (!isVisibility(request.visibility)) {
    throw new GitwardError(
      'INVALID_ARGUMENT',
      `unknown visibility "${request.visibility}"; use ${VISIBILITIES.join(' or ')}.`,
    )
  }
  const visibility: Visibility = request.visibility
  if (!isDefaultBranchProtection(deps.defaultBranchProtection)) {
    throw new GitwardError(
      'INVALID_CONFIG',
      `unknown default_branch_protection "${deps.defaultBranchProtection}"; use one of ${DEFAULT_BRANCH_PROTECTIONS.join(', ')}.`,
    )
  }
  const defaultBranchProtection: DefaultBranchProtection = deps.defaultBranchProtection
  if ((await deps.store.findProject(path)) !== undefined) {
    throw new GitwardError('ALREADY_EXISTS', `the project "${path}" is already registered.`)
  }

  const repo = deps.reposRoot === null
    ? null
    : await createBareRepository({ root: deps.reposRoot, path, defaultBranch: deps.defaultBranch, runGit: deps.runGit })
  try {
    const project = await deps.store.createProject(
      { path, visibility, defaultBranch: deps.defaultBranch, defaultBranchProtection },
      actor,
    )
    return { project, repository: repo === null ? null : { dir: repo.dir, created: repo.created } }
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

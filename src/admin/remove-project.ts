// Removing a project's registration. Every rule of it is here:
//
// - Only with an explicit confirmation (--yes): removal cannot be undone
//   from gitward (the tokens bound to the project are deleted with it).
// - Threat: a CI job whose token silently stops working, or a token that
//   outlives its project and reaches a later project registered at the same
//   path. So removal is refused while active tokens are bound to the project,
//   unless the administrator asks to revoke them; they are then revoked (each
//   audited) in the same transaction as the removal, and every token row of
//   the project goes with it. A token minted meanwhile makes the store report
//   a conflict and nothing is written.
// - The bare repository is never deleted: it stays where it was, unserved
//   (the gate answers 404 for a path that is not registered), and a later
//   `repo create` of the same path refuses it unless --adopt is given. Its
//   data is the administrator's to delete or archive.
import path from 'node:path'
import { assertNever } from '../assert-never.js'
import { GitwardError } from '../errors.js'
import type { Actor } from '../model/audit.js'
import { isExpired } from '../model/dates.js'
import type { Project } from '../model/project.js'
import { looksLikeBareRepository } from '../repo/create-bare-repository.js'
import type { Store } from '../store/store.js'
import { auditNote, targetFacts } from './audit-facts.js'
import { noSuchProject, requireProject } from './find-project.js'
import { requirePath } from './target-path.js'

export interface RemoveProjectRequest {
  path: string
  /** The administrator confirmed (--yes). */
  confirmed: boolean
  /** Revoke the active tokens bound to the project instead of refusing. */
  revokeTokens: boolean
}

export interface RemovedProject {
  project: Project
  /** Ids of the active tokens this removal revoked. */
  revokedTokens: string[]
  /** Token rows (revoked, expired and just revoked) deleted with the project. */
  deletedTokens: number
  deletedProtections: number
  /** The bare repository left on disk; null when no repositories root is configured. */
  repository: { dir: string; exists: boolean } | null
}

/** Check a request without the database (bad input changes nothing). */
export function checkRemoveProject(request: RemoveProjectRequest): string {
  const projectPath = requirePath(request.path, 'project')
  if (!request.confirmed) {
    throw new GitwardError(
      'INVALID_ARGUMENT',
      `removing the project "${projectPath}" deletes its registration and every token bound to it; add --yes to confirm.`,
    )
  }
  return projectPath
}

export async function removeProject(
  deps: { store: Store; clock: { now(): number }; reposRoot: string | null },
  request: RemoveProjectRequest,
  actor: Actor,
): Promise<RemovedProject> {
  const project = await requireProject(deps.store, checkRemoveProject(request))
  const unrevoked = await deps.store.listTokens({ project: project.path, includeRevoked: false })
  const now = deps.clock.now()
  const active = unrevoked.filter(t => !isExpired(t.expiresAt, now))
  if (active.length > 0 && !request.revokeTokens) {
    const n = active.length
    throw new GitwardError(
      'INVALID_ARGUMENT',
      `${n} active token${n === 1 ? ' is' : 's are'} bound to the project "${project.path}" (see gitward token list --project ${project.path}); revoke ${n === 1 ? 'it' : 'them'} first, or add --revoke-tokens to revoke ${n === 1 ? 'it' : 'them'} with the removal.`,
    )
  }
  const dir = deps.reposRoot === null ? null : path.join(deps.reposRoot, `${project.path}.git`)
  const written = await deps.store.removeProject(
    project.id,
    {
      expectedUnrevoked: unrevoked.map(t => t.id),
      revoke: active.map(t => ({
        id: t.id,
        audit: auditNote(actor, 'token.revoked', t.id, { name: t.name, ...targetFacts(t), cause: 'project.removed' }),
      })),
    },
    auditNote(actor, 'project.removed', project.path, {
      visibility: project.visibility,
      revokedTokens: active.map(t => t.id),
      ...(dir === null ? {} : { repositoryKept: dir }),
    }),
  )
  if (!written.ok) {
    switch (written.conflict) {
      case 'project-missing':
        throw noSuchProject(project.path)
      case 'project-tokens-changed':
        throw new GitwardError(
          'ALREADY_EXISTS',
          `the tokens bound to the project "${project.path}" changed while it was being removed; nothing was removed, run the command again.`,
        )
      default:
        return assertNever(written.conflict, 'store conflict')
    }
  }
  const { revokedTokens, deletedTokens, deletedProtections } = written.value
  return {
    project,
    revokedTokens,
    deletedTokens,
    deletedProtections,
    repository: dir === null ? null : { dir, exists: looksLikeBareRepository(dir) },
  }
}

// Archiving a project: its repository stays readable (clone, fetch) and
// every push is refused by the gate's policy (src/access/policy.ts), in the
// embedded backend and in front of an external upstream alike. Unarchiving
// lets pushes in again. Audited; asking for the state the project already
// has writes nothing.
import { assertNever } from '../assert-never.js'
import type { Actor } from '../model/audit.js'
import type { Project } from '../model/project.js'
import type { Store } from '../store/store.js'
import { auditNote } from './audit-facts.js'
import { noSuchProject, requireProject } from './find-project.js'
import { requirePath } from './target-path.js'

/** The project after the change; `changed` is false when it already was in that state. */
export type ArchiveChange = { project: Project; changed: boolean }

/** Check a path without the database (bad input changes nothing). */
export const checkArchiveProject = (raw: string): string => requirePath(raw, 'project')

export async function setProjectArchived(
  deps: { store: Store },
  request: { path: string; archived: boolean },
  actor: Actor,
): Promise<ArchiveChange> {
  const project = await requireProject(deps.store, checkArchiveProject(request.path))
  if ((project.archivedAt !== null) === request.archived) return { project, changed: false }
  const written = await deps.store.setProjectArchived(
    project.id,
    request.archived,
    auditNote(actor, request.archived ? 'project.archived' : 'project.unarchived', project.path, {}),
  )
  if (written.ok) return { project: written.value, changed: true }
  switch (written.conflict) {
    case 'project-missing':
      throw noSuchProject(project.path)
    default:
      return assertNever(written.conflict, 'store conflict')
  }
}

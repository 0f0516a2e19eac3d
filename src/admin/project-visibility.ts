// Changing who may read a project without a token. Audited with the value
// before and after; setting the value it already has writes nothing.
import { assertNever } from '../assert-never.js'
import type { Actor } from '../model/audit.js'
import type { Project } from '../model/project.js'
import type { Visibility } from '../model/visibility.js'
import type { Store } from '../store/store.js'
import { auditNote } from './audit-facts.js'
import { noSuchProject, requireProject } from './find-project.js'
import { requirePath } from './target-path.js'
import { requireVisibility } from './visibility-input.js'

export interface SetVisibilityRequest {
  path: string
  visibility: string
}

/** Check a request without the database (bad input changes nothing). */
export function checkSetVisibility(request: SetVisibilityRequest): { path: string; visibility: Visibility } {
  return { path: requirePath(request.path, 'project'), visibility: requireVisibility(request.visibility) }
}

/** The project after the change; `changed` is false when it already had that visibility. */
export type VisibilityChange = { project: Project; changed: boolean; from: Visibility }

export async function setProjectVisibility(deps: { store: Store }, request: SetVisibilityRequest, actor: Actor): Promise<VisibilityChange> {
  const { path, visibility } = checkSetVisibility(request)
  const project = await requireProject(deps.store, path)
  if (project.visibility === visibility) return { project, changed: false, from: project.visibility }
  const written = await deps.store.setProjectVisibility(
    project.id,
    visibility,
    auditNote(actor, 'project.visibility_changed', project.path, { from: project.visibility, to: visibility }),
  )
  if (written.ok) return { project: written.value, changed: true, from: project.visibility }
  switch (written.conflict) {
    case 'project-missing':
      throw noSuchProject(project.path)
    default:
      return assertNever(written.conflict, 'store conflict')
  }
}

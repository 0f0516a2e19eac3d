// Settings of a top-level group. Today one: whether new project tokens may
// be created under it (group tokens, existing tokens and rotation are
// unaffected; mint-token.ts enforces it).
import { GitwardError } from '../errors.js'
import type { Actor } from '../model/audit.js'
import { isProjectTokenCreation, PROJECT_TOKEN_CREATION, type GroupSettings, type ProjectTokenCreation } from '../model/project.js'
import type { Store } from '../store/store.js'
import { requireTopLevelGroup } from './target-path.js'
import { auditNote } from './audit-facts.js'

export interface ProjectTokenCreationRequest {
  group: string
  value: string
}

/** Check a request without the database (bad input changes nothing). */
export function checkProjectTokenCreation(request: ProjectTokenCreationRequest): { group: string; value: ProjectTokenCreation } {
  const group = requireTopLevelGroup(request.group)
  if (!isProjectTokenCreation(request.value)) {
    throw new GitwardError(
      'INVALID_ARGUMENT',
      `unknown value "${request.value}" for --project-token-creation; use ${PROJECT_TOKEN_CREATION.join(' or ')}.`,
    )
  }
  return { group, value: request.value }
}

/** The settings after a change; `changed` is false when the value already was the one asked for. */
export type GroupSettingsChange = GroupSettings & { changed: boolean }

export async function setProjectTokenCreation(
  deps: { store: Store },
  request: ProjectTokenCreationRequest,
  actor: Actor,
): Promise<GroupSettingsChange> {
  const { group, value } = checkProjectTokenCreation(request)
  const before = await deps.store.getGroupSettings(group)
  // Setting what already is changes nothing, so it writes nothing: no row
  // (a group without one has the defaults) and no audit entry.
  if (before.projectTokenCreation === value) return { ...before, changed: false }
  const after = await deps.store.setProjectTokenCreation(group, value, auditNote(actor, 'group.setting_changed', group, { setting: 'project_token_creation', from: before.projectTokenCreation, to: value }))
  return { ...after, changed: true }
}

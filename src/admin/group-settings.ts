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

export async function setProjectTokenCreation(
  deps: { store: Store },
  request: ProjectTokenCreationRequest,
  actor: Actor,
): Promise<GroupSettings> {
  const { group, value } = checkProjectTokenCreation(request)
  const before = await deps.store.getGroupSettings(group)
  return deps.store.setProjectTokenCreation(group, value, auditNote(actor, 'group.setting_changed', group, { setting: 'project_token_creation', from: before.projectTokenCreation, to: value }))
}

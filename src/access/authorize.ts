// The authorization step of a request: look the project up, then decide().
// It takes a narrow lookup function, not the Store, so the front never
// talks to the store and this folder stays free of persistence.
//
// Invariant: a refused token needs no project lookup. decide() answers 401
// for a refused token whatever the project is (public or private, known or
// not), so the lookup is skipped and a flood of invented or mistyped tokens
// costs no database read at all. If decide() ever judged a refused token by
// its project, this shortcut would have to go with it; both live here.
import type { Project } from '../model/project.js'
import { decide, type Decision, type PolicyInput } from './policy.js'

/** One unique-index lookup by canonical path (Store.findProject). */
export type FindProject = (path: string) => Promise<Project | undefined>

export interface Authorization {
  decision: Decision
  /** The registered project, when it was looked up and exists. */
  project: Project | undefined
}

/**
 * `prefetched`: the project as already read together with the token (the
 * one read of an authenticated request); absent, it is looked up here.
 */
export async function authorize(
  request: Omit<PolicyInput, 'project'>,
  findProject: FindProject,
  prefetched?: { found: Project | undefined },
): Promise<Authorization> {
  const project =
    request.credential.kind === 'refused' ? undefined : prefetched !== undefined ? prefetched.found : await findProject(request.projectPath)
  return { decision: decide({ ...request, project }), project }
}

// A project named by an administrator must be registered.
import { GitwardError } from '../errors.js'
import type { Project } from '../model/project.js'
import type { Store } from '../store/store.js'
import { requirePath } from './target-path.js'

export const noSuchProject = (path: string): GitwardError =>
  new GitwardError('NOT_FOUND', `no project "${path}" is registered; register it with gitward repo create ${path}.`)

/** The registered project at `raw` (validated first); NOT_FOUND otherwise. */
export async function requireProject(store: Pick<Store, 'findProject'>, raw: string): Promise<Project> {
  const path = requirePath(raw, 'project')
  const project = await store.findProject(path)
  if (project === undefined) throw noSuchProject(path)
  return project
}

// The repositories root of the embedded backend: it exists, the service user
// owns it and may write it, nobody else may, and every registered project's
// repository is there and lies inside it (the same containment rule the
// backend applies before it runs git).
import { constants } from 'node:fs'
import { access, stat } from 'node:fs/promises'
import { checkRepositoryContainment, describeRefusal } from '../backend/repository-containment.js'
import type { Project } from '../model/project.js'
import { fail, ok, warn, type CheckResult } from './check-result.js'
import { checkOwnerAndMode, missing, type Identity } from './file-access.js'

export async function checkRepositoriesRoot(root: string, me: Identity): Promise<CheckResult[]> {
  let stats
  try {
    stats = await stat(root)
  } catch {
    return [missing('repositories.root', 'the repositories directory', root, `mkdir -m 0750 -p ${root} as the service user, or set repos (--repos)`)]
  }
  if (!stats.isDirectory()) {
    return [fail('repositories.root', `${root} is not a directory`, 'point repos (--repos) at the repositories directory')]
  }
  const results = [checkOwnerAndMode('repositories.root', 'the repositories directory', root, stats, me, 0o750)]
  try {
    await access(root, constants.R_OK | constants.W_OK | constants.X_OK)
  } catch {
    results.push(fail('repositories.access', `${me.name} cannot read and write ${root}`, `chown -R gitward: ${root}; chmod 0750 ${root}`))
  }
  return results
}

export async function checkProjectRepositories(root: string, projects: readonly Project[]): Promise<CheckResult> {
  const broken: string[] = []
  for (const p of projects) {
    const r = await checkRepositoryContainment(root, p.path)
    if (!r.ok) broken.push(`${p.path} (${describeRefusal(r.reason)})`)
  }
  if (projects.length === 0) return ok('repositories.projects', 'no projects registered yet')
  if (broken.length === 0) {
    const which = projects.length === 1 ? 'the registered project has its' : `all ${projects.length} registered projects have their`
    return ok('repositories.projects', `${which} repository under ${root}`)
  }
  return fail(
    'repositories.projects',
    `${broken.length} of ${projects.length} registered projects cannot be served: ${broken.slice(0, 10).join(', ')}${broken.length > 10 ? ', …' : ''}`,
    `restore those repositories into ${root} from the repository backup (docs/operations.md, "Backups")`,
  )
}

export function skippedProjects(why: string): CheckResult {
  return warn('repositories.projects', `not checked: ${why}`, 'fix the failure above, then run doctor again')
}

// `gitward doctor`: every precondition of a working gitward, checked in the
// order an administrator would fix them. A check that cannot run because an
// earlier one failed says so rather than failing again for the same reason.
import type { Config } from '../config/load.js'
import { isGitwardError } from '../errors.js'
import type { Store } from '../store/store.js'
import { fail, ok, type CheckResult } from './check-result.js'
import { checkClock } from './clock-check.js'
import { checkDatabase, checkTokenExpiry } from './database-checks.js'
import type { Identity } from './file-access.js'
import { checkGit } from './git-checks.js'
import { checkProjectRepositories, checkRepositoriesRoot, skippedProjects } from './repository-checks.js'
import { checkTls } from './tls-check.js'
import { checkUpstream } from './upstream-check.js'

export interface DoctorDeps {
  /** Throws GitwardError INVALID_CONFIG with every problem. */
  loadConfig: () => Config
  openStore: (file: string) => Promise<Store>
  /** The user the doctor runs as; gitward's files should be this user's. */
  me: Identity
  now: () => number
  /** PATH for git. */
  pathEnv: string
}

export async function runDoctor(d: DoctorDeps): Promise<CheckResult[]> {
  let config: Config
  try {
    config = d.loadConfig()
  } catch (e) {
    const message = isGitwardError(e) ? e.message.replace(/\.$/, '') : String(e)
    return [fail('config', message, 'correct the settings named above (docs/configuration.md); nothing else was checked')]
  }
  const results: CheckResult[] = [
    ok('config', config.configFile === null ? 'valid (no config file: defaults, GITWARD_* variables and flags)' : `valid (${config.configFile})`),
  ]

  const database = await checkDatabase(config.db, d.me, d.openStore)
  results.push(...database.results)
  const store = database.store
  try {
    if (store !== null) results.push(await checkTokenExpiry(store))

    const embedded = config.upstream === null
    if (embedded) {
      const root = await checkRepositoriesRoot(config.repos, d.me)
      results.push(...root)
      results.push(
        root.some(r => r.status === 'fail')
          ? skippedProjects('the repositories directory is unusable')
          : store === null
            ? skippedProjects('the database could not be read')
            : await checkProjectRepositories(config.repos, await store.listProjects()),
      )
    } else {
      results.push(ok('repositories', `served by the upstream ${config.upstream}, not by gitward`))
    }
    results.push(...(await checkGit(d.pathEnv, embedded)))
    if (!embedded && config.upstream !== null) results.push(await checkUpstream(config.upstream))
    results.push(...(await checkTls(config.tls_cert, config.tls_key, d.now())))
    const audit = store === null ? [] : await store.listAudit()
    results.push(checkClock(d.now(), audit[audit.length - 1]?.at ?? null))
  } finally {
    await store?.close()
  }
  return results
}

// What the CLI needs from the outside world, with the production defaults.
// Tests replace any of them through run(argv, io, deps).
import { randomBytes } from 'node:crypto'
import { userInfo } from 'node:os'
import { bcryptHasher, type Hasher } from '../auth/hasher.js'
import type { RandomBytes } from '../auth/token-format.js'
import { systemClock, type Clock } from '../clock.js'
import { loadConfig, type ConfigSources } from '../config/load.js'
import { execFileGit, type RunGit } from '../repo/run-git.js'
import { openStore } from '../store/open-store.js'
import type { Store } from '../store/store.js'
import type { CliIo } from './io.js'
import type { CommandRegistrar } from './context.js'
import { processSignals, type SignalSource } from './commands/serve.js'

/** The configuration keys the administrative commands read. */
export interface AdminConfig {
  readonly db: string
  readonly repos: string | null
  readonly token_prefix: string
  readonly bcrypt_cost: number
  readonly default_branch: string
  /** One of DEFAULT_BRANCH_PROTECTIONS; the config loader has checked it. */
  readonly default_branch_protection: string
}

export interface CliDeps {
  clock: Clock
  random: RandomBytes
  /** The OS user recorded as the actor in the audit trail. */
  userName: () => string
  loadConfig: (sources: ConfigSources) => AdminConfig
  /** `file` is the db setting: a SQLite file or a postgres:// connection string. */
  openStore: (options: { file: string; clock: Clock; busyTimeoutMs: number }) => Promise<Store>
  hasher: (cost: number) => Hasher
  runGit: (env: CliIo['env']) => RunGit
  /** Extra commands added after the built-in ones. */
  commands: readonly CommandRegistrar[]
  /** Process signals for `serve` (SIGTERM/SIGINT stop, SIGHUP reloads TLS). */
  signals: SignalSource
}

function osUser(): string {
  try {
    return userInfo().username
  } catch {
    // A container user without a passwd entry has no name, only a uid.
    return `uid:${process.getuid?.() ?? 'unknown'}`
  }
}

export function defaultCliDeps(): CliDeps {
  return {
    clock: systemClock,
    random: randomBytes,
    userName: osUser,
    loadConfig,
    openStore: options => openStore({ db: options.file, clock: options.clock, busyTimeoutMs: options.busyTimeoutMs }),
    hasher: bcryptHasher,
    runGit: env => execFileGit({ env }),
    commands: [],
    signals: processSignals,
  }
}

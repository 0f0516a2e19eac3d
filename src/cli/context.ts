// What every command registrar receives: the io, the dependencies, and
// helpers to read the configuration and open the store once per invocation.
import type { Command } from 'commander'
import type { Admin } from '../admin/admin.js'
import type { Actor } from '../model/audit.js'
import type { Hasher } from '../auth/hasher.js'
import type { RandomBytes } from '../auth/token-format.js'
import type { Clock } from '../clock.js'
import type { Config, ConfigSources } from '../config/load.js'
import type { Logger } from '../log/logger.js'
import type { RunGit } from '../repo/run-git.js'
import type { Store } from '../store/store.js'
import type { CliIo } from './io.js'
import type { SignalSource } from './signals.js'
import type { ReleaseResult } from './release-free-memory.js'
import { administrator, parseReason } from './administrator.js'
import { ownerWarnings } from './owner-warning.js'
import { requireExistingDatabase } from '../store/open-store.js'
import { DEFAULT_TOKEN_PREFIX, tokenPatterns } from '../auth/token-format.js'

/** Adds one command (or a group of subcommands) to the program. */
export type CommandRegistrar = (program: Command, ctx: CliContext) => void

/** The configuration keys the administrative commands read. */
export type AdminConfig = Pick<
  Config,
  'db' | 'repos' | 'token_prefix' | 'bcrypt_cost' | 'default_branch' | 'default_branch_protection' | 'max_token_lifetime_days'
>

/**
 * What the CLI needs from the outside world. The production defaults are in
 * deps.ts; tests replace any of them through run(argv, io, deps).
 */
export interface CliDeps {
  clock: Clock
  random: RandomBytes
  /** The OS user recorded as the actor in the audit trail. */
  userName: () => string
  /** The effective uid, to warn when gitward's files belong to someone else (-1: unknown). */
  euid: () => number
  loadConfig: (sources: ConfigSources) => Config
  /** `file` is the db setting: a SQLite file or a postgres:// connection string. */
  openStore: (options: { file: string; clock: Clock; busyTimeoutMs: number; logger?: Logger }) => Promise<Store>
  hasher: (cost: number) => Hasher
  runGit: (env: CliIo['env']) => RunGit
  /** Extra commands added after the built-in ones. */
  commands: readonly CommandRegistrar[]
  /** Process signals for `serve` (SIGTERM/SIGINT stop, SIGHUP reloads TLS). */
  signals: SignalSource
  /** Gives the C heap's free pages back to the kernel; `serve` calls it once it is up. */
  releaseFreeMemory: () => ReleaseResult
}

/**
 * An administrator's command waits this long for a busy database before
 * giving up (exit 3); longer than the server's wait, because a person can
 * afford a pause where a git client should get a quick 503.
 */
export const CLI_BUSY_TIMEOUT_MS = 5000

export interface CliContext {
  readonly io: CliIo
  readonly deps: CliDeps
  /**
   * The configuration for `command`: file < GITWARD_* env < --db/--repos/
   * --config (global options) < `flags` (command-specific, keyed by config key).
   */
  config(command: Command, flags?: Record<string, string | undefined>): Config
  /**
   * Open the store, run `fn` with the administrative use cases bound to it,
   * close the store (also on failure).
   */
  withAdmin<T>(command: Command, fn: (admin: Admin, config: AdminConfig) => Promise<T>, flags?: Record<string, string | undefined>): Promise<T>
  actor(): Actor
  /** Token prefixes whose tokens must be scrubbed from any error output. */
  tokenPrefixes(): readonly string[]
  /** stdout as JSON, pretty-printed, newline-terminated. */
  printJson(value: unknown): void
  /**
   * End with this exit code once the command returns, without an error line
   * (doctor's 1 for warnings, 2 for failures). Default 0.
   */
  setExitCode(code: number): void
  /** The --reason given on the command line (checked when actor() is asked). */
  setReason(raw: string | undefined): void
  exitCode(): number
}

export function createContext(io: CliIo, deps: CliDeps): CliContext {
  const prefixes = new Set<string>()
  let exitCode = 0
  let rawReason: string | undefined
  const ctx: CliContext = {
    io,
    deps,
    config(command, flags = {}) {
      const globals = command.optsWithGlobals<{ db?: string; repos?: string; config?: string }>()
      const config = deps.loadConfig({
        flags: { db: globals.db, repos: globals.repos, config: globals.config, ...flags },
        env: io.env,
        cwd: io.cwd,
      })
      prefixes.add(config.token_prefix)
      return config
    },
    async withAdmin(command, fn, flags) {
      const config = ctx.config(command, flags)
      requireExistingDatabase(config.db)
      for (const warning of ownerWarnings(config, deps.euid())) io.stderr(warning)
      // Loaded here, not at start-up: `serve` never needs the use cases.
      const { createAdmin } = await import('../admin/admin.js')
      const store = await deps.openStore({ file: config.db, clock: deps.clock, busyTimeoutMs: CLI_BUSY_TIMEOUT_MS })
      const admin = createAdmin({
        store,
        clock: deps.clock,
        random: deps.random,
        hasher: () => deps.hasher(config.bcrypt_cost),
        tokenPrefix: config.token_prefix,
        maxTokenLifetimeDays: config.max_token_lifetime_days,
        reposRoot: config.repos,
        defaultBranch: config.default_branch,
        defaultBranchProtection: config.default_branch_protection,
        runGit: deps.runGit(io.env),
      })
      try {
        return await fn(admin, config)
      } finally {
        await store.close()
      }
    },
    actor: () => {
      // Checked here, before any change is written: a refused reason changes nothing.
      const reason = parseReason(rawReason, [...new Set([DEFAULT_TOKEN_PREFIX, ...prefixes])].flatMap(p => tokenPatterns(p)))
      return { user: administrator(io.env, deps.userName()), ...(reason === null ? {} : { reason }) }
    },
    setReason: raw => {
      rawReason = raw
    },
    tokenPrefixes: () => [...prefixes],
    printJson: value => io.stdout(JSON.stringify(value, null, 2) + '\n'),
    setExitCode: code => {
      exitCode = code
    },
    exitCode: () => exitCode,
  }
  return ctx
}

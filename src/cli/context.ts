// What every command registrar receives: the io, the dependencies, and
// helpers to read the configuration and open the store once per invocation.
import type { Command } from 'commander'
import { createAdmin, type Admin } from '../admin/admin.js'
import type { Actor } from '../model/audit.js'
import type { AdminConfig, CliDeps } from './deps.js'
import type { CliIo } from './io.js'
import { administrator, parseReason } from './administrator.js'
import { DEFAULT_TOKEN_PREFIX, tokenPatterns } from '../auth/token-format.js'

/** Adds one command (or a group of subcommands) to the program. */
export type CommandRegistrar = (program: Command, ctx: CliContext) => void

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
  config(command: Command, flags?: Record<string, string | undefined>): AdminConfig
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
      const store = await deps.openStore({ file: config.db, clock: deps.clock, busyTimeoutMs: CLI_BUSY_TIMEOUT_MS })
      const admin = createAdmin({
        store,
        clock: deps.clock,
        random: deps.random,
        hasher: () => deps.hasher(config.bcrypt_cost),
        tokenPrefix: config.token_prefix,
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

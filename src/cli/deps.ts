// What the CLI needs from the outside world, with the production defaults.
// Tests replace any of them through run(argv, io, deps).
import { randomBytes } from 'node:crypto'
import { userInfo } from 'node:os'
import { bcryptHasher } from '../auth/hasher.js'
import { systemClock } from '../clock.js'
import { loadConfig } from '../config/load.js'
import { execFileGit } from '../repo/run-git.js'
import { openStore } from '../store/open-store.js'
import type { CliDeps } from './context.js'
import { processSignals } from './signals.js'
import { releaseFreeMemory } from './release-free-memory.js'

export type { AdminConfig, CliDeps } from './context.js'

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
    euid: () => process.geteuid?.() ?? -1,
    loadConfig,
    openStore: options =>
      openStore({ db: options.file, clock: options.clock, busyTimeoutMs: options.busyTimeoutMs, ...(options.logger === undefined ? {} : { logger: options.logger }) }),
    hasher: bcryptHasher,
    runGit: env => execFileGit({ env }),
    commands: [],
    signals: processSignals,
    releaseFreeMemory,
  }
}

// Where git keeps git-upload-pack and git-receive-pack (`git --exec-path`),
// asked once at start. Running them directly spares every request the `git`
// wrapper's own exec, dynamic linking and set-up, which only ends in running
// this same program.
import { execFileSync } from 'node:child_process'
import { accessSync, constants } from 'node:fs'
import path from 'node:path'
import type { GitService } from './git-service.js'

export type ServicePrograms = Readonly<Record<GitService, string>>

export type ServiceProgramsLookup = { ok: true; programs: ServicePrograms } | { ok: false; reason: string }

export function findServicePrograms(gitBinary: string, pathEnv: string): ServiceProgramsLookup {
  let execPath: string
  try {
    execPath = execFileSync(gitBinary, ['--exec-path'], {
      encoding: 'utf8',
      env: { PATH: pathEnv, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' },
      timeout: 10_000,
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim()
  } catch (err) {
    return { ok: false, reason: `"${gitBinary} --exec-path" failed (${(err as Error).message.split('\n')[0]})` }
  }
  if (!path.isAbsolute(execPath)) return { ok: false, reason: `git's exec path "${execPath}" is not absolute` }
  const programs = { 'upload-pack': path.join(execPath, 'git-upload-pack'), 'receive-pack': path.join(execPath, 'git-receive-pack') }
  for (const program of Object.values(programs)) {
    try {
      accessSync(program, constants.X_OK)
    } catch {
      return { ok: false, reason: `${program} is not an executable file` }
    }
  }
  return { ok: true, programs }
}

// Runs the real git client the way a user's machine would, but isolated:
// an empty HOME, no system or global config, no terminal prompts.
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { join } from 'node:path'

export interface RunResult {
  code: number
  stdout: string
  stderr: string
}

export interface GitOptions {
  cwd?: string
  env?: Record<string, string>
  /** Kill git after this many ms (bounded tests); default 120 s. */
  timeoutMs?: number
}

export function gitEnv(home: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: home,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    GIT_ASKPASS: '',
    SSH_ASKPASS: '',
    GIT_AUTHOR_NAME: 'Test Author',
    GIT_AUTHOR_EMAIL: 'author@example.test',
    GIT_COMMITTER_NAME: 'Test Author',
    GIT_COMMITTER_EMAIL: 'author@example.test',
    LANG: 'C',
    ...extra,
  }
}

export function makeGitClient(baseDir: string): {
  home: string
  git: (args: readonly string[], options?: GitOptions) => Promise<RunResult>
  spawnGit: (args: readonly string[], options?: GitOptions) => ChildProcess
} {
  const home = mkdtempSync(join(baseDir, 'home-'))
  const git = (args: readonly string[], options: GitOptions = {}): Promise<RunResult> =>
    new Promise(resolve => {
      execFile(
        'git',
        [...args],
        {
          cwd: options.cwd ?? baseDir,
          env: gitEnv(home, options.env),
          timeout: options.timeoutMs ?? 120_000,
          maxBuffer: 64 * 1024 * 1024,
          encoding: 'utf8',
        },
        (error, stdout, stderr) => {
          const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1
          resolve({ code, stdout, stderr })
        },
      )
    })
  const spawnGit = (args: readonly string[], options: GitOptions = {}): ChildProcess =>
    spawn('git', [...args], { cwd: options.cwd ?? baseDir, env: gitEnv(home, options.env), stdio: ['ignore', 'pipe', 'pipe'] })
  return { home, git, spawnGit }
}

/** `http://user:token@host/path` for a server URL. */
export function withCredentials(url: string, token: string, user = 'git'): string {
  return url.replace('://', `://${encodeURIComponent(user)}:${encodeURIComponent(token)}@`)
}

// Runs git for administrative work (creating repositories). No shell: the
// arguments go to execFile as a list, so a path can never become a command.
import { execFile } from 'node:child_process'
import { GitwardError } from '../errors.js'

export type RunGit = (args: readonly string[], options: { cwd: string }) => Promise<void>

// Variables that would point git at a different repository than the one in
// cwd. An administrator's shell may have them set (e.g. inside a git hook);
// they must not redirect where gitward creates a repository.
const REDIRECTING = new Set([
  'GIT_DIR',
  'GIT_WORK_TREE',
  'GIT_INDEX_FILE',
  'GIT_OBJECT_DIRECTORY',
  'GIT_ALTERNATE_OBJECT_DIRECTORIES',
  'GIT_COMMON_DIR',
  'GIT_NAMESPACE',
  'GIT_PREFIX',
])

export function gitEnvironment(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out = Object.create(null) as Record<string, string>
  for (const [k, v] of Object.entries(env)) {
    if (v !== undefined && !REDIRECTING.has(k)) out[k] = v
  }
  return out
}

export function execFileGit(options: { env: Readonly<Record<string, string | undefined>>; git?: string }): RunGit {
  const env = gitEnvironment(options.env)
  const git = options.git ?? 'git'
  return (args, { cwd }) =>
    new Promise((resolve, reject) => {
      execFile(git, [...args], { cwd, env, timeout: 60_000, maxBuffer: 1 << 20 }, (error, _stdout, stderr) => {
        if (error === null) return resolve()
        const code = (error as NodeJS.ErrnoException).code
        const detail = code === 'ENOENT'
          ? `${git} was not found; install git or put it on the PATH`
          : String(stderr).trim().split('\n')[0] || error.message
        reject(new GitwardError('REPOSITORY_ERROR', `git ${args[0] ?? ''} failed in ${cwd}: ${detail}.`, { cause: error }))
      })
    })
}

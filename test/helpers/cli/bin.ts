// Runs the CLI in a temp directory, with --db and --repos inside it, git
// isolated from the machine's configuration, and a cheap bcrypt cost. Shared
// by the tests under test/cli/.
//
// gitward() calls run(argv, io) in-process: the same program, the same
// parsing, output and exit codes, without starting node for every command.
// gitwardProcess() starts the real bin/gitward (from the built dist/), for
// the few tests that must prove the executable itself.
import { execFile } from 'node:child_process'
import path from 'node:path'
import Database from 'better-sqlite3'
import type { Test } from 'tap'
import { memoryIo } from '../../../src/cli/io.js'
import { run } from '../../../src/cli/run.js'
import { BIN } from '../paths/root.js'
import type { Clock } from '../../../src/clock.js'
import { bcryptHasher } from '../../../src/auth/hasher.js'


export interface CliResult {
  code: number
  stdout: string
  stderr: string
}

/** Environment for the CLI: nothing from the test runner's own GITWARD_* or git config. */
export function cliEnv(dir: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env['PATH'] ?? '',
    HOME: path.join(dir, 'home'),
    GIT_TERMINAL_PROMPT: '0',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GITWARD_BCRYPT_COST: '4',
    ...extra,
  }
}

const placed = (dir: string, args: readonly string[], raw: boolean | undefined): string[] =>
  raw === true ? [...args] : ['--db', path.join(dir, 'gitward.db'), '--repos', path.join(dir, 'repos'), ...args]

/** Run the CLI in-process with cwd `dir`; `--db`/`--repos` point into `dir` unless `raw`. */
export async function gitward(
  dir: string,
  args: readonly string[],
  options: { env?: Record<string, string>; raw?: boolean } = {},
): Promise<CliResult> {
  const io = memoryIo(cliEnv(dir, options.env), dir)
  const code = await run(placed(dir, args, options.raw), io)
  return { code, stdout: io.out.join(''), stderr: io.err.join('') }
}

/** Run `node bin/gitward ...args` as a process with cwd `dir` (see gitward for the arguments). */
export function gitwardProcess(
  dir: string,
  args: readonly string[],
  options: { env?: Record<string, string>; raw?: boolean } = {},
): Promise<CliResult> {
  const where = placed(dir, [], options.raw)
  return new Promise(resolve => {
    execFile(
      process.execPath,
      [BIN, ...where, ...args],
      { cwd: dir, encoding: 'utf8', timeout: 60_000, env: cliEnv(dir, options.env) },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1
        resolve({ code, stdout, stderr })
      },
    )
  })
}

/** Run several independent invocations a few at a time (bounded). */
export async function gitwardAll(dir: string, list: ReadonlyArray<readonly string[]>, width = 3): Promise<CliResult[]> {
  const out: CliResult[] = []
  for (let i = 0; i < list.length; i += width) {
    out.push(...(await Promise.all(list.slice(i, i + width).map(args => gitward(dir, args)))))
  }
  return out
}

/** A UTC date `days` from now. Acceptance uses +2 or more so a run across midnight cannot flake. */
export const day = (days: number): string => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10)

/** Row counts, to prove a refused command changed nothing. */
export function counts(dbFile: string): Record<string, number> {
  const db = new Database(dbFile, { readonly: true })
  try {
    const n = (sql: string) => db.prepare(sql).pluck().get() as number
    return {
      projects: n('SELECT count(*) FROM projects'),
      tokens: n('SELECT count(*) FROM tokens'),
      revoked: n('SELECT count(*) FROM tokens WHERE revoked_at IS NOT NULL'),
      audit: n('SELECT count(*) FROM audit'),
      groups: n('SELECT count(*) FROM group_settings'),
      protections: n('SELECT count(*) FROM protected_refs'),
    }
  } finally {
    db.close()
  }
}

/** One plain sentence on stderr, nothing on stdout, no stack, no usage dump. */
export function assertOneSentence(t: Test, r: CliResult, code: number, pattern: RegExp, label: string): void {
  t.equal(r.code, code, `${label}: exit code (${r.stderr.trim()})`)
  t.match(r.stderr, /^gitward: [^\n]+\n$/, `${label}: one line`)
  t.match(r.stderr, pattern, label)
  t.notMatch(r.stderr, /Usage:|\n\s+at /, `${label}: no usage or stack`)
  t.equal(r.stdout, '', `${label}: nothing on stdout`)
}

/**
 * A temp directory with `home/` (plus `fixture`) where `gitward init` has
 * created the database and the repositories root, as an administrator
 * does before any other command.
 */
export async function initializedDir(t: Test, fixture: Record<string, unknown> = {}): Promise<string> {
  const dir = t.testdir({ home: {}, ...fixture })
  const init = await gitward(dir, ['init'])
  if (init.code !== 0) throw new Error(`gitward init failed: ${init.stderr}`)
  return dir
}

/**
 * The CLI in-process on an injected clock, with `--db g.db --repos repos`
 * relative to `dir`, the OS user "gitward" and a cheap bcrypt cost: for
 * tests of dates (lifetimes, reports, audit filters).
 */
export function clockedCli(dir: string, clock: Clock) {
  const env = { PATH: process.env['PATH'] ?? '', HOME: path.join(dir, 'home'), GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' }
  return async (argv: string[], extra: Record<string, string> = {}): Promise<CliResult> => {
    const io = memoryIo({ ...env, ...extra }, dir)
    const code = await run(['--db', 'g.db', '--repos', 'repos', ...argv], io, { clock, userName: () => 'gitward', hasher: () => bcryptHasher(4) })
    return { code, stdout: io.out.join(''), stderr: io.err.join('') }
  }
}

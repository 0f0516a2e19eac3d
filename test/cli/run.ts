// The CLI as a function: run(argv, io, deps) in-process, with injected
// clock, random source, hasher and user. Covers what the bin tests cannot
// control: "today" from a manual clock, extra commands, exit code mapping.
import t, { type Test } from 'tap'
import path from 'node:path'
import { existsSync, readFileSync } from 'node:fs'
import { Command } from 'commander'
import { ManualClock } from '../../src/clock.js'
import { bcryptHasher } from '../../src/auth/hasher.js'
import { run } from '../../src/cli/run.js'
import { memoryIo } from '../../src/cli/io.js'
import type { CliDeps } from '../../src/cli/deps.js'
import { scrubTokens } from '../../src/cli/report-error.js'
import { GitwardError } from '../../src/errors.js'

function harness(t: Test, deps: Partial<CliDeps> = {}) {
  const dir = t.testdir({ home: {} })
  const clock = new ManualClock(new Date('2026-06-15T23:30:00Z'))
  const all: Partial<CliDeps> = { clock, userName: () => 'carol', hasher: () => bcryptHasher(4), ...deps }
  const env = { PATH: process.env['PATH'], HOME: path.join(dir, 'home'), GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' }
  let initialized = false
  const cli = async (...argv: string[]) => {
    // As an administrator does first: gitward init creates the database.
    if (!initialized) {
      initialized = true
      const first = await run(['--db', 'g.db', '--repos', 'repos', 'init'], memoryIo(env, dir), all)
      if (first !== 0) throw new Error('gitward init failed')
    }
    const io = memoryIo(env, dir)
    const code = await run(['--db', 'g.db', '--repos', 'repos', ...argv], io, all)
    return { code, stdout: io.out.join(''), stderr: io.err.join('') }
  }
  return { dir, clock, cli }
}

t.test('"today" comes from the injected clock (UTC)', async t => {
  const { cli, clock } = harness(t)
  t.equal((await cli('repo', 'create', 'acme/app')).code, 0)
  const mint = (expires: string) => cli('token', 'create', '--project', 'acme/app', '--name', 'x', '--scopes', 'api', '--expires', expires)
  const today = await mint('2026-06-15')
  t.equal(today.code, 1)
  t.match(today.stderr, /not after today \(2026-06-15 UTC\)/)
  const tomorrow = await mint('2026-06-16')
  t.equal(tomorrow.code, 0, tomorrow.stderr)
  clock.advance(60 * 60 * 1000) // 2026-06-16T00:30Z
  t.equal((await mint('2026-06-16')).code, 1, 'tomorrow became today')
  const list = JSON.parse((await cli('token', 'list', '--all', '--json')).stdout) as Array<{ state: string }>
  t.same(list.map(x => x.state), ['expired'], 'expired at 00:00 UTC on its date')
  t.equal((await cli('token', 'list', '--json')).stdout, '[]\n')
})

t.test('the injected user is the audit actor', async t => {
  const { cli } = harness(t)
  await cli('repo', 'create', 'acme/app')
  const audit = JSON.parse((await cli('audit', '--json')).stdout) as Array<{ actor: string; at: string }>
  t.same(audit.map(e => [e.actor, e.at]), [['carol', '2026-06-15T23:30:00.000Z']])
})

t.test('extra commands can be registered (e.g. serve) and share the context', async t => {
  let seen: string | undefined
  const { cli } = harness(t, {
    commands: [
      (program, ctx) => {
        program
          .command('hello')
          .description('say hello')
          .action((_opts, command: Command) => {
            seen = ctx.config(command).db
            ctx.io.stdout('hello\n')
          })
      },
    ],
  })
  const r = await cli('hello')
  t.equal(r.code, 0)
  t.equal(r.stdout, 'hello\n')
  t.match(seen, /g\.db$/)
  t.ok(path.isAbsolute(seen!))
})

t.test('errors map to exit codes and never escape run()', async t => {
  const boom = (e: unknown): Partial<CliDeps> => ({
    commands: [
      program => {
        program.command('boom').action(() => {
          throw e
        })
      },
    ],
  })
  const cases: Array<[unknown, number, RegExp]> = [
    [new GitwardError('NOT_FOUND', 'nothing here.'), 1, /^gitward: nothing here\.\n$/],
    [new GitwardError('DB_BUSY', 'busy.'), 3, /^gitward: busy\.\n$/],
    [new Error('kaput\n  at x (y.js:1:2)'), 3, /^gitward: unexpected error: kaput at x \(y\.js:1:2\)\.\n$/],
    ['a string', 3, /^gitward: unexpected error: a string\.\n$/],
  ]
  for (const [error, code, pattern] of cases) {
    const { cli } = harness(t, boom(error))
    const r = await cli('boom')
    t.equal(r.code, code)
    t.match(r.stderr, pattern)
  }
})

t.test('usage errors exit 2; help and version exit 0', async t => {
  const { cli } = harness(t)
  const unknown = await cli('repo', 'list', '--jsn')
  t.equal(unknown.code, 2)
  t.equal(unknown.stderr, 'gitward: unknown option \'--jsn\' (did you mean --json?); see "gitward repo list --help".\n')
  const help = await cli('help', 'repo')
  t.equal(help.code, 0)
  t.match(help.stdout, /Usage: gitward repo/)
  t.equal((await cli('--version')).code, 0)
})

t.test('-V and --version print the version; an unknown option before a command is called unknown', async t => {
  const { cli } = harness(t)
  const version = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version
  for (const flag of ['-V', '--version']) {
    const r = await cli(flag)
    t.equal(r.code, 0, flag)
    t.equal(r.stdout, `${version}\n`, flag)
  }
  const cases: Array<[string[], string]> = [
    [['--frob'], 'gitward: unknown option \'--frob\'; see "gitward --help".\n'],
    [['-x'], 'gitward: unknown option \'-x\'; see "gitward --help".\n'],
    [['--frob', 'token', 'list'], 'gitward: unknown option \'--frob\'; see "gitward --help".\n'],
    [['token', '--frob'], 'gitward: unknown option \'--frob\'; see "gitward token --help".\n'],
  ]
  for (const [argv, stderr] of cases) {
    const r = await cli(...argv)
    t.equal(r.code, 2, argv.join(' '))
    t.equal(r.stderr, stderr, argv.join(' '))
  }
})

t.test('every bad branch name is one refusal (exit 1) naming git\'s rule, before anything is created', async t => {
  const { cli, dir } = harness(t)
  for (const [branch, rule] of [['x.lock', 'no part of a branch name may end with ".lock"'], ['a..b', 'a branch name must not contain ".." or "@{"'], ['x/', 'a branch name must not start or end with "/" or contain "//"']] as const) {
    const r = await cli('repo', 'create', 'acme/app', '--default-branch', branch)
    t.equal(r.code, 1, branch)
    t.equal(r.stderr, `gitward: The configuration has 1 problem: default_branch (from --default-branch) must be a branch name: ${rule}.\n`, branch)
  }
  t.notOk(existsSync(path.join(dir, 'repos', 'acme')), 'no repository directory was made')
})

t.test('scrubTokens removes tokens with the default and configured prefixes', async t => {
  const token = 'gwpat-abcdefghjkmn_' + 'A'.repeat(38)
  const custom = 'acme_abcdefghjkmn_' + 'B'.repeat(38)
  t.equal(scrubTokens(`x ${token} y ${custom}`, ['acme_']), 'x [redacted] y [redacted]')
  t.equal(scrubTokens('acme/app', []), 'acme/app')
})

t.test('a command run by another user than the owner of the database and repositories warns', async t => {
  const { cli } = harness(t, { euid: () => 4242 })
  const r = await cli('repo', 'list')
  t.equal(r.code, 0)
  t.match(r.stderr, /^warning: you are uid 4242 but the database \/.*g\.db belongs to uid \d+; run gitward as that user/m)
  t.match(r.stderr, /^warning: you are uid 4242 but the repositories root \/.*repos belongs to uid \d+/m)
  const own = harness(t, { euid: () => process.geteuid?.() ?? -1 })
  t.equal((await own.cli('repo', 'list')).stderr, '', 'the owner is not warned')
})

// Runs the real git client the way a user's machine would, isolated from
// this machine's configuration, and times it from spawn to exit (what a git
// user sees). Credentials come from a credential helper that reads them from
// the environment, so a token is never on a command line, in a URL or in a
// cloned repository's config.
import { mkdirSync } from 'node:fs'

const HELPER = '!f() { test "$1" = get && printf "username=%s\\npassword=%s\\n" "$GITWARD_BENCH_USER" "$GITWARD_BENCH_PASSWORD"; }; f'

export function createGitClient({ home, registry }) {
  mkdirSync(home, { recursive: true })

  function env({ auth, config = {} }) {
    const pairs = Object.entries(config)
    if (auth !== undefined) pairs.push(['credential.helper', HELPER])
    const e = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: home,
      LANG: 'C',
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_TERMINAL_PROMPT: '0',
      GIT_ASKPASS: '',
      SSH_ASKPASS: '',
      GIT_AUTHOR_NAME: 'Bench',
      GIT_AUTHOR_EMAIL: 'bench@bench.invalid',
      GIT_COMMITTER_NAME: 'Bench',
      GIT_COMMITTER_EMAIL: 'bench@bench.invalid',
      GIT_CONFIG_COUNT: String(pairs.length),
    }
    pairs.forEach(([k, v], i) => {
      e[`GIT_CONFIG_KEY_${i}`] = k
      e[`GIT_CONFIG_VALUE_${i}`] = v
    })
    if (auth !== undefined) {
      e.GITWARD_BENCH_USER = auth.user
      e.GITWARD_BENCH_PASSWORD = auth.password
    }
    return e
  }

  /**
   * Run git; resolves { code, ms, stderr } (stderr tail only). `auth` is
   * { user, password } or undefined; `config` is extra `-c` settings given
   * through the environment. Killed after `timeoutMs`.
   */
  function run(args, { cwd, auth, config, timeoutMs = 120_000 } = {}) {
    const started = performance.now()
    const p = registry.start('git', args, { cwd, env: env({ auth, config }), stdio: ['ignore', 'ignore', 'pipe'] }, `git ${args[0]}`)
    let stderr = ''
    p.child.stderr.on('data', c => {
      stderr = (stderr + c.toString('utf8')).slice(-4000)
    })
    const timer = setTimeout(() => p.child.kill('SIGKILL'), timeoutMs)
    return p.done.then(r => {
      clearTimeout(timer)
      const ms = performance.now() - started
      return { code: r.code ?? -1, signal: r.signal, ms, stderr }
    })
  }

  /** Like run, but a failure is an exception with git's own words. */
  async function must(args, options) {
    const r = await run(args, options)
    if (r.code !== 0) {
      throw new Error(`git ${args.join(' ')} failed (${r.code}${r.signal ? ` ${r.signal}` : ''}):\n${r.stderr}`)
    }
    return r
  }

  /** Run a short git command and return its stdout (trimmed); throws on failure. */
  function output(args, { cwd, timeoutMs = 60_000 } = {}) {
    return new Promise((resolve, reject) => {
      const p = registry.start('git', args, { cwd, env: env({}), stdio: ['ignore', 'pipe', 'pipe'] }, `git ${args[0]}`)
      let out = ''
      let err = ''
      p.child.stdout.on('data', c => (out += c.toString('utf8')))
      p.child.stderr.on('data', c => (err = (err + c.toString('utf8')).slice(-4000)))
      const timer = setTimeout(() => p.child.kill('SIGKILL'), timeoutMs)
      p.done.then(r => {
        clearTimeout(timer)
        if (r.code === 0) resolve(out.trim())
        else reject(new Error(`git ${args.join(' ')} failed (${r.code ?? r.signal}):\n${err}`))
      })
    })
  }

  return { run, must, output, env }
}

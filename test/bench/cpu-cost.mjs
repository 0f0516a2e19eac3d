// gitward's own CPU per request and per push, in CPU time (utime + stime of
// the server process from /proc/<pid>/stat; its git children are reported
// apart), not wall time: the figures hold on a loaded machine, where wall
// times do not. Loopback only, bounded, sequential (one request at a time).
//
//   npm run build && node test/bench/cpu-cost.mjs [scenario…] [--n N] [--pushes N] [--prof]
//
// Scenarios (all by default):
//   push         a ~200 MB push of incompressible blobs into an empty repository
//   info-refs    authenticated GET info/refs?service=git-upload-pack, token cached
//   no-creds     the same GET without credentials (401)
//   unknown-id   the same GET with well-formed tokens whose ids do not exist (401)
//   idle         VmRSS of a fresh server one second after start
//
// --prof starts gitward with `node --cpu-prof` (profiles in <dir>/prof).
// --wrk SECONDS sends the requests from wrk at 16 connections instead.
// During a push, --strace, --perf, --perf-trace or --perf-stat attach that
// tool to the server (the CPU figures of that push then mean nothing).
// GITWARD_CPU_ROOT runs another build (a checkout with dist/ built);
// GITWARD_CPU_SETTINGS (JSON, e.g. '{"ban_enabled":false}') replaces the
// server's settings and CPU_COST_NODE_FLAGS its Node flags, for builds
// older than either.
// GITWARD_CPU_DIR is the work directory (default $TMPDIR/gitward-cpu); the
// push source is generated there once.
import { execFileSync, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { formatToken, newSecret, newTokenId } from '../../dist/auth/token-format.js'
import { processCpu } from './process-cpu.mjs'
import { writeWrkScripts } from './wrk.mjs'
import { nodeFlags, serverEnv } from './servers.mjs'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
// GITWARD_CPU_ROOT: another build to measure (a checkout with dist/ built), for before/after runs.
const SERVER_ROOT = resolve(process.env.GITWARD_CPU_ROOT || ROOT)
const argv = process.argv.slice(2)
const flag = name => {
  const i = argv.indexOf(name)
  return i === -1 ? undefined : argv[i + 1]
}
const N = Number(flag('--n') ?? 3000)
const PUSHES = Number(flag('--pushes') ?? 3)
const PROF = argv.includes('--prof')
// With --wrk SECONDS, requests come from wrk at 16 connections (as figure 4
// and 5 send them) instead of one at a time from this process.
const WRK = flag('--wrk') === undefined ? null : Number(flag('--wrk'))
const known = ['push', 'info-refs', 'no-creds', 'unknown-id', 'idle']
const chosen = argv.filter(a => known.includes(a))
const scenarios = chosen.length > 0 ? chosen : known
const dir = resolve(process.env.GITWARD_CPU_DIR || join(tmpdir(), 'gitward-cpu'))
const repos = join(dir, 'repos')
const gitEnv = {
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  HOME: join(dir, 'home'),
  LANG: 'C',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_TERMINAL_PROMPT: '0',
  GIT_AUTHOR_NAME: 'Bench',
  GIT_AUTHOR_EMAIL: 'bench@bench.invalid',
  GIT_COMMITTER_NAME: 'Bench',
  GIT_COMMITTER_EMAIL: 'bench@bench.invalid',
}
const git = (args, opts = {}) => execFileSync('git', args, { env: gitEnv, encoding: 'utf8', maxBuffer: 1 << 20, ...opts }).trim()
const cli = args =>
  execFileSync(process.execPath, [join(SERVER_ROOT, 'bin', 'gitward'), '--db', join(dir, 'gitward.db'), '--repos', repos, ...args], {
    env: serverEnv(),
    encoding: 'utf8',
  }).trim()

/** 50 commits of one 4 MiB random blob each (~210 MB packed), made once. */
function ensureSource() {
  const src = join(dir, 'source')
  if (existsSync(join(src, '.done'))) return src
  rmSync(src, { recursive: true, force: true })
  git(['init', '--quiet', '--initial-branch=main', src])
  writeFileSync(join(src, '.gitattributes'), '*.bin -delta\n')
  for (let i = 0; i < 50; i++) {
    writeFileSync(join(src, `blob-${i}.bin`), randomBytes(4 << 20))
    git(['-C', src, '-c', 'core.compression=0', 'add', '.'])
    git(['-C', src, 'commit', '--quiet', '-m', `blob ${i}`])
  }
  git(['-C', src, 'repack', '-a', '-d', '-q', '--window=0'])
  writeFileSync(join(src, '.done'), '')
  return src
}

function setUp() {
  mkdirSync(join(dir, 'home'), { recursive: true })
  rmSync(repos, { recursive: true, force: true })
  rmSync(join(dir, 'gitward.db'), { force: true })
  mkdirSync(repos, { recursive: true })
  try {
    cli(['init'])
  } catch (e) {
    // Builds from before `init` existed create the database on first use.
    if (!/unknown command 'init'/.test(String(e.stderr))) throw e
  }
  cli(['repo', 'create', 'bench/small'])
  cli(['repo', 'create', 'bench/push'])
  const token = cli(['token', 'create', '--group', 'bench', '--name', 'bench', '--scopes', 'read_repository,write_repository'])
  return token
}

function startGitward() {
  const args = process.env.CPU_COST_NODE_FLAGS === undefined ? [...nodeFlags(SERVER_ROOT)] : process.env.CPU_COST_NODE_FLAGS.split(' ').filter(Boolean)
  if (PROF) {
    mkdirSync(join(dir, 'prof'), { recursive: true })
    args.push('--cpu-prof', '--cpu-prof-dir', join(dir, 'prof'))
  }
  args.push(join(SERVER_ROOT, 'bin', 'gitward'), 'serve', '--listen', '127.0.0.1:0', '--db', join(dir, 'gitward.db'), '--repos', repos)
  const child = spawn(process.execPath, args, {
    // GITWARD_CPU_SETTINGS (JSON) replaces the settings, for a build older than them.
    env: serverEnv(process.env.GITWARD_CPU_SETTINGS === undefined ? { backend_max_processes_per_client: 16, ban_enabled: false } : JSON.parse(process.env.GITWARD_CPU_SETTINGS)),
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  return new Promise((ok, fail) => {
    let text = ''
    const onData = c => {
      text += c
      const m = /gitward is listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(text)
      if (m) {
        child.stderr.off('data', onData)
        child.stderr.resume()
        ok({ child, port: Number(m[1]) })
      }
    }
    child.stderr.on('data', onData)
    child.once('exit', code => fail(new Error(`gitward exited (${code}): ${text}`)))
  })
}

function stop(child) {
  return new Promise(ok => {
    child.once('exit', ok)
    child.kill('SIGTERM')
  })
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
function get(port, path, authorization) {
  return new Promise((ok, fail) => {
    const headers = { 'Git-Protocol': 'version=2' }
    if (authorization !== undefined) headers.Authorization = authorization
    const req = http.request({ host: '127.0.0.1', port, path, agent, headers }, res => {
      res.resume()
      res.on('end', () => ok(res.statusCode))
    })
    req.on('error', fail)
    req.end()
  })
}

const basic = token => `Basic ${Buffer.from(`git:${token}`).toString('base64')}`

async function perRequest(pid, n, next) {
  for (let i = 0; i < 50; i++) await next(i) // warm-up: JIT, caches
  const before = processCpu(pid)
  const statuses = {}
  for (let i = 0; i < n; i++) {
    const s = await next(i)
    statuses[s] = (statuses[s] ?? 0) + 1
  }
  const after = processCpu(pid)
  return { selfUs: ((after.self - before.self) / n) * 1e6, gitUs: ((after.children - before.children) / n) * 1e6, statuses }
}

/** wrk -c16 -t2 for WRK seconds with the given Authorization values (cycled); CPU per answered request. */
async function perRequestWrk(pid, port, path, authorizations) {
  const scripts = writeWrkScripts(dir)
  const authFile = join(dir, 'wrk-auth.txt')
  writeFileSync(authFile, authorizations.length === 0 ? '' : authorizations.join('\n') + '\n', { mode: 0o600 })
  const run = seconds =>
    new Promise((ok, fail) => {
      const p = spawn('wrk', ['-c16', '-t2', `-d${seconds}s`, '--timeout', '10s', '-s', scripts.cycling, `http://127.0.0.1:${port}${path}`], {
        env: { ...process.env, GITWARD_BENCH_AUTH_FILE: authorizations.length === 0 ? '' : authFile },
        stdio: ['ignore', 'pipe', 'inherit'],
      })
      let text = ''
      p.stdout.on('data', c => (text += c))
      p.on('error', fail)
      p.on('exit', () => {
        const m = /GITWARD_STATUS (\{.*\})/.exec(text)
        ok(m === null ? {} : JSON.parse(m[1]))
      })
    })
  await run(1) // warm-up: JIT, caches
  // --perf-stat: the server's own system calls and context switches per request (threads, no children).
  const counter = argv.includes('--perf-stat')
    ? spawn('perf', ['stat', '--no-inherit', '-x,', '-e', 'context-switches,raw_syscalls:sys_enter', '-p', String(pid), '-o', join(dir, 'perf-stat.txt')], { stdio: 'ignore' })
    : null
  if (counter !== null) await new Promise(r => setTimeout(r, 500))
  const before = processCpu(pid)
  const statuses = await run(WRK)
  const after = processCpu(pid)
  let perRequest = ''
  if (counter !== null) {
    await new Promise(r => {
      counter.once('exit', r)
      counter.kill('SIGINT')
    })
    const n = Object.values(statuses).reduce((a, b) => a + b, 0)
    perRequest = readFileSync(join(dir, 'perf-stat.txt'), 'utf8').split('\n').filter(l => /^\d/.test(l)).map(l => {
      const [count, , event] = l.split(',')
      return `${event} ${(Number(count) / n).toFixed(1)}/req`
    }).join(', ')
  }
  const n = Object.values(statuses).reduce((a, b) => a + b, 0)
  return { selfUs: ((after.self - before.self) / n) * 1e6, gitUs: ((after.children - before.children) / n) * 1e6, statuses, requests: n, perRequest }
}

async function push(pid, port, token, src) {
  const target = join(repos, 'bench', 'push.git')
  rmSync(target, { recursive: true, force: true })
  git(['init', '--bare', '--quiet', '--initial-branch=main', target])
  const helper = `!f() { test "$1" = get && printf "username=git\\npassword=%s\\n" "$T"; }; f`
  // --strace: count the server's system calls during the push (slows it; CPU figures then mean nothing).
  const tracer = argv.includes('--strace') ? spawn('strace', [...(process.env.STRACE_ARGS ?? '-c -f').split(' '), '-p', String(pid), '-o', join(dir, 'strace.txt')], { stdio: 'ignore' })
    : argv.includes('--perf-stat') ? spawn('perf', ['stat', '--no-inherit', '-e', 'task-clock,context-switches,raw_syscalls:sys_enter', '-p', String(pid), '-o', join(dir, 'strace.txt')], { stdio: 'ignore' })
    : argv.includes('--perf-trace') ? spawn('perf', ['trace', '-s', '-p', String(pid), '-o', join(dir, 'strace.txt')], { stdio: 'ignore' })
    : argv.includes('--perf') ? spawn('perf', ['record', '-F', '999', '-g', '-p', String(pid), '-o', join(dir, 'perf.data')], { stdio: 'ignore' }) : null
  if (tracer !== null) await new Promise(r => setTimeout(r, 1000))
  const before = processCpu(pid)
  const sleptBefore = switches(pid)
  const started = performance.now()
  execFileSync('git', ['-C', src, '-c', `credential.helper=${helper}`, 'push', '--quiet', `http://127.0.0.1:${port}/bench/push.git`, 'main:main'], {
    env: { ...gitEnv, T: token },
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  const after = processCpu(pid)
  const wallS = (performance.now() - started) / 1000
  if (tracer !== null) {
    await new Promise(r => {
      tracer.once('exit', r)
      tracer.kill('SIGINT')
    })
    if (argv.includes('--strace') || argv.includes('--perf-trace') || argv.includes('--perf-stat')) console.log(readFileSync(join(dir, 'strace.txt'), 'utf8').split('\n').slice(0, 60).join('\n'))
  }
  if (git(['-C', target, 'rev-parse', 'main']) !== git(['-C', src, 'rev-parse', 'main'])) throw new Error('the push did not arrive')
  return { self: after.self - before.self, git: after.children - before.children, sleeps: switches(pid) - sleptBefore, wallS }
}

/** Voluntary context switches of the server's main thread (how often its event loop slept). */
function switches(pid) {
  const m = /voluntary_ctxt_switches:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return m ? Number(m[1]) : NaN
}

function vmRss(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return m ? Number(m[1]) / 1024 : NaN
}

async function main() {
  mkdirSync(dir, { recursive: true })
  const src = scenarios.includes('push') ? ensureSource() : null
  const token = setUp()
  const { child, port } = await startGitward()
  const pid = child.pid
  const out = {}
  try {
    if (scenarios.includes('idle')) {
      await new Promise(r => setTimeout(r, 1000))
      out.idle = { vmRssMiB: Number(vmRss(pid).toFixed(1)) }
      console.log(`idle VmRSS ${out.idle.vmRssMiB} MiB`)
    }
    const url = '/bench/small.git/info/refs?service=git-upload-pack'
    if (scenarios.includes('info-refs')) {
      out.infoRefs = WRK === null ? await perRequest(pid, N, () => get(port, url, basic(token))) : await perRequestWrk(pid, port, url, [basic(token)])
      console.log(`info-refs   node ${out.infoRefs.selfUs.toFixed(0)} µs/req, git ${out.infoRefs.gitUs.toFixed(0)} µs/req`, out.infoRefs.statuses, out.infoRefs.perRequest ?? '')
    }
    if (scenarios.includes('no-creds')) {
      out.noCreds = WRK === null ? await perRequest(pid, N, () => get(port, url)) : await perRequestWrk(pid, port, url, [])
      console.log(`no-creds    node ${out.noCreds.selfUs.toFixed(0)} µs/req`, out.noCreds.statuses, out.noCreds.perRequest ?? '')
    }
    if (scenarios.includes('unknown-id')) {
      const prefix = token.slice(0, token.length - 51) // id 12 + _ + secret 32 + checksum 6
      const values = Array.from({ length: 1000 }, () => basic(formatToken(prefix, newTokenId(randomBytes), newSecret(randomBytes))))
      out.unknownId = WRK === null ? await perRequest(pid, N, i => get(port, url, values[i % values.length])) : await perRequestWrk(pid, port, url, values)
      console.log(`unknown-id  node ${out.unknownId.selfUs.toFixed(0)} µs/req`, out.unknownId.statuses, out.unknownId.perRequest ?? '')
    }
    if (scenarios.includes('push')) {
      out.push = []
      // The token's first use costs one bcrypt compare; the benchmark warms it too.
      await get(port, '/bench/push.git/info/refs?service=git-receive-pack', basic(token))
      for (let i = 0; i < PUSHES; i++) {
        const p = await push(pid, port, token, src)
        out.push.push(p)
        console.log(`push ${i + 1}      node ${p.self.toFixed(2)} s, git ${p.git.toFixed(2)} s, event loop slept ${p.sleeps} times, ${p.wallS.toFixed(2)} s wall`)
      }
      const selfs = out.push.map(p => p.self).sort((a, b) => a - b)
      console.log(`push median node ${selfs[Math.floor(selfs.length / 2)].toFixed(2)} s CPU`)
    }
  } finally {
    agent.destroy()
    await stop(child)
  }
  writeFileSync(join(dir, 'result.json'), JSON.stringify(out, null, 2))
}

main().catch(e => {
  console.error(e)
  process.exitCode = 1
})

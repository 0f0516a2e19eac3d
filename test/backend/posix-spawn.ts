// The posix_spawn starter: the same contract as child_process.spawn for what
// the embedded backend uses, and the same isolation (an environment built
// from scratch, a process group of its own, default signal handling, no
// inherited descriptors), proved with real processes; then a real clone and
// push through the embedded backend started with it.
import t from 'tap'
import { execFile, spawn as nodeSpawn, type ChildProcess, type SpawnOptions } from 'node:child_process'
import { openSync, closeSync, writeFileSync, mkdirSync } from 'node:fs'
import path from 'node:path'
import { chooseSpawn, createPosixSpawn, loadNativeSpawn } from '../../src/backend/posix-spawn.js'
import { createEmbeddedBackend } from '../../src/backend/embedded-backend.js'
import { ProcessGroup } from '../../src/backend/process-group.js'
import { findServicePrograms } from '../../src/backend/git-service-programs.js'
import { createLogger } from '../../src/log/logger.js'
import { ManualClock } from '../../src/clock.js'
import { gitEnv } from '../helpers/git/client.js'

const loaded = loadNativeSpawn()
if (!loaded.ok) {
  // A checkout where `npm ci` has not built the addon still runs gitward
  // (with child_process) and skips these tests; under CI (CI=true), where
  // .ci/run's `npm ci` builds it, its absence is a failure.
  if (process.env['CI'] === 'true') t.fail(`the posix_spawn addon is not built: ${loaded.reason}`)
  else t.plan(0, `the posix_spawn addon is not built (${loaded.reason}); run "npm ci" or "npx node-gyp rebuild"`)
  process.exit()
}
const fallbacks: Array<{ file: string; reason: string }> = []
const recordingFallback = ((file: string, args: readonly string[], options: SpawnOptions) => {
  fallbacks.push({ file, reason: 'fallback' })
  return nodeSpawn(file, args, options)
}) as typeof nodeSpawn
const reasons: string[] = []
const spawn = createPosixSpawn({ native: loaded.native, fallback: recordingFallback, onFallback: r => reasons.push(r) })

const PIPES: SpawnOptions = { stdio: ['pipe', 'pipe', 'pipe'], detached: true, cwd: '/', env: { PATH: '/usr/bin:/bin' } }

interface Outcome {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  events: string[]
}

function collect(child: ChildProcess, input?: string): Promise<Outcome> {
  const events: string[] = []
  let stdout = ''
  let stderr = ''
  child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()))
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()))
  child.stdin?.on('error', () => {})
  if (input !== undefined) child.stdin?.end(input)
  child.on('exit', () => events.push('exit'))
  child.stdout?.on('end', () => events.push('stdout end'))
  return new Promise(resolve => {
    child.on('close', (code: number | null, signal: NodeJS.Signals | null) => {
      events.push('close')
      resolve({ code, signal, stdout, stderr, events })
    })
  })
}

t.test('runs the program with exactly the given environment, arguments and directory', async t => {
  const dir = t.testdir({})
  const child = spawn('sh', ['-c', 'env | sort; pwd; echo "$0|$1" >&2', 'one two'], { ...PIPES, cwd: dir, env: { PATH: '/usr/bin:/bin', ONLY: 'this' } })
  const out = await collect(child)
  t.equal(out.code, 0)
  t.equal(out.signal, null)
  const lines = out.stdout.trim().split('\n')
  // sh adds PWD (and may add SHLVL and _); nothing comes from gitward's own environment.
  const names = lines.slice(0, -1).map(l => l.split('=')[0]).filter(n => !['PWD', 'SHLVL', '_'].includes(n ?? ''))
  t.same(names, ['ONLY', 'PATH'])
  t.equal(lines.at(-1), dir)
  t.equal(out.stderr, 'one two|\n')
  t.same(out.events.at(-1), 'close', "'close' comes last, after exit and the end of output")
  t.ok(out.events.indexOf('stdout end') < out.events.indexOf('close'))
  t.same(fallbacks, [])
})

t.test('stdio are Unix stream sockets, as child_process gives them (large pieces per wake-up)', async t => {
  const child = spawn('sh', ['-c', 'for fd in 0 1 2; do readlink /proc/self/fd/$fd; done >&2'], PIPES)
  child.stdin?.end()
  const out = await collect(child)
  t.equal(out.code, 0)
  const kinds = out.stderr.trim().split('\n').map(l => l.replace(/:\[\d+\]$/, ''))
  t.same(kinds, ['socket', 'socket', 'socket'])
})

t.test('stdin keeps backpressure: a large input comes back whole', async t => {
  const input = 'x'.repeat(4 * 1024 * 1024) + '\n'
  const out = await collect(spawn('cat', [], PIPES), input)
  t.equal(out.code, 0)
  t.equal(out.stdout.length, input.length)
})

t.test('reports the exit code and a terminating signal by name', async t => {
  t.equal((await collect(spawn('sh', ['-c', 'exit 3'], PIPES))).code, 3)
  const out = await collect(spawn('sh', ['-c', 'kill -TERM $$'], PIPES))
  t.equal(out.code, null)
  t.equal(out.signal, 'SIGTERM')
})

t.test('the child leads its own process group, so one signal reaches everything it starts', async t => {
  const child = spawn('sh', ['-c', 'sleep 30 & echo "$$ $(ps -o pgid= -p $$)"; wait'], PIPES)
  await new Promise(resolve => child.once('spawn', resolve))
  let first = ''
  await new Promise<void>(resolve => child.stdout?.once('data', (c: Buffer) => {
    first = c.toString()
    resolve()
  }))
  const [pid, pgid] = first.trim().split(/\s+/).map(Number)
  t.equal(pid, child.pid)
  t.equal(pgid, child.pid)
  const done = collect(child)
  process.kill(-(child.pid as number), 'SIGTERM')
  const out = await done
  t.equal(out.signal, 'SIGTERM')
})

t.test('a process group stopped before its pid is known is stopped as soon as it runs', async t => {
  const child = spawn('sh', ['-c', 'sleep 30 & wait'], PIPES)
  t.equal(child.pid, undefined, 'the start happens on a worker thread')
  const group = new ProcessGroup(child, 5000)
  group.stop()
  const exit = await group.exited
  t.equal(exit.signal, 'SIGTERM')
})

t.test('a start that fails on the worker thread is an error, then the end, like child_process', async t => {
  const child = spawn('true', [], { ...PIPES, cwd: '/no/such/directory/for/gitward' })
  const error = await new Promise<NodeJS.ErrnoException>(resolve => child.once('error', resolve))
  t.match(error.message, /No such file or directory/)
  t.equal(error.syscall, 'spawn')
  await new Promise(resolve => child.once('close', resolve))
  t.equal(child.pid, undefined)
})

t.test('signals gitward ignores (SIGPIPE) are back to their defaults in the child, and none is blocked', async t => {
  const out = await collect(spawn('sh', ['-c', "grep -E '^Sig(Ign|Blk):' /proc/self/status"], PIPES))
  const mask = (name: string): bigint => BigInt('0x' + (new RegExp(`${name}:\\s+([0-9a-f]+)`).exec(out.stdout)?.[1] ?? 'ffffffffffffffff'))
  // Bit n-1 is signal n. Only glibc's two internal real-time signals (32,
  // SIGCANCEL, and 33, SIGSETXID) may stay ignored: glibc installs its own
  // handlers for them when a program needs them. Everything a program
  // expects by default, SIGPIPE (13) above all, is at its default.
  t.equal(mask('SigIgn') & ~0x180000000n, 0n, out.stdout)
  t.equal(mask('SigIgn') & (1n << 12n), 0n, 'SIGPIPE is not ignored')
  t.equal(mask('SigBlk'), 0n)
})

t.test('no descriptor of gitward leaks into the child (only its three pipes)', async t => {
  const dir = t.testdir({ f: 'secret' })
  // An fd opened the way an application would (Node opens with O_CLOEXEC).
  const fd = openSync(path.join(dir, 'f'), 'r')
  t.teardown(() => closeSync(fd))
  const out = await collect(spawn('sh', ['-c', 'ls /proc/self/fd'], PIPES))
  // 0-2 and the descriptor ls uses to read the directory; nothing else,
  // not even one opened without close-on-exec.
  t.ok(out.stdout.trim().split('\n').map(Number).every(n => n <= 3), out.stdout)
})

t.test('a program missing from the child PATH, and other option shapes, go to child_process (ENOENT as usual)', async t => {
  fallbacks.length = 0
  const child = spawn('no-such-program-gitward', [], PIPES)
  const error = await new Promise<NodeJS.ErrnoException>(resolve => child.once('error', resolve))
  t.equal(error.code, 'ENOENT')
  t.equal(fallbacks.length, 1)
  const inherit = spawn('true', [], { ...PIPES, stdio: 'ignore' })
  await new Promise(resolve => inherit.once('close', resolve))
  t.equal(fallbacks.length, 2)
  t.equal(reasons.length, 2, 'each reason is reported once')
})

t.test('chooseSpawn uses the addon and reports nothing when it loads', async t => {
  const told: string[] = []
  const chosen = chooseSpawn(m => told.push(m))
  t.equal(chosen.fast, true)
  t.same(told, [])
})

t.test('a clone and a push through the embedded backend started with posix_spawn', async t => {
  const dir = t.testdir({ repos: {}, home: {}, client: {}, clienthome: {} })
  const repos = path.join(dir, 'repos')
  const run = (args: string[], cwd = dir): Promise<{ code: number; stderr: string }> =>
    new Promise(resolve => {
      execFile('git', args, { cwd, env: gitEnv(path.join(dir, 'clienthome')) }, (err, _out, stderr) => {
        resolve({ code: err === null ? 0 : ((err as { code?: number }).code ?? 1), stderr })
      })
    })
  mkdirSync(path.join(repos, 'acme'), { recursive: true })
  t.equal((await run(['init', '--bare', '--quiet', '--initial-branch=main', path.join(repos, 'acme', 'app.git')])).code, 0)
  const found = findServicePrograms('git', '/usr/local/bin:/usr/bin:/bin')
  if (!found.ok) throw new Error(found.reason)
  const started: number[] = []
  const fallbacksBefore = fallbacks.length
  const backend = createEmbeddedBackend({
    reposRoot: repos,
    logger: createLogger({ write: () => {}, clock: new ManualClock(0) }),
    maxProcesses: 4,
    queueTimeoutMs: 5000,
    homeDir: path.join(dir, 'home'),
    // As serve runs them: git-upload-pack and git-receive-pack themselves, without the git wrapper.
    servicePrograms: found.programs,
    spawn: ((file: string, args: readonly string[], options: SpawnOptions) => {
      const child = spawn(file, args, options)
      child.once('spawn', () => started.push(child.pid ?? -1))
      return child
    }) as typeof nodeSpawn,
  })
  t.teardown(() => backend.close())
  const { port } = await backend.listenTcp('127.0.0.1', 0)
  const url = `http://127.0.0.1:${port}/acme/app.git`
  const work = path.join(dir, 'client', 'work')
  mkdirSync(work)
  writeFileSync(path.join(work, 'README'), 'hello\n')
  t.equal((await run(['init', '--quiet', '--initial-branch=main'], work)).code, 0)
  t.equal((await run(['add', 'README'], work)).code, 0)
  t.equal((await run(['commit', '--quiet', '-m', 'first'], work)).code, 0)
  const push = await run(['-c', 'http.extraHeader=x-gitward-remote-user:test_bot', 'push', '--quiet', url, 'main'], work)
  t.equal(push.code, 0, push.stderr)
  const clone = await run(['clone', '--quiet', url, path.join(dir, 'client', 'copy')])
  t.equal(clone.code, 0, clone.stderr)
  t.ok(started.length >= 4 && started.every(pid => pid > 0), 'every git process came from posix_spawn')
  t.equal(fallbacks.length, fallbacksBefore, 'none went to child_process')
  t.equal(backend.activeProcesses(), 0)
})

// The exchange with one git process, against a scripted git process: every order in which its
// events can arrive (git's exit before or after the last body byte, a client
// that leaves in each state) ends in the same, explicit answer.
import t from 'tap'
import type { Test } from 'tap'
import { EventEmitter } from 'node:events'
import http from 'node:http'
import type { ChildProcess } from 'node:child_process'
import { PassThrough } from 'node:stream'
import { GitExchange, type ExchangeDeps, type ExchangeState } from '../../src/backend/git-exchange.js'
import type { ProcessGroup } from '../../src/backend/process-group.js'
import { createConcurrencyLimiter } from '../../src/limits/concurrency-limiter.js'
import { createLogger } from '../../src/log/logger.js'
import { ManualClock } from '../../src/clock.js'

/** A stand-in for git-upload-pack: its streams and exit are driven by the test. */
class FakeGit extends EventEmitter {
  readonly stdin = new PassThrough()
  readonly stdout = new PassThrough()
  readonly stderr = new PassThrough()
  readonly pid = 4242
  received = ''
  constructor() {
    super()
    this.stdin.on('data', (d: Buffer) => (this.received += d.toString()))
  }
  exit(code: number | null, signal: NodeJS.Signals | null = null): void {
    this.stdout.end()
    this.stderr.end()
    this.emit('close', code, signal)
  }
}

interface Scene {
  git: FakeGit[]
  kills: Array<[number, NodeJS.Signals]>
  logs: string[]
  exchanges: GitExchange[]
  processes: Set<ProcessGroup>
  /** Send a request; resolves with what the client saw. */
  request(body?: string): { done: Promise<Reply>; cut: () => void }
  /** Waits until `n` fake git processes were started. */
  started(n: number): Promise<FakeGit>
}

interface Reply {
  status: number
  headers: http.IncomingHttpHeaders
  body: string
  error?: string
}

const RESULT_HEAD = { status: 200, headers: { 'content-type': 'application/x-git-upload-pack-result', pragma: 'no-cache' } }

async function scene(t: Test, over: Partial<ExchangeDeps> = {}, closing = false, preamble: Buffer | null = null): Promise<Scene> {
  const git: FakeGit[] = []
  const kills: Array<[number, NodeJS.Signals]> = []
  const logs: string[] = []
  const exchanges: GitExchange[] = []
  const processes = new Set<ProcessGroup>()
  const log = createLogger({ write: l => logs.push(l), clock: new ManualClock(0), level: 'debug' })
  const deps: ExchangeDeps = {
    limiter: createConcurrencyLimiter({ maxConcurrent: 1, queueTimeoutMs: 60_000 }),
    spawnGit: () => {
      const g = new FakeGit()
      git.push(g)
      return g as unknown as ChildProcess
    },
    killGraceMs: 50,
    processes,
    isClosing: () => closing,
    kill: (pid, signal) => kills.push([pid, signal]),
    ...over,
  }
  const server = http.createServer((req, res) => {
    const exchange = new GitExchange(
      {
        res,
        body: req,
        route: { project: 'acme/app', service: 'git-upload-pack', kind: 'rpc' },
        command: { program: 'git-upload-pack', args: ['--stateless-rpc', '.'], env: {}, cwd: '/nonexistent' },
        head: RESULT_HEAD,
        preamble,
        log,
      },
      deps,
    )
    exchanges.push(exchange)
    void exchange.run()
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', () => resolve()))
  t.teardown(() => {
    server.closeAllConnections()
    server.close()
  })
  const port = (server.address() as { port: number }).port
  return {
    git,
    kills,
    logs,
    exchanges,
    processes,
    request(body = '') {
      let req: http.ClientRequest | undefined
      const done = new Promise<Reply>(resolve => {
        req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/x', agent: false }, res => {
          let text = ''
          res.setEncoding('utf8')
          res.on('data', (d: string) => (text += d))
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }))
          res.on('error', e => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text, error: e.message }))
        })
        req.on('error', e => resolve({ status: 0, headers: {}, body: '', error: e.message }))
        req.end(body)
      })
      return { done, cut: () => req?.destroy() }
    },
    async started(n) {
      for (let i = 0; i < 500 && git.length < n; i++) await new Promise(r => setTimeout(r, 10))
      const g = git[n - 1]
      if (g === undefined) throw new Error(`git #${n} never started`)
      return g
    },
  }
}

const until = async (cond: () => boolean): Promise<boolean> => {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise(r => setTimeout(r, 10))
  return cond()
}


t.test('git exits after its last byte: a complete 200', async t => {
  const s = await scene(t)
  const { done } = s.request('0000')
  const g = await s.started(1)
  g.stdout.write('pack')
  t.ok(await until(() => s.exchanges[0]?.state === 'streaming'), 'streaming once the first body byte is out')
  g.stdout.end()
  await new Promise(r => setTimeout(r, 30))
  t.equal(s.exchanges[0]?.state, 'streaming', 'not done before git has exited')
  g.exit(0)
  const reply = await done
  t.same([reply.status, reply.body, reply.error], [200, 'pack', undefined])
  t.equal(reply.headers['content-type'], 'application/x-git-upload-pack-result')
  t.equal(reply.headers.pragma, 'no-cache', 'the head the exchange was given')
  t.equal(g.received, '0000', 'the request body reached git')
  t.equal(s.exchanges[0]?.state, 'done')
  t.equal(s.processes.size, 0, 'the process is no longer counted')
})

t.test('git exits before its output is read: still a complete 200', async t => {
  const s = await scene(t)
  const { done } = s.request()
  const g = await s.started(1)
  g.stdout.write('pack')
  g.exit(0)
  const reply = await done
  t.same([reply.status, reply.body, reply.error], [200, 'pack', undefined])
})

t.test('no output: the head goes out when git exits 0, without the preamble', async t => {
  const s = await scene(t, {}, false, Buffer.from('PRE'))
  const { done } = s.request()
  const g = await s.started(1)
  await new Promise(r => setTimeout(r, 30))
  t.equal(s.exchanges[0]?.state, 'running', 'no status line before the first byte')
  g.exit(0)
  const reply = await done
  t.same([reply.status, reply.body], [200, ''])
})

t.test("the preamble goes out once, before git's first byte", async t => {
  const s = await scene(t, {}, false, Buffer.from('001e# service=git-upload-pack\n0000'))
  const { done } = s.request()
  const g = await s.started(1)
  g.stdout.write('0014adv')
  await new Promise(r => setTimeout(r, 10))
  g.stdout.write('ertisement')
  g.exit(0)
  const reply = await done
  t.equal(reply.body, '001e# service=git-upload-pack\n00000014advertisement')
})

t.test('git fails before the first body byte: a plain 502 with its stderr logged', async t => {
  const s = await scene(t)
  const { done } = s.request()
  const g = await s.started(1)
  g.stderr.write('fatal: bad request\n')
  g.exit(128)
  const reply = await done
  t.equal(reply.status, 502)
  t.equal(reply.body, 'The git backend failed.\n')
  t.equal(reply.headers['cache-control'], 'no-store')
  t.equal(reply.headers['x-content-type-options'], 'nosniff')
  t.ok(s.logs.some(l => l.includes('git failed') && l.includes('fatal: bad request')), 'stderr in the log')
})

t.test('git fails mid-body: the connection is cut, not ended', async t => {
  const s = await scene(t)
  const { done } = s.request()
  const g = await s.started(1)
  g.stdout.write('half a pack')
  t.ok(await until(() => s.exchanges[0]?.state === 'streaming'))
  g.exit(null, 'SIGSEGV')
  const reply = await done
  t.equal(reply.status, 200)
  t.ok(reply.error !== undefined, `the client sees an incomplete response (${reply.error})`)
})

t.test('a client that leaves while git runs: the group is stopped, then the exchange is done', async t => {
  for (const phase of ['running', 'streaming'] as const) {
    const s = await scene(t)
    const { cut } = s.request()
    const g = await s.started(1)
    if (phase === 'streaming') {
      g.stdout.write('x')
      t.ok(await until(() => s.exchanges[0]?.state === 'streaming'))
    }
    cut()
    t.ok(await until(() => s.kills.length > 0), `${phase}: git's group got a signal`)
    t.same(s.kills[0], [-4242, 'SIGTERM'], `${phase}: SIGTERM to the whole group`)
    t.equal(s.exchanges[0]?.state, phase, `${phase}: not done while git still runs`)
    g.exit(null, 'SIGTERM')
    t.ok(await until(() => s.exchanges[0]?.state === 'done'), `${phase}: done once git has exited`)
    t.ok(s.logs.some(l => l.includes('client went away')), `${phase}: logged as a client that left`)
    t.equal(s.processes.size, 0)
  }
})

t.test('a group that ignores SIGTERM gets SIGKILL after the grace period', async t => {
  const s = await scene(t)
  const { cut } = s.request()
  const g = await s.started(1)
  cut()
  t.ok(await until(() => s.kills.length === 2), 'a second signal')
  t.same(s.kills, [[-4242, 'SIGTERM'], [-4242, 'SIGKILL']])
  g.exit(null, 'SIGKILL')
})

t.test('a client that leaves while waiting for a slot gives it up; the next one gets it', async t => {
  const s = await scene(t)
  const first = s.request()
  const g1 = await s.started(1)
  const second = s.request()
  t.ok(await until(() => s.exchanges.length === 2))
  const states: ExchangeState[] = s.exchanges.map(e => e.state)
  t.same(states, ['running', 'waiting-for-slot'])
  second.cut()
  t.ok(await until(() => s.exchanges[1]?.state === 'done'), 'the waiting exchange is done')
  g1.stdout.write('a')
  g1.exit(0)
  t.equal((await first.done).status, 200)
  const third = s.request()
  const g3 = await s.started(2)
  g3.stdout.write('b')
  g3.exit(0)
  t.equal((await third.done).body, 'b', 'the slot went to the next request, not to the one that left')
})

t.test('a full queue is a plain 503 with Retry-After', async t => {
  const s = await scene(t, { limiter: createConcurrencyLimiter({ maxConcurrent: 1, queueTimeoutMs: 60_000, maxQueue: 0 }) })
  const first = s.request()
  const g = await s.started(1)
  const reply = await s.request().done
  t.equal(reply.status, 503)
  t.equal(reply.headers['retry-after'], '1')
  g.exit(0)
  await first.done
})

t.test('a backend that is closing refuses with 503 and starts nothing', async t => {
  const s = await scene(t, {}, true)
  const reply = await s.request().done
  t.equal(reply.status, 503)
  t.equal(s.git.length, 0)
})

// The embedded backend against the real git client and real git http-backend
// processes. There is no front here, so the identity header a push needs is
// sent by the client itself with http.extraHeader.
import t from 'tap'
import type { Test } from 'tap'
import { execFile, spawn as nodeSpawn, type ChildProcess, type SpawnOptions } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, readdirSync, realpathSync, statSync, writeFileSync, chmodSync, symlinkSync } from 'node:fs'
import http from 'node:http'
import net from 'node:net'
import path from 'node:path'
import { randomBytes } from 'node:crypto'
import { createEmbeddedBackend, type EmbeddedBackend, type EmbeddedBackendOptions } from '../../src/backend/embedded-backend.js'
import { createLogger } from '../../src/log/logger.js'
import { ManualClock } from '../../src/clock.js'
import { gitEnv } from '../helpers/git/client.js'
import { waitUntil } from '../helpers/wait/wait-until.js'

interface Run {
  code: number
  stdout: string
  stderr: string
}

interface Harness {
  dir: string
  repos: string
  backend: EmbeddedBackend
  url: string
  port: number
  socketPath: string
  logs: string[]
  spawned: Array<{ child: ChildProcess; pathInfo: string; env: NodeJS.ProcessEnv; args: readonly string[]; cwd: string }>
  git(args: readonly string[], options?: { cwd?: string; env?: Record<string, string> }): Promise<Run>
  bare(project: string): Promise<void>
}

const IDENTITY = ['-c', 'http.extraHeader=x-gitward-remote-user:test_bot']

async function start(t: Test, over: Partial<EmbeddedBackendOptions> = {}, script?: string): Promise<Harness> {
  const dir = t.testdir({ repos: { acme: {} }, home: {}, client: {}, clienthome: {}, bin: {} })
  if (script !== undefined) {
    const fake = path.join(dir, 'bin', 'fake-git')
    writeFileSync(fake, `#!/bin/sh\n${script}\n`)
    chmodSync(fake, 0o755)
    over = { ...over, gitBinary: fake }
  }
  const repos = path.join(dir, 'repos')
  const logs: string[] = []
  const spawned: Harness['spawned'] = []
  const recordingSpawn = ((cmd: string, args: readonly string[], options: SpawnOptions) => {
    const child = nodeSpawn(cmd, args, options)
    spawned.push({ child, pathInfo: String(options.env?.PATH_INFO ?? ''), env: { ...options.env }, args, cwd: String(options.cwd ?? '') })
    return child
  }) as typeof nodeSpawn
  const backend = createEmbeddedBackend({
    reposRoot: repos,
    logger: createLogger({ write: l => logs.push(l), clock: new ManualClock(0), level: 'debug' }),
    maxProcesses: 4,
    queueTimeoutMs: 5000,
    homeDir: path.join(dir, 'home'),
    pathEnv: process.env.PATH ?? '/usr/bin:/bin',
    killGraceMs: 500,
    spawn: recordingSpawn,
    ...over,
  })
  t.teardown(() => backend.close())
  // The default parent (the OS temp dir) keeps the path within sun_path's limit.
  const { socketPath } = await backend.listenPrivate()
  const { port } = await backend.listenTcp('127.0.0.1', 0)
  const clientHome = path.join(dir, 'clienthome')
  const git = (args: readonly string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<Run> =>
    new Promise(resolve => {
      execFile(
        'git',
        [...args],
        { cwd: options.cwd ?? path.join(dir, 'client'), env: gitEnv(clientHome, options.env), timeout: 30_000, encoding: 'utf8' },
        (error, stdout, stderr) => {
          resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr })
        },
      )
    })
  return {
    dir,
    repos,
    backend,
    url: `http://127.0.0.1:${port}`,
    port,
    socketPath,
    logs,
    spawned,
    git,
    bare: async project => {
      const r = await git(['init', '--quiet', '--bare', '--initial-branch=main', path.join(repos, `${project}.git`)])
      if (r.code !== 0) throw new Error(r.stderr)
    },
  }
}

/** A working copy with one commit on main. */
async function workingCopy(h: Harness, name: string, content = 'hello\n'): Promise<string> {
  const wc = path.join(h.dir, 'client', name)
  const init = await h.git(['init', '--quiet', '--initial-branch=main', wc])
  if (init.code !== 0) throw new Error(init.stderr)
  writeFileSync(path.join(wc, 'README'), content)
  await h.git(['add', 'README'], { cwd: wc })
  const c = await h.git(['commit', '--quiet', '-m', 'first'], { cwd: wc })
  if (c.code !== 0) throw new Error(c.stderr)
  return wc
}

const waitFor = (cond: () => boolean): Promise<boolean> => waitUntil(cond, 10_000)

/** True while `pid` exists and is not a zombie. */
const alive = (pid: number | undefined): boolean => {
  if (pid === undefined) return false
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z'
  } catch {
    return false
  }
}
/**
 * Live (non-zombie) processes in process group `pgid`, from /proc. A zombie
 * whose parent has not reaped it yet runs no code, so it does not count.
 */
function groupMembers(pgid: number | undefined): number[] {
  if (pgid === undefined) return []
  const out: number[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(entry)) continue
    let stat: string
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
    } catch {
      continue
    }
    // "pid (comm) state ppid pgrp ..."; comm may contain spaces or ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    if (fields[0] !== 'Z' && Number(fields[2]) === pgid) out.push(Number(entry))
  }
  return out
}
const groupAlive = (pgid: number | undefined): boolean => groupMembers(pgid).length > 0

interface Reply {
  status: number
  headers: http.IncomingHttpHeaders
  body: Buffer
}

function request(
  target: { port: number } | { socketPath: string },
  method: string,
  urlPath: string,
  headers: http.OutgoingHttpHeaders = {},
  body?: Buffer,
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ ...target, host: '127.0.0.1', method, path: urlPath, headers, agent: false }, res => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(body)
  })
}

/**
 * Start a push whose body never finishes: request headers and a partial
 * chunked body, then silence. receive-pack sits waiting on its stdin.
 */
function hangingPush(port: number, project = 'acme/app'): net.Socket {
  const socket = net.connect(port, '127.0.0.1')
  socket.on('error', () => {})
  socket.write(
    `POST /${project}.git/git-receive-pack HTTP/1.1\r\n` +
      'Host: 127.0.0.1\r\n' +
      'Content-Type: application/x-git-receive-pack-request\r\n' +
      'x-gitward-remote-user: test_bot\r\n' +
      'Transfer-Encoding: chunked\r\n\r\n' +
      '4\r\n00a0\r\n',
  )
  return socket
}

t.test('the private socket is 0600 in a 0700 directory and serves requests', async t => {
  const h = await start(t)
  await h.bare('acme/app')
  t.equal(statSync(h.socketPath).mode & 0o777, 0o600, 'socket mode')
  t.equal(statSync(path.dirname(h.socketPath)).mode & 0o777, 0o700, 'directory mode')
  t.ok(statSync(h.socketPath).isSocket())
  const r = await request({ socketPath: h.socketPath }, 'GET', '/acme/app.git/info/refs?service=git-upload-pack')
  t.equal(r.status, 200)
  t.equal(r.headers['content-type'], 'application/x-git-upload-pack-advertisement')
  t.match(r.body.toString('latin1'), /# service=git-upload-pack/)
  await h.backend.close()
  t.notOk(existsSync(path.dirname(h.socketPath)), 'close() removes the socket directory')
})

t.test('a socket path too long for sun_path is refused and leaves nothing behind', async t => {
  const h = await start(t)
  const deep = path.join(h.dir, 'x'.repeat(60), 'y'.repeat(60))
  mkdirSync(deep, { recursive: true })
  await t.rejects(h.backend.listenPrivate(deep), { code: 'INVALID_CONFIG', message: /longer than 107 bytes/ })
  t.same(readdirSync(deep), [], 'the temporary directory was removed')
})

t.test('the TCP listener accepts loopback addresses only', async t => {
  const h = await start(t)
  for (const host of ['0.0.0.0', '::', '192.0.2.1', 'localhost', 'example.org']) {
    await t.rejects(h.backend.listenTcp(host, 0), { code: 'INVALID_CONFIG' }, host)
  }
})

for (const version of [0, 2] as const) {
  t.test(`push then clone with protocol v${version}`, async t => {
    const h = await start(t)
    await h.bare('acme/app')
    const proto = ['-c', `protocol.version=${version}`]
    const wc = await workingCopy(h, 'wc')
    const push = await h.git([...proto, ...IDENTITY, 'push', `${h.url}/acme/app.git`, 'main'], { cwd: wc })
    t.equal(push.code, 0, push.stderr)
    const head = (await h.git(['rev-parse', 'HEAD'], { cwd: wc })).stdout.trim()
    const clone = await h.git([...proto, 'clone', `${h.url}/acme/app.git`, 'clone'], {
      env: { GIT_TRACE_PACKET: '1' },
    })
    t.equal(clone.code, 0, clone.stderr)
    t.equal((await h.git(['rev-parse', 'HEAD'], { cwd: path.join(h.dir, 'client/clone') })).stdout.trim(), head)
    // The Git-Protocol header reached upload-pack as GIT_PROTOCOL.
    if (version === 2) t.match(clone.stderr, /git< version 2/)
    else t.notMatch(clone.stderr, /git< version 2/)
    // A second push (an update, not a creation) and a fetch of it.
    writeFileSync(path.join(wc, 'README'), 'two\n')
    await h.git(['commit', '--quiet', '-am', 'second'], { cwd: wc })
    const push2 = await h.git([...proto, ...IDENTITY, 'push', `${h.url}/acme/app.git`, 'main'], { cwd: wc })
    t.equal(push2.code, 0, push2.stderr)
    const fetch = await h.git([...proto, 'pull', '--quiet', '--ff-only'], { cwd: path.join(h.dir, 'client/clone') })
    t.equal(fetch.code, 0, fetch.stderr)
    t.equal(readFileSync(path.join(h.dir, 'client/clone/README'), 'utf8'), 'two\n')
    t.equal(h.backend.activeProcesses(), 0)
  })
}

t.test('attack: a push without the identity header is refused by git', async t => {
  const h = await start(t)
  await h.bare('acme/app')
  const wc = await workingCopy(h, 'wc')
  const push = await h.git(['push', `${h.url}/acme/app.git`, 'main'], { cwd: wc })
  t.not(push.code, 0)
  const adv = await request({ port: h.port }, 'GET', '/acme/app.git/info/refs?service=git-receive-pack')
  t.equal(adv.status, 403, 'receive-pack is off without REMOTE_USER')
  const forged = await request({ port: h.port }, 'GET', '/acme/app.git/info/refs?service=git-receive-pack', {
    'x-gitward-remote-user': 'bad user',
  })
  t.equal(forged.status, 403, 'a malformed identity counts as none')
  // Even a repository that enables receive-pack in its own config.
  await h.git(['--git-dir', path.join(h.repos, 'acme/app.git'), 'config', 'http.receivepack', 'true'])
  const cfg = await request({ port: h.port }, 'GET', '/acme/app.git/info/refs?service=git-receive-pack')
  t.equal(cfg.status, 403)
})

t.test('a fetch with many haves sends a gzip-encoded request, which git reads', async t => {
  const h = await start(t)
  await h.bare('acme/app')
  const encodings: string[] = []
  // In-process use of the handler, to see the request headers git sent.
  const spy = http.createServer((req, res) => {
    if (req.method === 'POST') encodings.push(String(req.headers['content-encoding']))
    h.backend.handler(req, res)
  })
  await new Promise<void>(r => spy.listen(0, '127.0.0.1', r))
  t.teardown(() => new Promise<void>(r => spy.close(() => r())))
  const spyUrl = `http://127.0.0.1:${(spy.address() as net.AddressInfo).port}/acme/app.git`

  const wc = await workingCopy(h, 'wc')
  t.equal((await h.git([...IDENTITY, 'push', spyUrl, 'main'], { cwd: wc })).code, 0)
  const clone = path.join(h.dir, 'client/clone')
  t.equal((await h.git(['clone', '--quiet', spyUrl, clone])).code, 0)
  // 300 local commits the server has never seen, dated after everything
  // else so the client offers them first: each becomes a "have".
  let stream = ''
  for (let i = 1; i <= 300; i++) {
    stream += `commit refs/heads/local\nmark :${i}\ncommitter A <a@example.test> ${2_000_000_000 + i} +0000\ndata 3\nc${i % 10}\n`
    if (i > 1) stream += `from :${i - 1}\n`
    stream += `M 644 inline f.txt\ndata ${String(i).length}\n${i}\n\n`
  }
  await new Promise<void>((resolve, reject) => {
    const fi = nodeSpawn('git', ['fast-import', '--quiet'], { cwd: clone, env: gitEnv(path.join(h.dir, 'clienthome')) })
    fi.on('error', reject)
    fi.on('close', code => (code === 0 ? resolve() : reject(new Error(`fast-import ${code}`))))
    fi.stdin.end(stream)
  })
  writeFileSync(path.join(wc, 'README'), 'new\n')
  await h.git(['commit', '--quiet', '-am', 'new'], { cwd: wc })
  t.equal((await h.git([...IDENTITY, 'push', spyUrl, 'main'], { cwd: wc })).code, 0)
  encodings.length = 0
  const fetch = await h.git(['-c', 'protocol.version=0', 'fetch', 'origin'], { cwd: clone })
  t.equal(fetch.code, 0, fetch.stderr)
  t.ok(encodings.includes('gzip'), `a gzip request was sent (saw ${encodings.join(',')})`)
  const theirs = (await h.git(['rev-parse', 'HEAD'], { cwd: wc })).stdout.trim()
  t.equal((await h.git(['rev-parse', 'origin/main'], { cwd: clone })).stdout.trim(), theirs)
})

t.test('dumb-HTTP paths and anything outside the route set get 404 without a process', async t => {
  const h = await start(t)
  await h.bare('acme/app')
  const wc = await workingCopy(h, 'wc')
  t.equal((await h.git([...IDENTITY, 'push', `${h.url}/acme/app.git`, 'main'], { cwd: wc })).code, 0)
  const before = h.spawned.length
  const paths: Array<[string, string]> = [
    ['GET', '/acme/app.git/HEAD'],
    ['GET', '/acme/app.git/info/refs'],
    ['GET', '/acme/app.git/objects/info/packs'],
    ['GET', '/acme/app.git/config'],
    ['GET', '/acme/app.git/refs/heads/main'],
    ['GET', '/acme/app.git/info/refs?service=git-upload-archive'],
    ['GET', '/acme/../../etc.git/info/refs?service=git-upload-pack'],
    ['GET', '/acme/%2e%2e/app.git/info/refs?service=git-upload-pack'],
    ['POST', '/acme/app.git/info/refs?service=git-upload-pack'],
    ['DELETE', '/acme/app.git/git-receive-pack'],
  ]
  for (const [method, p] of paths) {
    const r = await request({ port: h.port }, method, p)
    t.equal(r.status, 404, `${method} ${p}`)
    t.match(r.headers['content-type'], /^text\/plain/)
  }
  t.equal(h.spawned.length, before, 'no git process was started')
  const dumb = await h.git(['clone', `${h.url}/acme/app.git`, 'dumb'], { env: { GIT_SMART_HTTP: '0' } })
  t.not(dumb.code, 0, 'a dumb-HTTP clone fails')
})

t.test('a missing repository is 404 and an unsupported encoding is 415', async t => {
  const h = await start(t)
  await h.bare('acme/app')
  const missing = await request({ port: h.port }, 'GET', '/acme/none.git/info/refs?service=git-upload-pack')
  t.equal(missing.status, 404)
  t.equal(missing.body.toString(), 'Repository not found.\n')
  const br = await request(
    { port: h.port },
    'POST',
    '/acme/app.git/git-upload-pack',
    { 'content-type': 'application/x-git-upload-pack-request', 'content-encoding': 'br' },
    Buffer.from('0000'),
  )
  t.equal(br.status, 415)
  t.equal(h.spawned.length, 0)
})

t.test('attack: a repository symlinked outside the root is not served', async t => {
  const h = await start(t)
  const secret = path.join(h.dir, 'secret.git')
  t.equal((await h.git(['init', '--quiet', '--bare', secret])).code, 0)
  symlinkSync(secret, path.join(h.repos, 'acme/app.git'))
  const r = await request({ port: h.port }, 'GET', '/acme/app.git/info/refs?service=git-upload-pack')
  t.equal(r.status, 404)
  t.equal(h.spawned.length, 0)
  t.ok(h.logs.some(l => /outside the repository root/.test(l)), 'the refusal is logged')
})

t.test('a client that disconnects mid-upload takes its git process with it', async t => {
  const h = await start(t)
  await h.bare('acme/app')
  const socket = hangingPush(h.port)
  t.ok(await waitFor(() => h.backend.activeProcesses() === 1), 'receive-pack is running')
  const pid = h.spawned[0]?.child.pid
  t.ok(alive(pid))
  socket.destroy()
  t.ok(await waitFor(() => h.backend.activeProcesses() === 0), 'no process left')
  t.notOk(alive(pid), 'git http-backend is gone')
  t.notOk(groupAlive(pid), 'nothing in its process group is left')
})

t.test('a git client killed mid-push leaves no git process behind', async t => {
  const h = await start(t)
  await h.bare('acme/app')
  const wc = await workingCopy(h, 'wc')
  t.equal((await h.git([...IDENTITY, 'push', `${h.url}/acme/app.git`, 'main'], { cwd: wc })).code, 0)
  const before = (await h.git(['--git-dir', path.join(h.repos, 'acme/app.git'), 'rev-parse', 'main'])).stdout.trim()
  // A pre-receive hook that never finishes on its own keeps the push in
  // flight, deterministically, while the client is killed.
  const marker = path.join(h.dir, 'hook.pid')
  const hook = path.join(h.repos, 'acme/app.git/hooks/pre-receive')
  writeFileSync(hook, `#!/bin/sh\necho $$ > '${marker}'\nexec sleep 60\n`)
  chmodSync(hook, 0o755)
  writeFileSync(path.join(wc, 'blob.bin'), randomBytes(2 * 1024 * 1024))
  await h.git(['add', 'blob.bin'], { cwd: wc })
  await h.git(['commit', '--quiet', '-m', 'big'], { cwd: wc })
  // Its own process group, so the kill reaches git-remote-http as well.
  const client = nodeSpawn('git', [...IDENTITY, 'push', `${h.url}/acme/app.git`, 'main'], {
    cwd: wc,
    env: gitEnv(path.join(h.dir, 'clienthome')),
    stdio: 'ignore',
    detached: true,
  })
  const clientExited = new Promise<void>(r => client.on('close', () => r()))
  t.teardown(() => {
    if (client.pid !== undefined && groupAlive(client.pid)) process.kill(-client.pid, 'SIGKILL')
  })
  t.ok(await waitFor(() => existsSync(marker) && readFileSync(marker, 'utf8').trim() !== ''), 'the hook is running')
  const hookPid = Number(readFileSync(marker, 'utf8').trim())
  const receive = h.spawned.find(s => s.pathInfo.endsWith('/git-receive-pack'))
  t.ok(receive, 'a receive-pack request reached the backend')
  process.kill(-(client.pid as number), 'SIGKILL')
  await clientExited
  t.ok(await waitFor(() => h.backend.activeProcesses() === 0), 'activeProcesses() returns to 0')
  t.ok(await waitFor(() => !alive(hookPid)), 'the hook started by receive-pack is gone')
  for (const s of h.spawned) t.notOk(alive(s.child.pid), `pid ${s.child.pid} is gone`)
  t.notOk(groupAlive(receive?.child.pid))
  const after = (await h.git(['--git-dir', path.join(h.repos, 'acme/app.git'), 'rev-parse', 'main'])).stdout.trim()
  t.equal(after, before, 'the interrupted push changed nothing')
  t.ok(h.logs.some(l => /client went away/.test(l)))
})

t.test('over the process limit: 503 with Retry-After, then service resumes', async t => {
  const h = await start(t, { maxProcesses: 1, queueTimeoutMs: 30, maxQueue: 1 })
  await h.bare('acme/app')
  const socket = hangingPush(h.port)
  t.ok(await waitFor(() => h.backend.activeProcesses() === 1))
  const r = await request({ port: h.port }, 'GET', '/acme/app.git/info/refs?service=git-upload-pack')
  t.equal(r.status, 503)
  t.equal(r.headers['retry-after'], '1')
  t.match(r.headers['content-type'], /^text\/plain/)
  t.equal(h.backend.activeProcesses(), 1, 'the refused request started nothing')
  socket.destroy()
  t.ok(await waitFor(() => h.backend.activeProcesses() === 0))
  const ok = await request({ port: h.port }, 'GET', '/acme/app.git/info/refs?service=git-upload-pack')
  t.equal(ok.status, 200)
})

t.test('a queued request runs when the slot frees up', async t => {
  const h = await start(t, { maxProcesses: 1, queueTimeoutMs: 10_000 })
  await h.bare('acme/app')
  const socket = hangingPush(h.port)
  t.ok(await waitFor(() => h.backend.activeProcesses() === 1))
  const queued = request({ port: h.port }, 'GET', '/acme/app.git/info/refs?service=git-upload-pack')
  await new Promise(r => setTimeout(r, 50))
  socket.destroy()
  t.equal((await queued).status, 200)
})

t.test('close() ends running git processes', async t => {
  const h = await start(t)
  await h.bare('acme/app')
  hangingPush(h.port)
  t.ok(await waitFor(() => h.backend.activeProcesses() === 1))
  const pid = h.spawned[0]?.child.pid
  await h.backend.close()
  t.equal(h.backend.activeProcesses(), 0)
  t.notOk(alive(pid))
  t.notOk(existsSync(h.socketPath))
})

// Failure modes git itself cannot be made to produce on demand are played by
// small CGI scripts standing in for the git binary.
async function withScript(t: Test, body: string): Promise<Harness> {
  const h = await start(t, {}, body)
  await h.bare('acme/app')
  return h
}

t.test('git exiting non-zero before any header gives 502', async t => {
  const h = await withScript(t, 'echo "fatal: boom" >&2\nexit 128')
  const r = await request({ port: h.port }, 'GET', '/acme/app.git/info/refs?service=git-upload-pack')
  t.equal(r.status, 502)
  t.equal(r.body.toString(), 'The git backend failed.\n')
  t.ok(h.logs.some(l => l.includes('fatal: boom')), 'stderr is logged')
  t.equal(h.backend.activeProcesses(), 0)
})

t.test('git dying mid-body cuts the response instead of ending it cleanly', async t => {
  const h = await withScript(t, 'printf "partial"\nexit 1')
  const outcome = await new Promise<string>(resolve => {
    const req = http.get({ port: h.port, host: '127.0.0.1', path: '/acme/app.git/info/refs?service=git-upload-pack', agent: false }, res => {
      res.on('data', () => {})
      res.on('end', () => resolve(res.complete ? 'complete' : 'truncated'))
      res.on('aborted', () => resolve('truncated'))
      res.on('error', () => resolve('truncated'))
    })
    req.on('error', () => resolve('truncated'))
  })
  t.equal(outcome, 'truncated')
})

t.test("git's output follows the head and the service announcement; stderr is bounded", async t => {
  const h = await withScript(t, 'head -c 1000000 /dev/zero | tr "\\0" x >&2\nprintf "short"')
  const r = await request({ port: h.port }, 'GET', '/acme/app.git/info/refs?service=git-upload-pack')
  t.equal(r.status, 200)
  t.equal(r.headers['content-type'], 'application/x-git-upload-pack-advertisement')
  t.equal(r.headers['cache-control'], 'no-cache, max-age=0, must-revalidate')
  t.equal(r.body.toString(), '001e# service=git-upload-pack\n0000short')
  t.same(h.spawned[0]?.args, ['upload-pack', '--stateless-rpc', '--advertise-refs', '.'], 'the git wrapper runs the service')
  t.equal(h.spawned[0]?.cwd, realpathSync(path.join(h.repos, 'acme/app.git')), 'in the repository')
  const line = h.logs.find(l => l.includes('stderr'))
  t.ok(line)
  t.ok((line ?? '').length < 8192, 'only the start of stderr is logged')
})

t.test('the environment git runs with is the built one, nothing inherited', async t => {
  const h = await withScript(t, 'env -0')
  const r = await request({ port: h.port }, 'GET', '/acme/app.git/info/refs?service=git-upload-pack', {
    proxy: 'http://evil.example',
    authorization: 'Bearer gwpat-secret',
    'x-gitward-remote-addr': '198.51.100.9',
  })
  t.equal(r.status, 200)
  const vars = r.body
    .toString()
    .replace('001e# service=git-upload-pack\n0000', '')
    .split('\0')
    .filter(l => l !== '')
    .map(l => l.slice(0, l.indexOf('=')))
    .sort()
  const expected = [
    'GATEWAY_INTERFACE', 'GIT_COMMITTER_EMAIL', 'GIT_COMMITTER_NAME', 'GIT_CONFIG_COUNT', 'GIT_CONFIG_GLOBAL',
    'GIT_CONFIG_NOSYSTEM', 'GIT_PROJECT_ROOT', 'HOME', 'PATH', 'PATH_INFO',
    'QUERY_STRING', 'REMOTE_ADDR', 'REQUEST_METHOD', 'SERVER_PROTOCOL',
  ]
  // What the backend hands to spawn is exactly the built environment.
  t.same(Object.keys(h.spawned[0]?.env ?? {}).sort(), expected)
  // What the process sees: the shell adds PWD (and may add SHLVL, _), and the
  // test runner's own spawn hook adds NODE_OPTIONS and _TAPJS_* for coverage;
  // everything else is the built environment.
  const added = (v: string): boolean => ['PWD', 'SHLVL', '_', 'OLDPWD', 'NODE_OPTIONS'].includes(v) || v.startsWith('_TAPJS_')
  t.same(vars.filter(v => !added(v)), expected)
  t.notMatch(r.body.toString(), /evil|gwpat/)
  t.match(r.body.toString(), /REMOTE_ADDR=198\.51\.100\.9/)
})

t.test('a body that claims gzip and is not: a plain 502, no git process left', async t => {
  const h = await start(t)
  await h.bare('acme/app')
  const r = await request(
    { port: h.port },
    'POST',
    '/acme/app.git/git-upload-pack',
    { 'content-type': 'application/x-git-upload-pack-request', 'content-encoding': 'gzip' },
    Buffer.from('0000 this is not gzip'),
  )
  t.equal(r.status, 502)
  t.equal(r.body.toString(), 'The git backend failed.\n')
  t.ok(await waitFor(() => h.backend.activeProcesses() === 0), 'git was stopped')
})

t.test('HEAD on an advertisement: the head of a GET, no body', async t => {
  const h = await start(t)
  await h.bare('acme/app')
  const r = await request({ port: h.port }, 'HEAD', '/acme/app.git/info/refs?service=git-upload-pack')
  t.equal(r.status, 200)
  t.equal(r.headers['content-type'], 'application/x-git-upload-pack-advertisement')
  t.equal(r.body.length, 0)
})

// Attacks on resources rather than on access: a gzip bomb, a slow-header
// (slowloris) flood, and clients that vanish mid-transfer. None of them may
// grow gitward's memory without bound, hold a git process after its client
// is gone, or stop the server from serving an honest clone.
import t from 'tap'
import http from 'node:http'
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { connect, type Socket } from 'node:net'
import { deflateSync } from 'node:zlib'
import { startGitward, makeWorkingCopy } from '../helpers/servers/gitward.js'
import { createRefBody, uploadPackBody } from '../helpers/http/git-payloads.js'
import { basicAuth } from '../helpers/http/request.js'
import { gzipBombOfZeros } from '../helpers/http/gzip-bomb.js'
import { gitEnv } from '../helpers/git/client.js'
import { allowedCount, refsOf, settle } from '../helpers/observe.js'
import { waitUntil } from '../helpers/wait/wait-until.js'

const h = await startGitward(t, { config: { headers_timeout_ms: '1000', ban_enabled: 'false' } })
const port = h.app.port
await h.createProject('acme/app')
const { token } = await h.mint({ project: 'acme/app' })
// 8 MiB of random bytes: a pack that cannot be compressed, big enough that a
// client which stops reading leaves git blocked on a full pipe.
const wc = await makeWorkingCopy(h, 'wc', { 'big.bin': randomBytes(8 << 20), 'README.md': 'hi\n' })
const pushed = await h.git(['push', '-q', h.repoUrl('acme/app', token), 'main'], { cwd: wc })
if (pushed.code !== 0) throw new Error(pushed.stderr)
const sha = (await refsOf(h, 'acme/app')).trim().split(' ')[1] ?? ''
const active = (): number => h.app.backend?.activeProcesses() ?? -1

t.test('a gzip bomb in an upload-pack request does not blow up gitward', async t => {
  const bomb = gzipBombOfZeros(2048)
  t.ok(bomb.compressedBytes < 4 << 20, `the bomb is ${bomb.compressedBytes} bytes on the wire for ${bomb.inflatedBytes} inflated`)
  const rssBefore = process.memoryUsage().rss
  let peak = rssBefore
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20)
  const outcome = await new Promise<{ status: number; error?: string }>(resolve => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/acme/app.git/git-upload-pack',
        agent: false,
        timeout: 30_000,
        headers: {
          Authorization: basicAuth(token),
          'Content-Type': 'application/x-git-upload-pack-request',
          'Content-Encoding': 'gzip',
          'Content-Length': String(bomb.compressedBytes),
        },
      },
      res => {
        res.resume()
        res.on('end', () => resolve({ status: res.statusCode ?? 0 }))
        res.on('error', e => resolve({ status: res.statusCode ?? 0, error: e.message }))
        res.on('aborted', () => resolve({ status: res.statusCode ?? 0, error: 'aborted' }))
      },
    )
    req.on('timeout', () => req.destroy(new Error('timeout')))
    req.on('error', e => resolve({ status: 0, error: e.message }))
    const body = bomb.stream()
    body.on('error', () => {})
    body.pipe(req)
  })
  clearInterval(sampler)
  t.not(outcome.error, 'timeout', 'the request ended (no hang)')
  // gitward inflates it and stops at max_negotiation_bytes (413) — unless
  // git answers first: inflated zeros read as flush packets, a request that
  // wants nothing. Either way nothing is inflated past the limit.
  t.comment(`outcome: ${JSON.stringify(outcome)}`)
  const grew = peak - rssBefore
  t.ok(grew < 200 * 1024 * 1024, `gitward's RSS grew by ${Math.round(grew / 1024 / 1024)} MiB (< 200 MiB)`)
  t.ok(await waitUntil(() => active() === 0, 10_000), 'the git process for the bomb is gone')
  t.equal(await refsOf(h, 'acme/app'), `refs/heads/main ${sha}\n`, 'refs unchanged')
  const clone = await h.git(['clone', '-q', h.repoUrl('acme/app', token), 'after-bomb'])
  t.equal(clone.code, 0, `a clone still works: ${clone.stderr}`)
})

t.test('a slow-header flood is cut at headers_timeout_ms while a clone succeeds', async t => {
  const sockets: Socket[] = []
  let closedByServer = 0
  let answered408 = 0
  const prefix = 'GET /acme/app.git/info/refs?service=git-upload-pack HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: '
  const timers: NodeJS.Timeout[] = []
  for (let i = 0; i < 50; i++) {
    const s = connect(port, '127.0.0.1')
    sockets.push(s)
    s.on('error', () => {})
    s.on('data', (d: Buffer) => {
      if (d.toString('latin1').startsWith('HTTP/1.1 408')) answered408++
    })
    s.on('close', () => closedByServer++)
    s.once('connect', () => {
      s.write(prefix)
      // One byte a second, forever: never enough to finish the headers.
      timers.push(setInterval(() => s.writable && s.write('a'), 1000))
    })
  }
  t.teardown(() => {
    for (const timer of timers) clearInterval(timer)
    for (const s of sockets) s.destroy()
  })
  const clone = await h.git(['clone', '-q', h.repoUrl('acme/app', token), 'during-flood'], { timeoutMs: 60_000 })
  t.equal(clone.code, 0, `a clone succeeds during the flood: ${clone.stderr}`)
  t.ok(await waitUntil(() => closedByServer === 50, 15_000), `the server closed all 50 slow sockets (${closedByServer})`)
  t.equal(answered408, 50, 'each with 408 Request Timeout')
  for (const timer of timers) clearInterval(timer)
})

t.test('a client that stops reading mid-pack and disappears takes its git process with it', async t => {
  const body = uploadPackBody(sha)
  const socket = connect(port, '127.0.0.1')
  socket.on('error', () => {})
  const firstBytes = new Promise<void>(resolve => socket.once('data', () => resolve()))
  socket.once('connect', () => {
    socket.write(
      [
        'POST /acme/app.git/git-upload-pack HTTP/1.1',
        'Host: 127.0.0.1',
        `Authorization: ${basicAuth(token)}`,
        'Content-Type: application/x-git-upload-pack-request',
        `Content-Length: ${body.length}`,
        '',
        '',
      ].join('\r\n'),
    )
    socket.write(body)
  })
  await firstBytes
  // Stop reading: git fills the pipes and blocks, mid-pack.
  socket.pause()
  t.ok(await waitUntil(() => active() === 1, 5000), 'git is running for the clone')
  await new Promise(resolve => setTimeout(resolve, 200))
  t.equal(active(), 1, 'and still running while the client is silent (it is blocked, not done)')
  socket.destroy()
  t.ok(await waitUntil(() => active() === 0, 2000), 'the git process is gone within 2 s of the client leaving')
})

t.test('a real git clone killed mid-transfer leaves no git process behind', async t => {
  // Its own process group, so the kill takes git-remote-http too (a dead
  // laptop takes every process, not only the top one).
  const child = spawn('git', ['clone', '-q', h.repoUrl('acme/app', token), 'killed-clone'], { cwd: h.dir, env: gitEnv(h.home), stdio: 'ignore', detached: true })
  const exited = new Promise(resolve => child.on('close', resolve))
  t.ok(await waitUntil(() => active() > 0, 10_000), 'the clone reached git')
  try {
    process.kill(-(child.pid ?? 0), 'SIGKILL')
  } catch {
    // already gone
  }
  await exited
  t.ok(await waitUntil(() => active() === 0, 2000), 'no git process left within 2 s')
})

t.test('a push cut off mid-pack changes nothing and leaves no git process', async t => {
  const head = createRefBody(sha, 'refs/heads/cut')
  // The commands, then a pack that promises 1000 objects and delivers one:
  // git reads it and waits for the second. (Random bytes instead would be
  // refused by git at once, and the push would end before the client leaves.)
  const commands = head.subarray(0, head.length - 32)
  const blob = Buffer.from('hello\n')
  const partialPack = Buffer.concat([
    Buffer.from([0x50, 0x41, 0x43, 0x4b, 0, 0, 0, 2, 0, 0, 0x03, 0xe8]),
    // A blob of 6 bytes: type 3 in bits 4-6, the size in the low four.
    Buffer.from([0x30 | blob.length]),
    deflateSync(blob),
  ])
  const socket = connect(port, '127.0.0.1')
  socket.on('error', () => {})
  await new Promise<void>(resolve => socket.once('connect', () => resolve()))
  socket.write(
    [
      'POST /acme/app.git/git-receive-pack HTTP/1.1',
      'Host: 127.0.0.1',
      `Authorization: ${basicAuth(token)}`,
      'Content-Type: application/x-git-receive-pack-request',
      `Content-Length: ${commands.length + partialPack.length + 10_000_000}`,
      '',
      '',
    ].join('\r\n'),
  )
  socket.write(commands)
  socket.write(partialPack)
  t.ok(await waitUntil(() => active() === 1, 5000), 'receive-pack is running, waiting for the rest of the pack')
  socket.destroy()
  t.ok(await waitUntil(() => active() === 0, 2000), 'it is gone within 2 s of the client leaving')
  await settle(h)
  t.equal(await refsOf(h, 'acme/app'), `refs/heads/main ${sha}\n`, 'no ref was created')
})

t.test('an oversized negotiation body is refused: declared up front, or counted as it streams', async t => {
  const g = await startGitward(t, { config: { max_negotiation_bytes: String(64 * 1024), ban_enabled: 'false' } })
  await g.createProject('acme/app')
  const m = await g.mint({ project: 'acme/app' })
  const before = allowedCount(g)
  const declared = await new Promise<number>((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port: g.app.port, method: 'POST', path: '/acme/app.git/git-upload-pack', agent: false, headers: { Authorization: basicAuth(m.token), 'Content-Type': 'application/x-git-upload-pack-request', 'Content-Length': String(1 << 30), Expect: '100-continue' } },
      res => {
        res.resume()
        resolve(res.statusCode ?? 0)
      },
    )
    req.on('error', reject)
    req.flushHeaders()
  })
  t.equal(declared, 413, 'a declared 1 GiB negotiation: 413 before any body is read')
  await settle(g)
  t.equal(allowedCount(g), before, 'and it was never forwarded')

  // Chunked, so no length is declared: the gate counts as the bytes flow.
  const streamed = await new Promise<{ status: number; error?: string }>(resolve => {
    const req = http.request(
      { host: '127.0.0.1', port: g.app.port, method: 'POST', path: '/acme/app.git/git-upload-pack', agent: false, headers: { Authorization: basicAuth(m.token), 'Content-Type': 'application/x-git-upload-pack-request', 'Transfer-Encoding': 'chunked' } },
      res => {
        res.resume()
        res.on('end', () => resolve({ status: res.statusCode ?? 0 }))
        res.on('error', e => resolve({ status: res.statusCode ?? 0, error: e.message }))
      },
    )
    req.on('error', e => resolve({ status: 0, error: e.message }))
    // 64 pkt-lines of 4 KiB each: 256 KiB, four times the limit.
    const line = Buffer.concat([Buffer.from('1000'), Buffer.alloc(4092, 'a')])
    let sent = 0
    const pump = (): void => {
      while (sent < 64) {
        sent++
        if (!req.write(line)) return void req.once('drain', pump)
      }
      req.end()
    }
    pump()
  })
  t.ok(streamed.status === 413 || streamed.status === 0, `a streamed oversized negotiation is cut (${JSON.stringify(streamed)})`)
  t.ok(await waitUntil(() => (g.app.backend?.activeProcesses() ?? -1) === 0, 2000), 'no git process left')
  const adv = await g.git(['ls-remote', g.repoUrl('acme/app', m.token)])
  t.equal(adv.code, 0, `the server still serves: ${adv.stderr}`)
})

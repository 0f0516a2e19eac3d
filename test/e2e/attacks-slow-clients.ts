// Attack: hold a git slot by not reading. A raw socket that POSTs
// upload-pack and then stops reading kept its git process (and its slot of
// backend_max_processes) for as long as idle_timeout_ms allows, and a byte
// now and then resets that. With min_transfer_bytes_per_s, a client that
// keeps gitward waiting for a whole window while moving too few bytes is
// cut and its git process ended; a client that reads slowly but above the
// floor is served in full. The same floor applies to request bodies.
//
// The window is configured small (2 s) so the test is quick; nothing here
// asserts how long anything took.
import t from 'tap'
import { createHash, randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { connect, type Socket } from 'node:net'
import { deflateSync } from 'node:zlib'
import { startGitward, makeWorkingCopy, type Harness } from '../helpers/servers/gitward.js'
import { createRefBody, uploadPackBody } from '../helpers/http/git-payloads.js'
import { basicAuth } from '../helpers/http/request.js'
import { refsOf } from '../helpers/observe.js'
import { waitUntil } from '../helpers/wait/wait-until.js'
import { gitProcessesMentioning } from '../helpers/processes.js'
import { startNginxUpstream } from '../helpers/servers/nginx-upstream.js'

const FLOOR = 64 * 1024
// The window must be longer than the gaps in which a reader above the floor
// shows no progress at all: the kernel wakes a blocked writer only once half
// of the socket's send buffer has drained, and on loopback that buffer grows
// to megabytes (see docs/security.md).
const CONFIG = { min_transfer_bytes_per_s: String(FLOOR), min_transfer_window_ms: '2000', ban_enabled: 'false' }
const PACK_MIB = 24
const CUT_LINE = /client below the minimum transfer rate/

async function seeded(h: Harness): Promise<{ token: string; sha: string }> {
  await h.createProject('acme/app')
  const { token } = await h.mint({ project: 'acme/app' })
  // Random bytes: a pack several times larger than what the loopback
  // socket buffers hold (a few MiB), so a client that stops reading leaves
  // git blocked, and a slow reader keeps gitward waiting for several windows.
  const wc = await makeWorkingCopy(h, 'wc', { 'big.bin': randomBytes(PACK_MIB << 20), 'README.md': 'hi\n' })
  const pushed = await h.git(['push', '-q', h.repoUrl('acme/app', token), 'main'], { cwd: wc })
  if (pushed.code !== 0) throw new Error(pushed.stderr)
  const sha = (await refsOf(h, 'acme/app')).trim().split(' ')[1] ?? ''
  return { token, sha }
}

/** POST a v0 upload-pack request (want `sha`, done) on a raw socket. */
function postClone(port: number, token: string, sha: string): Socket {
  const body = uploadPackBody(sha)
  const socket = connect(port, '127.0.0.1')
  socket.on('error', () => {})
  socket.once('connect', () => {
    socket.write(
      [
        'POST /acme/app.git/git-upload-pack HTTP/1.1',
        'Host: 127.0.0.1',
        `Authorization: ${basicAuth(token)}`,
        'Content-Type: application/x-git-upload-pack-request',
        `Content-Length: ${body.length}`,
        'Connection: close',
        '',
        '',
      ].join('\r\n'),
    )
    socket.write(body)
  })
  return socket
}

/** A pack object header: type (3 = blob) and inflated size, as git encodes them. */
function objectHeader(type: number, size: number): Buffer {
  const bytes = [(type << 4) | (size & 0x0f)]
  size = Math.floor(size / 16)
  while (size > 0) {
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) | 0x80
    bytes.push(size & 0x7f)
    size = Math.floor(size / 128)
  }
  return Buffer.from(bytes)
}

/** The body of a chunked HTTP response. */
function dechunk(raw: Buffer): Buffer {
  const parts: Buffer[] = []
  let at = 0
  for (let i = 0; i < 1_000_000 && at < raw.length; i++) {
    const eol = raw.indexOf('\r\n', at)
    const size = parseInt(raw.subarray(at, eol).toString('latin1'), 16)
    if (!(size > 0)) break
    parts.push(raw.subarray(eol + 2, eol + 2 + size))
    at = eol + 2 + size + 2
  }
  return Buffer.concat(parts)
}

const cutLines = (h: Harness): number => h.logText().split('\n').filter(l => CUT_LINE.test(l)).length

t.test('embedded backend', async t => {
  const h = await startGitward(t, { config: CONFIG })
  const { token, sha } = await seeded(h)
  const active = (): number => h.app.backend?.activeProcesses() ?? -1

  await t.test('a client that never reads its response is cut, and its git process is gone', async t => {
    const socket = postClone(h.app.port, token, sha)
    t.teardown(() => socket.destroy())
    await new Promise<void>(resolve => socket.once('data', () => resolve()))
    // From here on, nothing more is read.
    socket.pause()
    t.ok(await waitUntil(() => active() === 1, 5000), 'git is running for the clone')
    t.ok(await waitUntil(() => cutLines(h) === 1, 20_000), 'gitward cut the connection for being below the floor')
    t.match(h.logText(), /"direction":"download"/, 'for not reading the response')
    t.ok(await waitUntil(() => active() === 0, 10_000), 'the git process is gone (the slot is free)')
    t.ok(await waitUntil(() => gitProcessesMentioning(h.repos).length === 0, 10_000), 'no git process names the repositories')
    // Now read what was sent: the response never completed.
    let received = 0
    socket.on('data', (d: Buffer) => (received += d.length))
    const ended = new Promise<void>(resolve => socket.once('close', () => resolve()))
    socket.resume()
    await ended
    t.ok(received < PACK_MIB << 20, `the client got only part of the pack (${received} bytes more)`)
  })

  await t.test('a client that reads slowly but above the floor gets the whole pack', async t => {
    const before = cutLines(h)
    const socket = postClone(h.app.port, token, sha)
    t.teardown(() => socket.destroy())
    // Slower than git writes, so gitward waits on this client for several
    // windows, and above the floor: pause after every chunk for as long as
    // the chunk takes at 4 MiB/s. (Much closer to the floor, the kernel's
    // send buffer would hide all progress for longer than a 2 s window;
    // docs/security.md explains how the window must be sized.)
    const rate = 64 * FLOOR
    const chunks: Buffer[] = []
    const timers = new Set<NodeJS.Timeout>()
    t.teardown(() => timers.forEach(clearTimeout))
    socket.on('data', (d: Buffer) => {
      chunks.push(d)
      socket.pause()
      const timer = setTimeout(() => {
        timers.delete(timer)
        socket.resume()
      }, Math.ceil((d.length / rate) * 1000))
      timers.add(timer)
    })
    await new Promise<void>(resolve => socket.once('close', () => resolve()))
    const response = Buffer.concat(chunks)
    const split = response.indexOf('\r\n\r\n')
    const head = response.subarray(0, split).toString('latin1')
    t.match(head, /^HTTP\/1\.1 200 /, 'answered 200')
    const body = /^transfer-encoding: chunked$/im.test(head) ? dechunk(response.subarray(split + 4)) : response.subarray(split + 4)
    const pack = body.subarray(body.indexOf('PACK'))
    t.ok(pack.length > PACK_MIB << 20, `the whole pack arrived (${pack.length} bytes)`)
    const digest = createHash('sha1').update(pack.subarray(0, -20)).digest()
    t.ok(digest.equals(pack.subarray(-20)), 'and its checksum is right: nothing was cut')
    t.equal(cutLines(h), before, 'it was never cut')
    t.ok(await waitUntil(() => active() === 0, 5000))
  })

  await t.test('a push body that trickles below the floor is cut, and receive-pack is gone', async t => {
    const before = cutLines(h)
    const head = createRefBody(sha, 'refs/heads/trickle')
    const commands = head.subarray(0, head.length - 32)
    const socket = connect(h.app.port, '127.0.0.1')
    socket.on('error', () => {})
    t.teardown(() => socket.destroy())
    await new Promise<void>(resolve => socket.once('connect', () => resolve()))
    socket.write(
      [
        'POST /acme/app.git/git-receive-pack HTTP/1.1',
        'Host: 127.0.0.1',
        `Authorization: ${basicAuth(token)}`,
        'Content-Type: application/x-git-receive-pack-request',
        `Content-Length: ${commands.length + 10_000_000}`,
        '',
        '',
      ].join('\r\n'),
    )
    // The commands, a pack header and the header of a 10 MiB blob; then its
    // compressed bytes, one every 100 ms: index-pack keeps reading, at a
    // rate no idle timeout would notice.
    socket.write(commands)
    socket.write(Buffer.from([0x50, 0x41, 0x43, 0x4b, 0, 0, 0, 2, 0, 0, 0, 1]))
    socket.write(objectHeader(3, 10 << 20))
    const blob = deflateSync(Buffer.alloc(10 << 20))
    let next = 0
    const trickle = setInterval(() => socket.writable && next < blob.length && socket.write(blob.subarray(next, ++next)), 100)
    t.teardown(() => clearInterval(trickle))
    t.ok(await waitUntil(() => active() === 1, 5000), 'receive-pack is running, reading the trickle')
    t.ok(await waitUntil(() => cutLines(h) === before + 1, 20_000), 'gitward cut the connection')
    t.match(h.logText().split('\n').filter(l => CUT_LINE.test(l)).at(-1) ?? '', /"direction":"upload"/, 'for a request body below the floor')
    clearInterval(trickle)
    t.ok(await waitUntil(() => active() === 0, 10_000), 'receive-pack is gone')
    t.equal(await refsOf(h, 'acme/app'), `refs/heads/main ${sha}\n`, 'no ref was created')
  })

  await t.test('a real clone still works', async t => {
    const clone = await h.git(['clone', '-q', h.repoUrl('acme/app', token), 'after'])
    t.equal(clone.code, 0, clone.stderr)
  })
})

t.test('external upstream (nginx + fcgiwrap): a client that never reads is cut and the upstream request aborted', async t => {
  let nginxPort = 0
  const { startRelay } = await import('../helpers/http/relay.js')
  const relay = await startRelay({ targetPort: () => nginxPort })
  t.teardown(() => relay.close())
  const h = await startGitward(t, { config: { ...CONFIG, upstream: `http://127.0.0.1:${relay.port}` } })
  const started = await startNginxUpstream({ reposRoot: h.repos, dir: join(h.dir, 'nginx') })
  if (!started.available) {
    t.pass('nginx upstream', { skip: started.reason })
    return
  }
  t.teardown(() => started.stop())
  nginxPort = started.port
  const { token, sha } = await seeded(h)
  started.handOver(join(h.repos, 'acme/app.git'))

  const socket = postClone(h.app.port, token, sha)
  t.teardown(() => socket.destroy())
  await new Promise<void>(resolve => socket.once('data', () => resolve()))
  socket.pause()
  t.ok(await waitUntil(() => cutLines(h) === 1, 30_000), 'gitward cut the connection for being below the floor')
  // With the upstream request aborted, nginx closes its FastCGI side and the
  // git process behind it ends on its broken pipe.
  t.ok(await waitUntil(() => gitProcessesMentioning(h.repos).length === 0, 20_000), 'no git process is left behind nginx')
  const clone = await h.git(['clone', '-q', h.repoUrl('acme/app', token), 'after'])
  t.equal(clone.code, 0, clone.stderr)
})

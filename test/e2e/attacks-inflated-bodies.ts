// Attack: a negotiation body that is small on the wire and large once
// inflated. max_negotiation_bytes counts what git will read: gitward inflates
// gzip bodies itself, refuses the request with 413 once the inflated bytes
// pass the limit, and stops the git process it started. Before, the limit
// counted compressed bytes and git inflated without bound (a 61 KB body of
// `have` lines kept git busy for seconds; at the 10 MiB default, minutes).
// The same holds in front of an external upstream, which also gets only the
// Content-Encoding and Git-Protocol values git itself sends.
import t from 'tap'
import http from 'node:http'
import { join } from 'node:path'
import zlib from 'node:zlib'
import { startGitward, makeWorkingCopy, type Harness } from '../helpers/servers/gitward.js'
import { basicAuth, send } from '../helpers/http/request.js'
import { refsOf } from '../helpers/observe.js'
import { waitUntil } from '../helpers/wait/wait-until.js'
import { gitProcessesMentioning } from '../helpers/processes.js'
import { startRelay } from '../helpers/http/relay.js'
import { startNginxUpstream } from '../helpers/servers/nginx-upstream.js'

const LIMIT = 64 * 1024
const MSG_TOO_LARGE = 'The request body is too large for a fetch negotiation.\n'

const pkt = (line: string): string => (line.length + 4).toString(16).padStart(4, '0') + line

/** A v0 upload-pack request: want `sha`, then `haves` have lines, then done. */
function negotiation(sha: string, haves: number): Buffer {
  const have = pkt(`have ${'1234567890'.repeat(4)}\n`)
  return Buffer.from(pkt(`want ${sha} multi_ack_detailed side-band-64k ofs-delta agent=attack\n`) + '0000' + have.repeat(haves) + pkt('done\n'))
}

interface Outcome {
  status: number
  body: string
  error?: string
}

/** POST a gzip-compressed upload-pack body, the way git sends a large negotiation. */
function postGzip(port: number, token: string, plain: Buffer, encoding = 'gzip'): Promise<Outcome> {
  const wire = zlib.gzipSync(plain)
  return new Promise(resolve => {
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
          'Content-Encoding': encoding,
          'Content-Length': String(wire.length),
        },
      },
      res => {
        let body = ''
        res.setEncoding('latin1')
        res.on('data', (d: string) => (body += d))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
        res.on('error', e => resolve({ status: res.statusCode ?? 0, body, error: e.message }))
      },
    )
    req.on('timeout', () => req.destroy(new Error('timeout')))
    req.on('error', e => resolve({ status: 0, body: '', error: e.message }))
    req.end(wire)
  })
}

async function seeded(h: Harness): Promise<{ token: string; sha: string }> {
  await h.createProject('acme/app')
  const { token } = await h.mint({ project: 'acme/app' })
  const wc = await makeWorkingCopy(h, 'wc')
  const pushed = await h.git(['push', '-q', h.repoUrl('acme/app', token), 'main'], { cwd: wc })
  if (pushed.code !== 0) throw new Error(pushed.stderr)
  const sha = (await refsOf(h, 'acme/app')).trim().split(' ')[1] ?? ''
  return { token, sha }
}

t.test('embedded backend: the limit counts inflated bytes', async t => {
  const h = await startGitward(t, { config: { max_negotiation_bytes: String(LIMIT), ban_enabled: 'false' } })
  const { token, sha } = await seeded(h)
  const active = (): number => h.app.backend?.activeProcesses() ?? -1

  await t.test('a few KB of gzip that inflate to 1 MB of haves: 413, and no git process is left', async t => {
    const plain = negotiation(sha, 20_000)
    const wire = zlib.gzipSync(plain).length
    t.ok(wire < LIMIT / 8 && plain.length > LIMIT * 8, `${wire} bytes on the wire, ${plain.length} inflated`)
    const outcome = await postGzip(h.app.port, token, plain)
    t.equal(outcome.status, 413, JSON.stringify(outcome).slice(0, 200))
    t.equal(outcome.body, MSG_TOO_LARGE, 'the same sentence as for a plain body over the limit')
    t.ok(await waitUntil(() => active() === 0, 5000), 'the git process started for it is gone')
    t.ok(await waitUntil(() => gitProcessesMentioning(h.repos).length === 0, 5000), 'and no git process names the repositories')
    t.match(h.logText(), /"decision":"deny:body-size"/, 'logged as a body over the size limit')
  })

  await t.test('a gzip body within the limit once inflated is served', async t => {
    const outcome = await postGzip(h.app.port, token, negotiation(sha, 500))
    t.equal(outcome.status, 200, outcome.error ?? 'served')
    t.match(outcome.body, /NAK/, 'git answered the negotiation')
    t.match(outcome.body, /PACK/, 'and sent the pack')
  })

  await t.test('x-gzip is gzip too', async t => {
    const outcome = await postGzip(h.app.port, token, negotiation(sha, 10), 'x-gzip')
    t.equal(outcome.status, 200, outcome.error ?? 'served')
  })

  await t.test('a body that says gzip but is not: 400 with a sentence, no git process left', async t => {
    const answer = await send(h.app.port, '/acme/app.git/git-upload-pack', {
      method: 'POST',
      headers: [['Authorization', basicAuth(token)], ['Content-Type', 'application/x-git-upload-pack-request'], ['Content-Encoding', 'gzip']],
      body: negotiation(sha, 10),
    })
    t.equal(answer.status, 400)
    t.match(answer.body, /not valid gzip/)
    t.ok(await waitUntil(() => active() === 0, 5000))
  })

  await t.test('an encoding git cannot read: 415 before any process starts', async t => {
    for (const encoding of ['br', 'deflate', 'gzip, gzip']) {
      const answer = await send(h.app.port, '/acme/app.git/git-upload-pack', {
        method: 'POST',
        headers: [['Authorization', basicAuth(token)], ['Content-Type', 'application/x-git-upload-pack-request'], ['Content-Encoding', encoding]],
        body: negotiation(sha, 1),
      })
      t.equal(answer.status, 415, encoding)
      t.match(answer.body, /Content-Encoding git cannot read/)
    }
    t.match(h.logText(), /"decision":"deny:body-encoding"/)
  })
})

t.test('external upstream (nginx + fcgiwrap): the same limit, and only what git sends goes upstream', async t => {
  let nginxPort = 0
  const relay = await startRelay({ targetPort: () => nginxPort, recordBytes: 16 * 1024 * 1024 })
  t.teardown(() => relay.close())
  const h = await startGitward(t, { config: { upstream: `http://127.0.0.1:${relay.port}`, max_negotiation_bytes: String(LIMIT), ban_enabled: 'false' } })
  const started = await startNginxUpstream({ reposRoot: h.repos, dir: join(h.dir, 'nginx') })
  if (!started.available) {
    t.pass('nginx upstream', { skip: started.reason })
    return
  }
  t.teardown(() => started.stop())
  nginxPort = started.port
  const { token, sha } = await seeded(h)
  started.handOver(join(h.repos, 'acme/app.git'))

  await t.test('an inflated body over the limit: 413, and no more than the limit went upstream', async t => {
    const before = relay.recorded('up').length
    const outcome = await postGzip(h.app.port, token, negotiation(sha, 20_000))
    t.equal(outcome.status, 413, JSON.stringify(outcome).slice(0, 200))
    t.equal(outcome.body, MSG_TOO_LARGE)
    const sent = relay.recorded('up').subarray(before)
    t.ok(sent.length < LIMIT + 16 * 1024, `${sent.length} bytes went upstream`)
    t.ok(await waitUntil(() => gitProcessesMentioning(h.repos).length === 0, 5000), 'no git process left behind nginx')
  })

  await t.test('a gzip negotiation is forwarded inflated, and git answers it', async t => {
    const before = relay.recorded('up').length
    const outcome = await postGzip(h.app.port, token, negotiation(sha, 500))
    t.equal(outcome.status, 200, outcome.error ?? 'served')
    t.match(outcome.body, /PACK/)
    const sent = relay.recorded('up').subarray(before).toString('latin1')
    t.notMatch(sent, /^content-encoding:/im, 'no Content-Encoding upstream: the body is plain')
    t.match(sent, /^transfer-encoding: chunked\r$/im, 'chunked, since the inflated length is known only at the end')
    t.ok(sent.includes(`have ${'1234567890'.repeat(4)}`), 'the have lines went upstream in plain text')
  })

  await t.test('a real fetch with many haves (git gzips it) works through the external upstream', async t => {
    const url = h.repoUrl('acme/app', token)
    const client = join(h.dir, 'client')
    t.equal((await h.git(['clone', '-q', url, client])).code, 0)
    for (let i = 0; i < 150; i++) {
      const c = await h.git(['-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '--allow-empty', '-m', `local ${i}`], { cwd: client })
      if (c.code !== 0) throw new Error(c.stderr)
    }
    const seed = join(h.dir, 'wc')
    const server = await h.git(['-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '--allow-empty', '-m', 'server side'], { cwd: seed })
    t.equal(server.code, 0)
    t.equal((await h.git(['push', '-q', url, 'main'], { cwd: seed })).code, 0)
    const trace = join(h.dir, 'fetch-trace')
    const fetch = await h.git(['-c', 'protocol.version=2', 'fetch', 'origin'], { cwd: client, env: { GIT_TRACE_CURL: trace, GIT_TRACE_CURL_NO_DATA: '1' } })
    t.equal(fetch.code, 0, fetch.stderr)
    const { readFileSync } = await import('node:fs')
    t.match(readFileSync(trace, 'utf8'), /Send header: Content-Encoding: gzip/, 'git sent the negotiation gzip-compressed')
  })

  await t.test('an unreadable encoding or a malformed Git-Protocol never reaches the upstream', async t => {
    const before = relay.recorded('up').length
    const answer = await send(h.app.port, '/acme/app.git/git-upload-pack', {
      method: 'POST',
      headers: [['Authorization', basicAuth(token)], ['Content-Type', 'application/x-git-upload-pack-request'], ['Content-Encoding', 'br']],
      body: negotiation(sha, 1),
    })
    t.equal(answer.status, 415)
    t.equal(relay.recorded('up').length, before, 'nothing was forwarded')
    const adv = await send(h.app.port, '/acme/app.git/info/refs?service=git-upload-pack', {
      headers: [['Authorization', basicAuth(token)], ['Git-Protocol', 'version=2:evil value;x']],
    })
    t.equal(adv.status, 200)
    const sent = relay.recorded('up').subarray(before).toString('latin1')
    t.notMatch(sent, /^git-protocol:/im, 'the malformed Git-Protocol was dropped')
    t.notMatch(sent, /evil/)
  })
})

// Attacks on the identity git records. The bot name a push is recorded
// under (REMOTE_USER → the reflog's committer) comes from the token alone;
// identity headers a client invents — with or without `Expect: 100-continue`,
// in any spelling, or as chunked trailers — never reach git or an external
// upstream, and without a token they buy no write at all.
import t from 'tap'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { startGitward, makeWorkingCopy } from '../helpers/servers/gitward.js'
import { createRefBody } from '../helpers/http/git-payloads.js'
import { basicAuth, send } from '../helpers/http/request.js'
import { httpBytes, rawExchange, rawExpectContinue, rawRequest } from '../helpers/http/raw.js'
import { bareRepo, refsOf, settle, watch } from '../helpers/observe.js'

const SPOOFED: ReadonlyArray<readonly [string, string]> = [
  ['X-Gitward-User', 'mallory'],
  ['X-Gitward-Remote-User', 'mallory'],
  ['x-gitward-remote-user', 'mallory'],
  ['X_Gitward_Remote_User', 'mallory'],
  ['X-Gitward-Remote-Addr', '10.6.6.6'],
  ['X-Gitward-Token-Id', 'abcdefghjkmn'],
  ['Remote-User', 'mallory'],
  ['X-Remote-User', 'mallory'],
  ['X-Forwarded-User', 'mallory'],
  ['X-Forwarded-For', '10.6.6.6'],
  ['Proxy', 'http://127.0.0.1:9/'],
]
const spoofLines = SPOOFED.map(([n, v]) => `${n}: ${v}`)

t.test('embedded backend', async t => {
  const h = await startGitward(t, { config: { ban_enabled: 'false' } })
  const port = h.app.port
  await h.createProject('acme/app')
  await h.createProject('acme/pub', 'public')
  // Bare repositories keep no reflog by default; this test wants to read
  // who git recorded for each ref update.
  for (const p of ['acme/app', 'acme/pub']) {
    await h.git(['--git-dir', bareRepo(h, p), 'config', 'core.logAllRefUpdates', 'always'])
  }
  const { id, token } = await h.mint({ project: 'acme/app', name: 'pusher' })
  const bot = `project_${id}_bot`
  const wc = await makeWorkingCopy(h, 'wc')

  const reflogNames = async (ref: string): Promise<string[]> => {
    const r = await h.git(['--git-dir', bareRepo(h, 'acme/app'), 'log', '-g', '--format=%gn', ref])
    return r.stdout.split('\n').filter(l => l !== '')
  }
  const headSha = async (): Promise<string> => (await h.git(['rev-parse', 'HEAD'], { cwd: wc })).stdout.trim()

  t.test('a real git push carrying spoofed identity headers is recorded under the bot name', async t => {
    const extra = SPOOFED.filter(([n]) => !n.includes('_')).flatMap(([n, v]) => ['-c', `http.extraHeader=${n}: ${v}`])
    const r = await h.git([...extra, 'push', h.repoUrl('acme/app', token), 'main'], { cwd: wc })
    t.equal(r.code, 0, r.stderr)
    t.strictSame(await reflogNames('refs/heads/main'), [bot], 'the reflog names the token bot only')
  })

  const receivePackHead = (ref: string, body: Buffer, extra: string[]): Buffer =>
    httpBytes([
      'POST /acme/app.git/git-receive-pack HTTP/1.1',
      'Host: 127.0.0.1',
      'Content-Type: application/x-git-receive-pack-request',
      `Content-Length: ${body.length}`,
      ...extra,
    ])

  t.test('a hand-made push with Expect: 100-continue and spoofed headers is recorded under the bot name', async t => {
    const body = createRefBody(await headSha(), 'refs/heads/expect')
    const r = await rawExpectContinue(port, receivePackHead('refs/heads/expect', body, [`Authorization: ${basicAuth(token)}`, 'Expect: 100-continue', ...spoofLines]), body)
    t.ok(r.continued, '100 Continue came first')
    t.equal(r.response?.status, 200)
    t.match(r.response?.body ?? '', /ok refs\/heads\/expect/)
    t.strictSame(await reflogNames('refs/heads/expect'), [bot])
  })

  t.test('the same push without Expect is recorded under the bot name', async t => {
    const body = createRefBody(await headSha(), 'refs/heads/plain')
    const r = await rawRequest(port, Buffer.concat([receivePackHead('refs/heads/plain', body, [`Authorization: ${basicAuth(token)}`, ...spoofLines]), body]))
    t.equal(r.status, 200)
    t.match(r.body, /ok refs\/heads\/plain/)
    t.strictSame(await reflogNames('refs/heads/plain'), [bot])
  })

  t.test('identity sent as chunked trailers never reaches git', async t => {
    const body = createRefBody(await headSha(), 'refs/heads/trailed')
    const head = httpBytes([
      'POST /acme/app.git/git-receive-pack HTTP/1.1',
      'Host: 127.0.0.1',
      'Content-Type: application/x-git-receive-pack-request',
      'Transfer-Encoding: chunked',
      `Authorization: ${basicAuth(token)}`,
    ])
    const chunked = Buffer.concat([Buffer.from(`${body.length.toString(16)}\r\n`), body, Buffer.from('\r\n0\r\nX-Gitward-Remote-User: mallory\r\nRemote-User: mallory\r\n\r\n')])
    const r = await rawRequest(port, Buffer.concat([head, chunked]))
    t.equal(r.status, 200)
    t.strictSame(await reflogNames('refs/heads/trailed'), [bot])
  })

  t.test('anonymous requests with spoofed identity headers get no write', async t => {
    for (const project of ['acme/app', 'acme/pub']) {
      const w = await watch(h, [project])
      const sha = (await refsOf(h, 'acme/app')).split('\n')[0]?.split(' ')[1] ?? ''
      const body = createRefBody(sha, 'refs/heads/anonymous')
      const head = httpBytes([
        `POST /${project}.git/git-receive-pack HTTP/1.1`,
        'Host: 127.0.0.1',
        'Content-Type: application/x-git-receive-pack-request',
        `Content-Length: ${body.length}`,
        ...spoofLines,
      ])
      const withExpect = await rawExpectContinue(port, Buffer.concat([head.subarray(0, head.length - 2), Buffer.from('Expect: 100-continue\r\n\r\n')]), body)
      t.equal(withExpect.response?.status, 401, `${project}, Expect: 401`)
      t.notOk(withExpect.continued, `${project}, Expect: no 100 Continue, the body is never asked for`)
      const without = await rawRequest(port, Buffer.concat([head, body]))
      t.equal(without.status, 401, `${project}, no Expect: 401`)
      const adv = await send(port, `/${project}.git/info/refs?service=git-receive-pack`, { headers: SPOOFED })
      t.equal(adv.status, 401, `${project}: push advertisement 401`)
      const gitPush = await h.git([...SPOOFED.filter(([n]) => !n.includes('_')).flatMap(([n, v]) => ['-c', `http.extraHeader=${n}: ${v}`]), 'push', h.repoUrl(project), 'main:refs/heads/anonymous'], { cwd: wc })
      t.not(gitPush.code, 0, `${project}: anonymous git push fails`)
      await w.untouched(t, `anonymous push to ${project}`)
    }
  })

  t.test('a request declaring a Trailer header is refused and the server keeps serving', async t => {
    const w = await watch(h, ['acme/app'])
    const sha = await headSha()
    const body = createRefBody(sha, 'refs/heads/trailer-declared')
    const head = httpBytes([
      'POST /acme/app.git/git-receive-pack HTTP/1.1',
      'Host: 127.0.0.1',
      'Content-Type: application/x-git-receive-pack-request',
      'Transfer-Encoding: chunked',
      'Trailer: X-Gitward-Remote-User',
      `Authorization: ${basicAuth(token)}`,
    ])
    const chunked = Buffer.concat([Buffer.from(`${body.length.toString(16)}\r\n`), body, Buffer.from('\r\n0\r\nX-Gitward-Remote-User: mallory\r\n\r\n')])
    const r = await rawExchange(port, [head, chunked])
    t.equal(r.responses[0]?.status, 400, 'a POST with Trailer: 400')
    const get = await rawRequest(port, httpBytes(['GET /acme/app.git/info/refs?service=git-upload-pack HTTP/1.1', 'Host: x', 'Trailer: Authorization', `Authorization: ${basicAuth(token)}`]))
    t.equal(get.status, 400, 'a GET with Trailer: 400')
    await w.untouched(t, 'Trailer')
    t.equal((await send(port, '/-/health')).status, 200, 'health still answers')
    const clone = await h.git(['clone', '-q', h.repoUrl('acme/app', token), 'after-trailer'])
    t.equal(clone.code, 0, clone.stderr)
  })

  await settle(h)
})

t.test('external upstream: only gitward sets the identity headers', async t => {
  const seen: http.IncomingHttpHeaders[] = []
  const upstream = http.createServer((req, res) => {
    seen.push(req.headers)
    req.resume()
    req.on('end', () => {
      res.writeHead(200, { 'Content-Type': 'application/x-git-upload-pack-advertisement' })
      res.end('001e# service=git-upload-pack\n0000')
    })
  })
  await new Promise<void>(resolve => upstream.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>(resolve => { upstream.closeAllConnections(); upstream.close(() => resolve()) }))
  const h = await startGitward(t, { config: { upstream: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`, ban_enabled: 'false' } })
  await h.createProject('acme/app')
  await h.createProject('acme/pub', 'public')
  const { id, token } = await h.mint({ project: 'acme/app' })

  const r = await send(h.app.port, '/acme/app.git/info/refs?service=git-upload-pack', { headers: [['Authorization', basicAuth(token)], ...SPOOFED] })
  t.equal(r.status, 200)
  const withToken = seen.at(-1) ?? {}
  t.equal(withToken['x-gitward-user'], `project_${id}_bot`, 'the identity header carries the bot name')
  t.equal(withToken['x-gitward-token-id'], id, 'the token id header carries the real id')
  t.equal(withToken['x-forwarded-for'], '127.0.0.1', 'X-Forwarded-For is the real peer')
  for (const name of ['remote-user', 'x-remote-user', 'x-forwarded-user', 'x-gitward-remote-user', 'x_gitward_remote_user', 'proxy', 'authorization']) {
    t.equal(withToken[name], undefined, `${name} is not forwarded`)
  }

  const anon = await send(h.app.port, '/acme/pub.git/info/refs?service=git-upload-pack', { headers: SPOOFED })
  t.equal(anon.status, 200, 'an anonymous pull of a public project is forwarded')
  const anonymous = seen.at(-1) ?? {}
  t.equal(anonymous['x-gitward-user'], undefined, 'with no identity header at all')
  t.equal(anonymous['x-gitward-token-id'], undefined)
  t.equal(anonymous['remote-user'], undefined)

  // Hop-by-hop abuse: naming gitward's own identity headers in Connection
  // (so a proxy would strip them) or asking to switch protocols (h2c
  // smuggling) changes nothing: the upstream request is built, not filtered.
  const hop = await rawRequest(
    h.app.port,
    httpBytes([
      'GET /acme/app.git/info/refs?service=git-upload-pack HTTP/1.1',
      'Host: 127.0.0.1',
      `Authorization: ${basicAuth(token)}`,
      'Connection: Upgrade, HTTP2-Settings, X-Gitward-User, X-Gitward-Token-Id, X-Forwarded-For',
      'Upgrade: h2c',
      'HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA',
    ]),
  )
  t.equal(hop.status, 200, 'answered as plain HTTP/1.1')
  const hopSeen = seen.at(-1) ?? {}
  t.equal(hopSeen['x-gitward-user'], `project_${id}_bot`, 'the identity header still arrives')
  t.equal(hopSeen['x-gitward-token-id'], id)
  t.equal(hopSeen['x-forwarded-for'], '127.0.0.1')
  t.equal(hopSeen['upgrade'], undefined, 'no Upgrade is forwarded')
  t.equal(hopSeen['http2-settings'], undefined)
  t.notMatch(hopSeen['connection'] ?? '', /gitward|upgrade/i, 'and no Connection naming them')

  const before = seen.length
  const push = await send(h.app.port, '/acme/pub.git/info/refs?service=git-receive-pack', { headers: SPOOFED })
  t.equal(push.status, 401, 'an anonymous push advertisement with spoofed headers: 401')
  t.equal(seen.length, before, 'and it never reached the upstream')
})

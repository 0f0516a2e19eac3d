// gitward in front of the documented nginx + fcgiwrap upstream
// (config/nginx-upstream.conf): clone and push go through, the push is
// recorded under the token's bot name (nginx sets REMOTE_USER from
// X-Gitward-User, which only gitward sets), a client's own X-Gitward-User
// changes nothing, and neither the Authorization header nor the token ever
// reaches the upstream. A relay between gitward and nginx keeps a copy of
// every byte gitward sent upstream, to prove it.
import t from 'tap'
import { join } from 'node:path'
import { readFileSync } from 'node:fs'
import { startGitward, makeWorkingCopy, type Harness } from '../helpers/servers/gitward.js'
import { bareDir, commitFiles, incompressible, revParse, workHead } from '../helpers/git/repos.js'
import { basicAuth, infoRefsUrl, request } from '../helpers/http/request.js'
import { startRelay } from '../helpers/http/relay.js'
import { startNginxUpstream } from '../helpers/servers/nginx-upstream.js'
import type { RunningUpstream } from '../helpers/servers/upstream-handle.js'

async function reflog(h: Harness, project: string, ref: string): Promise<Array<{ name: string; subject: string }>> {
  const r = await h.git(['--git-dir', bareDir(h, project), 'log', '-g', '--format=%gn%x09%gs', ref])
  return r.stdout
    .split('\n')
    .filter(l => l !== '')
    .map(l => {
      const [name = '', subject = ''] = l.split('\t')
      return { name, subject }
    })
}

t.test('gitward in front of nginx + fcgiwrap', async t => {
  // gitward needs the upstream address at start, nginx needs gitward's
  // repositories root at start: the relay's port is known first and it
  // connects to whatever nginx port exists by the time requests arrive.
  let nginxPort = 0
  const relay = await startRelay({ targetPort: () => nginxPort, recordBytes: 16 * 1024 * 1024 })
  t.teardown(() => relay.close())
  const h = await startGitward(t, { config: { upstream: `http://127.0.0.1:${relay.port}` } })
  const started = await startNginxUpstream({ reposRoot: h.repos, dir: join(h.dir, 'nginx') })
  if (!started.available) {
    t.pass('nginx upstream', { skip: started.reason })
    return
  }
  const up: RunningUpstream = started
  t.teardown(() => up.stop())
  nginxPort = up.port

  await h.createProject('acme/app')
  const bare = bareDir(h, 'acme/app')
  // Bare repositories keep no reflog unless asked; the reflog is where git
  // http-backend records REMOTE_USER.
  t.equal((await h.git(['--git-dir', bare, 'config', 'core.logAllRefUpdates', 'true'])).code, 0)
  up.handOver(bare)
  const { id, token } = await h.mint({ project: 'acme/app', role: 'developer' })
  const bot = `project_${id}_bot`
  const url = h.repoUrl('acme/app', token)
  const wc = await makeWorkingCopy(h, 'wc')

  await t.test('push through gitward is recorded as the token bot', async t => {
    const push = await h.git(['push', url, 'main'], { cwd: wc })
    t.equal(push.code, 0, push.stderr)
    t.equal(await revParse(h, bare, 'main'), await workHead(h, wc))
    t.same(await reflog(h, 'acme/app', 'main'), [{ name: bot, subject: 'push' }])
  })

  await t.test("attack: a client's own X-Gitward-User does not change the identity", async t => {
    const id2 = await commitFiles(h, wc, { 'spoof.txt': 'who am I\n' }, 'spoof attempt')
    const push = await h.git(['-c', 'http.extraHeader=X-Gitward-User: evil', 'push', url, 'main'], { cwd: wc })
    t.equal(push.code, 0, push.stderr)
    t.equal(await revParse(h, bare, 'main'), id2)
    const entries = await reflog(h, 'acme/app', 'main')
    t.equal(entries.length, 2)
    t.ok(entries.every(e => e.name === bot), JSON.stringify(entries))
  })

  await t.test('a chunked push over 2 MiB reaches nginx intact', async t => {
    const id3 = await commitFiles(h, wc, { 'big.bin': incompressible(2 * 1024 * 1024 + 17) }, 'large')
    const push = await h.git(['-c', 'http.postBuffer=65536', 'push', url, 'main'], { cwd: wc })
    t.equal(push.code, 0, push.stderr)
    t.equal(await revParse(h, bare, 'main'), id3)
    const fsck = await h.git(['--git-dir', bare, 'fsck', '--no-progress'])
    t.equal(fsck.code, 0, fsck.stderr)
  })

  for (const version of [0, 2] as const) {
    await t.test(`clone through gitward with protocol v${version}`, async t => {
      const dest = join(h.dir, `clone-v${version}`)
      const clone = await h.git(['-c', `protocol.version=${version}`, 'clone', '-q', url, dest])
      t.equal(clone.code, 0, clone.stderr)
      t.equal(await workHead(h, dest), await revParse(h, bare, 'main'))
      t.ok(readFileSync(join(dest, 'big.bin')).equals(readFileSync(join(wc, 'big.bin'))))
    })
  }

  await t.test('refused requests never reach the upstream', async t => {
    const before = relay.recorded('up').length
    const answer = await request(infoRefsUrl(h.url, 'acme/app', 'git-upload-pack'), { token: 'gwpat-not-a-token' })
    t.equal(answer.status, 401)
    const anonymous = await request(infoRefsUrl(h.url, 'acme/app', 'git-receive-pack'))
    t.equal(anonymous.status, 401)
    t.equal(relay.recorded('up').length, before)
  })

  await t.test('what gitward sent upstream: the bot name, never the credential', async t => {
    const sent = relay.recorded('up').toString('latin1')
    t.ok(sent.length > 0 && sent.length < 16 * 1024 * 1024, 'everything sent upstream was recorded')
    // Not anchored: on a kept-alive connection a request line follows the
    // previous body directly.
    const requestLines = sent.match(/(GET|POST) \/acme\/app\.git\/\S+ HTTP\/1\.1\r\n/g) ?? []
    // 3 pushes (advertisement + pack) and 2 clones (at least 2 requests each).
    t.ok(requestLines.length >= 10, `${requestLines.length} requests forwarded`)
    t.notMatch(sent, /^authorization:/im, 'no Authorization header')
    t.notOk(sent.includes(token), 'no token')
    t.notOk(sent.includes(token.slice(-38)), 'no token secret')
    t.notOk(sent.includes(basicAuth(token).slice('Basic '.length)), 'no base64 credential')
    t.notMatch(sent, /evil/, "the client's identity header was dropped")
    t.match(sent, new RegExp(`^x-gitward-user: ${bot}\\r$`, 'im'))
    t.match(sent, new RegExp(`^x-gitward-token-id: ${id}\\r$`, 'im'))
  })
})

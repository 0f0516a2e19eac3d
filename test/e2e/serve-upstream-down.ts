// An external upstream that is down: git users get a plain 502 they can act
// on (never a 401 that would make git drop their stored credential), the
// health endpoint says 503, and gitward keeps answering. When the upstream
// comes back, so does service, with no restart; when it goes again, so does
// service, cleanly.
import t, { type Test } from 'tap'
import { mkdtempSync } from 'node:fs'
import { join } from 'node:path'
import { startGitward, makeWorkingCopy } from '../helpers/servers/gitward.js'
import { bareDir, remoteLines } from '../helpers/git/repos.js'
import { infoRefsUrl, request } from '../helpers/http/request.js'
import { freeLoopbackPort } from '../helpers/servers/daemon-process.js'
import { createEmbeddedBackend, type EmbeddedBackend } from '../../src/backend/embedded-backend.js'
import { silentLogger } from '../../src/log/logger.js'

const UNAVAILABLE = 'The git backend is unavailable; try again later or tell the server administrator.'

t.test('upstream down: 502 with a plain message, 503 health, and the server keeps serving', async t => {
  const port = await freeLoopbackPort()
  const h = await startGitward(t, { config: { upstream: `http://127.0.0.1:${port}` } })
  await h.createProject('acme/app')
  const { token } = await h.mint({ project: 'acme/app' })
  // Give the repository a commit directly, without gitward.
  const wc = await makeWorkingCopy(h, 'wc')
  t.equal((await h.git(['push', bareDir(h, 'acme/app'), 'main'], { cwd: wc })).code, 0)

  const expectDown = async (t: Test, label: string): Promise<void> => {
    const clone = await h.git(['clone', h.repoUrl('acme/app', token), join(h.dir, `clone-${label}`)])
    t.equal(clone.code, 128)
    t.same(remoteLines(clone.stderr), [UNAVAILABLE], clone.stderr)
    t.match(clone.stderr, /The requested URL returned error: 502/)
    const answer = await request(infoRefsUrl(h.url, 'acme/app', 'git-upload-pack'), { token })
    t.equal(answer.status, 502)
    t.equal(answer.body, `${UNAVAILABLE}\n`)
    t.match(answer.headers['content-type'], /^text\/plain/)
    t.equal(answer.headers['www-authenticate'], undefined, 'not a 401: git keeps the stored credential')
    const health = await request(`${h.url}/-/health`)
    t.equal(health.status, 503)
    t.equal(health.body, 'unhealthy: the git backend is unreachable\n')
    t.equal(health.headers['retry-after'], '5')
  }

  await t.test('while nothing listens upstream', async t => {
    await expectDown(t, 'down')
    // The gate itself still answers: refusals need no upstream.
    for (let i = 0; i < 5; i++) {
      const anonymous = await request(infoRefsUrl(h.url, 'acme/app', 'git-upload-pack'))
      t.equal(anonymous.status, 401)
    }
  })

  let upstream: EmbeddedBackend | null = null
  t.teardown(() => upstream?.close())

  await t.test('once the upstream comes back, clones work without a restart', async t => {
    // A git-http-backend on the configured port. (gitward sends the identity
    // in X-Gitward-User to external upstreams, which this one does not read:
    // only reads are tried here.)
    upstream = createEmbeddedBackend({
      reposRoot: h.repos,
      logger: silentLogger,
      maxProcesses: 4,
      queueTimeoutMs: 5000,
      homeDir: mkdtempSync(join(h.dir, 'upstream-home-')),
    })
    await upstream.listenTcp('127.0.0.1', port)
    const clone = await h.git(['clone', '-q', h.repoUrl('acme/app', token), join(h.dir, 'clone-up')])
    t.equal(clone.code, 0, clone.stderr)
    const health = await request(`${h.url}/-/health`)
    t.equal(health.status, 200)
    t.equal(health.body, 'ok\n')
  })

  await t.test('when it goes away again, the answer is 502 again (no stale connection)', async t => {
    await upstream?.close()
    upstream = null
    await expectDown(t, 'again')
  })
})

// An external upstream on a Unix socket (`upstream = "unix:/path"`): file
// permissions keep other local users away from it, which a loopback port
// cannot. Here the upstream is gitward's own backend server, told to read the
// identity from the header gitward sends to external upstreams.
import t from 'tap'
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createEmbeddedBackend } from '../../src/backend/embedded-backend.js'
import { silentLogger } from '../../src/log/logger.js'
import { startGitward, makeWorkingCopy } from '../helpers/servers/gitward.js'

t.test('clone and push through a unix: upstream, identity from gitward only', async t => {
  const root = mkdtempSync(join(tmpdir(), 'gitward-unix-up-'))
  const repos = join(root, 'repos')
  const home = join(root, 'home')
  mkdirSync(join(repos, 'acme'), { recursive: true })
  mkdirSync(home)
  const bare = join(repos, 'acme', 'app.git')
  execFileSync('git', ['init', '-q', '--bare', '-b', 'main', bare])
  execFileSync('git', ['--git-dir', bare, 'config', 'core.logAllRefUpdates', 'true'])
  const backend = createEmbeddedBackend({ reposRoot: repos, logger: silentLogger, maxProcesses: 4, queueTimeoutMs: 1000, homeDir: home })
  const { socketPath } = await backend.listenPrivate(root)
  t.teardown(async () => {
    await backend.close()
    rmSync(root, { recursive: true, force: true })
  })

  const h = await startGitward(t, { config: { upstream: `unix:${socketPath}`, identity_header: 'x-gitward-remote-user' } })
  await h.createProject('acme/app')
  const { id, token } = await h.mint({ project: 'acme/app' })
  const wc = await makeWorkingCopy(h, 'wc')
  const push = await h.git(['-c', 'http.extraHeader=X-Gitward-Remote-User: spoofed_bot', 'push', h.repoUrl('acme/app', token), 'main'], { cwd: wc })
  t.equal(push.code, 0, push.stderr)
  const who = execFileSync('git', ['--git-dir', bare, 'log', '-g', '--format=%gn', 'refs/heads/main'], { encoding: 'utf8' }).trim()
  t.equal(who, `project_${id}_bot`, 'the reflog names the token bot, not the spoofed header')
  const clone = await h.git(['clone', '-q', h.repoUrl('acme/app', token), 'out'])
  t.equal(clone.code, 0, clone.stderr)
  const anon = await h.git(['ls-remote', h.repoUrl('acme/app')])
  t.not(anon.code, 0, 'still gated')
  const health = await fetch(`${h.url}/-/health`)
  t.equal(health.status, 200)
})

t.test('unix: upstream must be an absolute path', async t => {
  const { loadConfig } = await import('../../src/config/load.js')
  t.throws(() => loadConfig({ flags: { upstream: 'unix:relative.sock' }, env: {}, cwd: '/' }), { message: /must name an absolute socket path/ })
  t.equal(loadConfig({ flags: { upstream: 'unix:/run/x.sock' }, env: {}, cwd: '/' }).upstream, 'unix:/run/x.sock')
})

// Virtual-host confusion behind an external upstream. A web server picks the
// virtual host by the Host header, and one nginx or Apache often serves
// several on the same socket or port. If the client's Host reached it, a
// client authorized for one repository could be served a different one:
// `git -c http.extraHeader='Host: other-vhost' clone …` for the public
// acme/app would get acme/app from the other site's private root. gitward
// must send a Host of its own: upstream_host, or localhost for a unix:
// socket, or the URL's authority. These tests fail on a gitward that passes
// the client's Host to a unix: upstream.
//
// The upstream here is a real HTTP server with two virtual hosts, each a
// real git http-backend over its own repository root.
import t, { type Test } from 'tap'
import http from 'node:http'
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createEmbeddedBackend, type EmbeddedBackend } from '../../src/backend/embedded-backend.js'
import { silentLogger } from '../../src/log/logger.js'
import { startGitward, type Harness } from '../helpers/servers/gitward.js'
import { send } from '../helpers/http/request.js'

const GIT_ENV = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' }

/** A repository root holding acme/app.git whose README says `content`. */
function siteRoot(root: string, name: string, content: string): string {
  const repos = join(root, name)
  const work = join(root, `${name}-work`)
  mkdirSync(join(repos, 'acme'), { recursive: true })
  execFileSync('git', ['init', '-q', '--bare', '-b', 'main', join(repos, 'acme', 'app.git')], { env: GIT_ENV })
  execFileSync('git', ['init', '-q', '-b', 'main', work], { env: GIT_ENV })
  writeFileSync(join(work, 'README.md'), content)
  execFileSync('git', ['add', '.'], { cwd: work, env: GIT_ENV })
  execFileSync('git', ['commit', '-q', '-m', content], { cwd: work, env: GIT_ENV })
  execFileSync('git', ['push', '-q', join(repos, 'acme', 'app.git'), 'main'], { cwd: work, env: GIT_ENV })
  return repos
}

interface VirtualHosts {
  /** Listen on a unix socket path or on a loopback port (0 = any). */
  listen(where: string | number): Promise<number | null>
  /** Every Host header the server was sent. */
  seen: string[]
}

/** One HTTP server, two sites chosen by Host: `public-site` names the gitward-authorized one. */
async function virtualHosts(t: Test, sites: Record<string, string>): Promise<VirtualHosts> {
  const root = mkdtempSync(join(tmpdir(), 'gw-vhost-'))
  const backends = new Map<string, EmbeddedBackend>()
  for (const [host, content] of Object.entries(sites)) {
    const home = join(root, `home-${backends.size}`)
    mkdirSync(home)
    backends.set(host, createEmbeddedBackend({
      reposRoot: siteRoot(root, `site-${backends.size}`, content),
      logger: silentLogger,
      maxProcesses: 4,
      queueTimeoutMs: 5000,
      homeDir: home,
    }))
  }
  const seen: string[] = []
  const server = http.createServer((req, res) => {
    const host = req.headers.host ?? ''
    seen.push(host)
    const backend = backends.get(host.toLowerCase())
    if (backend === undefined) {
      res.writeHead(421, { 'content-type': 'text/plain' }).end('no such virtual host\n')
      return
    }
    backend.handler(req, res)
  })
  t.teardown(async () => {
    await new Promise<void>(resolve => server.close(() => resolve()))
    for (const b of backends.values()) await b.close()
    rmSync(root, { recursive: true, force: true })
  })
  return {
    seen,
    listen: where =>
      new Promise((resolve, reject) => {
        server.once('error', reject)
        const done = (): void => {
          const a = server.address()
          resolve(typeof a === 'object' && a !== null ? a.port : null)
        }
        if (typeof where === 'string') server.listen(where, done)
        else server.listen(where, '127.0.0.1', done)
      }),
  }
}

async function cloneReadme(h: Harness, name: string, extraHeader?: string): Promise<string> {
  const args = [...(extraHeader === undefined ? [] : ['-c', `http.extraHeader=${extraHeader}`]), 'clone', '-q', h.repoUrl('acme/app'), name]
  const r = await h.git(args)
  if (r.code !== 0) throw new Error(`clone failed: ${r.stderr}`)
  return readFileSync(join(h.dir, name, 'README.md'), 'utf8')
}

t.test('unix: upstream with two virtual hosts: a client Host never picks the other site', async t => {
  const vhosts = await virtualHosts(t, { localhost: 'public site\n', 'other-vhost': 'PRIVATE site of another host\n' })
  const sockDir = mkdtempSync(join(tmpdir(), 'gw-vh-'))
  t.teardown(() => rmSync(sockDir, { recursive: true, force: true }))
  const socket = join(sockDir, 'up.sock')
  await vhosts.listen(socket)
  const h = await startGitward(t, { config: { upstream: `unix:${socket}` } })
  await h.createProject('acme/app', 'public')

  t.equal(await cloneReadme(h, 'plain'), 'public site\n', 'an ordinary clone gets the default site')
  t.equal(await cloneReadme(h, 'steered', 'Host: other-vhost'), 'public site\n', 'Host: other-vhost from the client still gets the default site')
  const raw = await send(h.app.port, '/acme/app.git/info/refs?service=git-upload-pack', { headers: [['Host', 'other-vhost']] })
  t.equal(raw.status, 200)
  t.ok(vhosts.seen.length >= 4)
  t.same([...new Set(vhosts.seen)], ['localhost'], 'the upstream saw only the Host gitward chose')
})

t.test('upstream_host names the virtual host explicitly', async t => {
  const vhosts = await virtualHosts(t, { 'git.internal': 'internal site\n', 'other-vhost': 'PRIVATE\n' })
  const sockDir = mkdtempSync(join(tmpdir(), 'gw-vh-'))
  t.teardown(() => rmSync(sockDir, { recursive: true, force: true }))
  const socket = join(sockDir, 'up.sock')
  await vhosts.listen(socket)
  const h = await startGitward(t, { config: { upstream: `unix:${socket}`, upstream_host: 'git.internal' } })
  await h.createProject('acme/app', 'public')
  t.equal(await cloneReadme(h, 'steered', 'Host: other-vhost'), 'internal site\n')
  t.same([...new Set(vhosts.seen)], ['git.internal'])
})

t.test('an http upstream sees its own host:port, never the client\'s Host', async t => {
  const vhosts = await virtualHosts(t, { 'other-vhost': 'PRIVATE\n' })
  const port = await vhosts.listen(0)
  const h = await startGitward(t, { config: { upstream: `http://127.0.0.1:${port}` } })
  await h.createProject('acme/app', 'public')
  const raw = await send(h.app.port, '/acme/app.git/info/refs?service=git-upload-pack', { headers: [['Host', 'other-vhost']] })
  t.equal(raw.status, 421, 'the upstream was not asked for other-vhost')
  t.same([...new Set(vhosts.seen)], [`127.0.0.1:${port}`])
})

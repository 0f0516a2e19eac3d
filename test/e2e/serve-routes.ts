// Path-routed backends: two real nginx + fcgiwrap git servers, each with its
// own repositories root; gitward sends acme/** (and only acme/**, not
// acme-evil) to the second and everything else to the default upstream.
// Clones and pushes reach the right server, the longest prefix wins,
// /-/health reports each backend, and a backend that is down costs only
// the paths it serves.
import t from 'tap'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { startGitward, makeWorkingCopy } from '../helpers/servers/gitward.js'
import { infoRefsUrl, request } from '../helpers/http/request.js'
import { startNginxUpstream } from '../helpers/servers/nginx-upstream.js'
import { startRelay } from '../helpers/http/relay.js'
import type { RunningUpstream } from '../helpers/servers/upstream-handle.js'

t.test('[[route]] prefixes pick the git server; unmatched paths use the default upstream', async t => {
  const dir = t.testdir()
  const roots = { main: join(dir, 'main-repos'), acme: join(dir, 'acme-repos') }
  const servers: Record<string, RunningUpstream> = {}
  for (const [name, root] of Object.entries(roots)) {
    mkdirSync(root, { recursive: true })
    const started = await startNginxUpstream({ reposRoot: root, dir: join(dir, `nginx-${name}`) })
    if (!started.available) {
      t.pass('nginx upstreams', { skip: started.reason })
      return
    }
    t.teardown(() => started.stop())
    servers[name] = started
  }
  const main = servers['main'] as RunningUpstream
  const acme = servers['acme'] as RunningUpstream
  // The acme backend sits behind a relay, so it can be made unreachable.
  const relay = await startRelay({ targetPort: acme.port })
  t.teardown(() => relay.close())
  const h = await startGitward(t, {
    repos: roots.main,
    config: { upstream: main.url, route: `acme=http://127.0.0.1:${relay.port},acme/big=${main.url}` },
  })

  // repo create registers the project and makes the bare repository in the
  // --repos it is given: the root of the server that will serve it.
  for (const [project, root] of [['acme/app', roots.acme], ['acme-evil/app', roots.main], ['acme/big/mono', roots.main], ['zeta/app', roots.main]] as const) {
    const created = await h.cli(['--repos', root, 'repo', 'create', project])
    t.equal(created.code, 0, created.stderr)
    ;(root === roots.acme ? acme : main).handOver(join(root, `${project}.git`))
  }
  const { token } = await h.mint({ group: 'acme', role: 'maintainer' })
  const { token: other } = await h.mint({ group: 'acme-evil', role: 'maintainer' })
  const { token: zeta } = await h.mint({ group: 'zeta', role: 'maintainer' })

  const wc = await makeWorkingCopy(h, 'wc')
  for (const [project, tok] of [['acme/app', token], ['acme-evil/app', other], ['acme/big/mono', token], ['zeta/app', zeta]] as const) {
    const push = await h.git(['push', h.repoUrl(project, tok), 'main'], { cwd: wc })
    t.equal(push.code, 0, `${project}: ${push.stderr}`)
    const clone = await h.git(['clone', '-q', h.repoUrl(project, tok), join(h.dir, `clone-${project.replace(/\//g, '-')}`)])
    t.equal(clone.code, 0, `${project}: ${clone.stderr}`)
  }
  // Each push landed on the server its route names, nowhere else.
  const hasMain = async (root: string, project: string) =>
    (await h.git(['--git-dir', join(root, `${project}.git`), 'rev-parse', '--verify', '-q', 'refs/heads/main'])).code === 0
  t.ok(await hasMain(roots.acme, 'acme/app'), 'acme/app is on the acme server')
  t.ok(await hasMain(roots.main, 'acme-evil/app'), 'acme-evil/app is not under acme: default server')
  t.ok(await hasMain(roots.main, 'acme/big/mono'), 'acme/big/mono: the longer prefix wins')
  t.ok(await hasMain(roots.main, 'zeta/app'), 'zeta/app: no route, default server')

  const health = await request(`${h.url}/-/health`)
  t.equal(health.status, 200)
  t.equal(health.body, 'ok\nbackend default: ok\nbackend route 1: ok\nbackend route 2: ok\n')

  // The acme server goes away: its paths get 502, the others still work.
  await relay.close()
  const down = await request(`${h.url}/-/health`)
  t.equal(down.status, 503)
  t.match(down.body, /backend route 1: unreachable/)
  t.equal((await request(infoRefsUrl(h.url, 'acme/app', 'git-upload-pack'), { token })).status, 502)
  t.equal((await request(infoRefsUrl(h.url, 'zeta/app', 'git-upload-pack'), { token: zeta })).status, 200)
})

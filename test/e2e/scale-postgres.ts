// The loopback scale test: one PostgreSQL, three `gitward serve` processes
// on it, two nginx + fcgiwrap git servers with a route between them. Bounded
// rounds of clones and pushes go round-robin across the instances with zero
// errors; a token revoked through the CLI is refused at every instance on
// its very next request; a PostgreSQL restart in the middle costs only 503s
// (never a 401, no crash) and traffic resumes by itself; the ban is per
// instance, as docs/deploy.md says.
import t from 'tap'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { infoRefsUrl, request } from '../helpers/http/request.js'
import { runGitward, serveEnv, startServeProcess, type ServeProcess } from '../helpers/servers/serve-process.js'
import { makeGitClient, withCredentials } from '../helpers/git/client.js'
import { startNginxUpstream } from '../helpers/servers/nginx-upstream.js'
import { startPostgresCluster } from '../helpers/servers/postgres-cluster.js'
import type { RunningUpstream } from '../helpers/servers/upstream-handle.js'
import { formatToken } from '../../src/auth/token-format.js'

const ROUNDS = 4

const cluster = await startPostgresCluster(t)

if (cluster !== null) {
  t.test('three instances, one PostgreSQL, two routed git servers', async t => {
    const dir = mkdtempSync(join(tmpdir(), 'gitward-scale-'))
    t.teardown(() => rmSync(dir, { recursive: true, force: true }))
    const roots = { main: join(dir, 'main-repos'), acme: join(dir, 'acme-repos') }
    const servers: RunningUpstream[] = []
    for (const [name, root] of Object.entries(roots)) {
      mkdirSync(root, { recursive: true })
      const started = await startNginxUpstream({ reposRoot: root, dir: join(dir, `nginx-${name}`) })
      if (!started.available) {
        t.pass('nginx upstreams', { skip: started.reason })
        return
      }
      t.teardown(() => started.stop())
      servers.push(started)
    }
    const [main, acme] = servers as [RunningUpstream, RunningUpstream]
    const db = await cluster.createDatabase()
    const home = join(dir, 'home')
    mkdirSync(home)
    const env = serveEnv(home, {
      GITWARD_UPSTREAM: main.url,
      GITWARD_ROUTE: `acme=${acme.url}`,
      GITWARD_BAN_MAX_FAILURES: '2',
      GITWARD_DB_POOL_SIZE: '4',
      GITWARD_DB_CONNECT_TIMEOUT_MS: '1000',
    })
    const admin = (args: string[], repos = roots.main) => runGitward(['--db', db, '--repos', repos, ...args], { cwd: dir, env })

    const instances: ServeProcess[] = []
    for (let i = 0; i < 3; i++) {
      const p = await startServeProcess(['--listen', '127.0.0.1:0', '--db', db, ...(i === 0 ? ['--init'] : [])], { cwd: dir, env })
      t.teardown(() => {
        if (p.isRunning()) p.child.kill('SIGKILL')
      })
      instances.push(p)
    }

    for (const [project, root, server] of [['acme/app', roots.acme, acme], ['zeta/app', roots.main, main]] as const) {
      const created = await admin(['repo', 'create', project], root)
      t.equal(created.code, 0, created.stderr)
      server.handOver(join(root, `${project}.git`))
    }
    const mint = async (args: string[]): Promise<string> => {
      const r = await admin(['token', 'create', '--name', 'scale', '--role', 'maintainer', '--scopes', 'read_repository,write_repository', ...args])
      t.equal(r.code, 0, r.stderr)
      return r.stdout.trim()
    }
    const acmeToken = await mint(['--group', 'acme'])
    const zetaToken = await mint(['--project', 'zeta/app'])
    const doomed = await mint(['--group', 'acme'])

    const { git } = makeGitClient(dir)
    const remote = (i: number, project: string, token: string) => `${withCredentials(instances[i % 3]?.url ?? '', token)}/${project}.git`

    // Seed both repositories, then bounded rounds round-robin across the instances.
    const wc = join(dir, 'wc')
    t.equal((await git(['init', '-q', '-b', 'main', wc])).code, 0)
    let errors: string[] = []
    let commits = 0
    const round = async (r: number): Promise<void> => {
      writeFileSync(join(wc, 'round.txt'), `round ${r} commit ${++commits}\n`)
      await git(['add', '.'], { cwd: wc })
      await git(['commit', '-q', '-m', `round ${r}`], { cwd: wc })
      for (const [k, [project, token]] of ([['acme/app', acmeToken], ['zeta/app', zetaToken]] as const).entries()) {
        const push = await git(['push', '-q', remote(r + k, project, token), 'main'], { cwd: wc })
        if (push.code !== 0) errors.push(`round ${r} push ${project} via ${(r + k) % 3 + 1}: ${push.stderr}`)
        const target = join(dir, `clone-${r}-${k}`)
        const clone = await git(['clone', '-q', remote(r + k + 1, project, token), target])
        if (clone.code !== 0) errors.push(`round ${r} clone ${project} via ${(r + k + 1) % 3 + 1}: ${clone.stderr}`)
        rmSync(target, { recursive: true, force: true })
      }
    }
    for (let r = 0; r < ROUNDS; r++) await round(r)
    t.same(errors, [], `${ROUNDS} rounds of pushes and clones across 3 instances, no error`)
    const onAcme = await git(['--git-dir', join(roots.acme, 'acme/app.git'), 'rev-list', '--count', 'main'])
    t.equal(onAcme.stdout.trim(), String(commits), 'every push to acme/app landed on the acme server')

    await t.test('a revocation through the CLI is refused by every instance on its next request', async t => {
      for (const p of instances) t.equal((await request(infoRefsUrl(p.url, 'acme/app', 'git-upload-pack'), { token: doomed })).status, 200)
      const id = doomed.slice('gwpat-'.length, 'gwpat-'.length + 12)
      t.equal((await admin(['token', 'revoke', id])).code, 0)
      for (const [i, p] of instances.entries()) {
        t.equal((await request(infoRefsUrl(p.url, 'acme/app', 'git-upload-pack'), { token: doomed })).status, 401, `instance ${i + 1}`)
      }
    })

    await t.test('a PostgreSQL restart costs only 503s; traffic resumes by itself', async t => {
      await cluster.stop()
      for (const [i, p] of instances.entries()) {
        const down = await request(infoRefsUrl(p.url, 'zeta/app', 'git-upload-pack'), { token: zetaToken })
        t.equal(down.status, 503, `instance ${i + 1} while PostgreSQL is down`)
        t.ok(down.headers['retry-after'] !== undefined, 'with Retry-After')
        const clone = await git(['clone', '-q', remote(i, 'zeta/app', zetaToken), join(dir, `down-${i}`)])
        t.not(clone.code, 0)
        t.notMatch(clone.stderr, /Authentication failed/, 'git is not told the credential is wrong')
      }
      await cluster.start()
      errors = []
      await round(ROUNDS)
      t.same(errors, [], 'pushes and clones work again through every instance')
      t.ok(instances.every(p => p.isRunning()), 'no instance crashed')
    })

    await t.test('the ban is per instance: one instance bans, the others still serve (docs/deploy.md)', async t => {
      const id = zetaToken.slice('gwpat-'.length, 'gwpat-'.length + 12)
      const wrong = formatToken('gwpat-', id, 'W'.repeat(32))
      const [first, second] = instances as [ServeProcess, ServeProcess]
      // Each instance has counted one refusal already: the revoked token's.
      t.equal((await request(infoRefsUrl(first.url, 'zeta/app', 'git-upload-pack'), { token: wrong })).status, 401, 'instance 1: second failure')
      t.equal((await request(infoRefsUrl(first.url, 'zeta/app', 'git-upload-pack'), { token: zetaToken })).status, 403, 'banned at instance 1')
      t.equal((await request(infoRefsUrl(second.url, 'zeta/app', 'git-upload-pack'), { token: zetaToken })).status, 200, 'not at instance 2 (one failure there)')
      t.equal((await request(infoRefsUrl(second.url, 'zeta/app', 'git-upload-pack'), { token: wrong })).status, 401, 'instance 2: second failure')
      t.equal((await request(infoRefsUrl(second.url, 'zeta/app', 'git-upload-pack'), { token: zetaToken })).status, 403, 'now banned at instance 2 too')
    })

    for (const p of instances) p.child.kill('SIGTERM')
    for (const p of instances) t.equal((await p.exited).code, 0, 'each instance stops cleanly')
  })
}

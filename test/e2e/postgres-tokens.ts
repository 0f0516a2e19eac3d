// The token life cycle end to end on the PostgreSQL store: the same real
// git, real CLI and real server as the SQLite tests, with `db` a postgres://
// connection string. Create with the CLI, use, revoke and rotate with the
// CLI (refused on the very next request despite a warm verdict cache),
// expiry at 00:00 UTC by the injected clock, and the group switch for
// project tokens. Then `gitward serve --init --db postgres://…` as a
// process, and two instances on one database: a revocation through the CLI
// is refused by both on their next request.
import t from 'tap'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startGitward, makeWorkingCopy, type Harness } from '../helpers/servers/gitward.js'
import { remoteLines } from '../helpers/git/repos.js'
import { infoRefsUrl, request } from '../helpers/http/request.js'
import { runGitward, serveEnv, startServeProcess, type ServeProcess } from '../helpers/servers/serve-process.js'
import { makeGitClient } from '../helpers/git/client.js'
import { startPostgresCluster } from '../helpers/servers/postgres-cluster.js'
import { formatToken } from '../../src/auth/token-format.js'

const REFUSED = 'The access token was refused: it may be mistyped, expired or revoked.'

const cluster = await startPostgresCluster(t)

async function seededClone(h: Harness, project: string, token: string, name: string): Promise<string> {
  const wc = await makeWorkingCopy(h, `${name}-seed`)
  const push = await h.git(['push', h.repoUrl(project, token), 'main'], { cwd: wc })
  if (push.code !== 0) throw new Error(push.stderr)
  const clone = join(h.dir, name)
  const r = await h.git(['clone', '-q', h.repoUrl(project, token), clone])
  if (r.code !== 0) throw new Error(r.stderr)
  return clone
}

if (cluster !== null) {
  t.test('create, use, revoke and rotate with the CLI, on PostgreSQL', async t => {
    const h = await startGitward(t, { db: await cluster.createDatabase() })
    t.equal((await h.cli(['repo', 'create', 'acme/app'])).code, 0)
    const created = await h.cli(['token', 'create', '--project', 'acme/app', '--name', 'ci', '--scopes', 'read_repository,write_repository'])
    t.equal(created.code, 0, created.stderr)
    const token = created.stdout.trim()
    h.tokens.push(token)
    const clone = await seededClone(h, 'acme/app', token, 'clone')
    t.equal((await h.git(['fetch', 'origin'], { cwd: clone })).code, 0)
    t.ok(h.app.verifier.stats.cacheHits > 0, 'the verdict for this token is cached (warm cache)')

    // Rotate: the old secret fails at once, the new one works.
    const id = token.slice('gwpat-'.length, 'gwpat-'.length + 12)
    const rotated = await h.cli(['token', 'rotate', id])
    t.equal(rotated.code, 0, rotated.stderr)
    const fresh = rotated.stdout.trim()
    h.tokens.push(fresh)
    const old = await h.git(['fetch', 'origin'], { cwd: clone })
    t.equal(old.code, 128)
    t.same(remoteLines(old.stderr), [REFUSED], old.stderr)
    t.equal((await h.git(['fetch', h.repoUrl('acme/app', fresh)], { cwd: clone })).code, 0)

    // Revoke the new one: refused on the next request.
    const freshId = fresh.slice('gwpat-'.length, 'gwpat-'.length + 12)
    const revoked = await h.cli(['token', 'revoke', freshId])
    t.equal(revoked.code, 0, revoked.stderr)
    const answer = await request(infoRefsUrl(h.url, 'acme/app', 'git-upload-pack'), { token: fresh })
    t.equal(answer.status, 401)
    t.equal(answer.body, `${REFUSED}\n`)

    const audit = await h.cli(['audit', '--json'])
    t.equal(audit.code, 0, audit.stderr)
    t.same(
      (JSON.parse(audit.stdout) as Array<{ action: string }>).map(e => e.action),
      ['project.created', 'token.created', 'token.rotated', 'token.revoked'],
    )
  })

  t.test('expiry at 00:00 UTC on PostgreSQL, by the injected clock', async t => {
    const h = await startGitward(t, { db: await cluster.createDatabase(), now: new Date('2026-06-15T23:59:59Z') })
    await h.createProject('acme/app')
    const { token } = await h.mint({ project: 'acme/app', expiresAt: '2026-06-16' })
    const clone = await seededClone(h, 'acme/app', token, 'clone')
    t.equal((await h.git(['fetch', 'origin'], { cwd: clone })).code, 0, 'works at 23:59:59 the day before')
    h.clock.set(new Date('2026-06-16T00:00:00Z'))
    const after = await h.git(['fetch', 'origin'], { cwd: clone })
    t.equal(after.code, 128, 'refused at 00:00:00 UTC on the expiry date')
    t.same(remoteLines(after.stderr), [REFUSED], after.stderr)
  })

  t.test('the group switch on PostgreSQL: project tokens refused, group tokens work', async t => {
    const h = await startGitward(t, { db: await cluster.createDatabase() })
    await h.createProject('acme/app')
    const off = await h.cli(['group', 'set', 'acme', '--project-token-creation', 'disabled'])
    t.equal(off.code, 0, off.stderr)
    const refused = await h.cli(['token', 'create', '--project', 'acme/app', '--name', 'x', '--scopes', 'read_repository'])
    t.equal(refused.code, 1)
    t.match(refused.stderr, /disabled for the group "acme"/)
    const group = await h.cli(['token', 'create', '--group', 'acme', '--name', 'g', '--scopes', 'read_repository,write_repository'])
    t.equal(group.code, 0, group.stderr)
    const token = group.stdout.trim()
    h.tokens.push(token)
    await seededClone(h, 'acme/app', token, 'clone')
    const on = await h.cli(['group', 'set', 'acme', '--project-token-creation', 'enabled'])
    t.equal(on.code, 0, on.stderr)
    const again = await h.cli(['token', 'create', '--project', 'acme/app', '--name', 'x', '--scopes', 'read_repository'])
    t.equal(again.code, 0, again.stderr)
    h.tokens.push(again.stdout.trim())
  })

  t.test('gitward serve --init --db postgres://… as processes: two instances, one revocation', async t => {
    const db = await cluster.createDatabase()
    const dir = mkdtempSync(join(tmpdir(), 'gitward-pg-process-'))
    t.teardown(() => rmSync(dir, { recursive: true, force: true }))
    const home = join(dir, 'home')
    const env = serveEnv(home)
    const repos = join(dir, 'repos')
    const admin = (args: string[]) => runGitward(['--db', db, '--repos', repos, ...args], { cwd: dir, env })
    const servers: ServeProcess[] = []
    for (const args of [['--init'], []]) {
      const p = await startServeProcess(['--listen', '127.0.0.1:0', '--db', db, '--repos', repos, ...args], { cwd: dir, env })
      t.teardown(() => {
        if (p.isRunning()) p.child.kill('SIGKILL')
      })
      servers.push(p)
    }
    t.equal((await admin(['repo', 'create', 'acme/app'])).code, 0)
    const minted = await admin(['token', 'create', '--project', 'acme/app', '--name', 'ci', '--scopes', 'read_repository,write_repository'])
    t.equal(minted.code, 0, minted.stderr)
    const token = minted.stdout.trim()
    const { git } = makeGitClient(dir)
    for (const [i, s] of servers.entries()) {
      const clone = await git(['clone', '-q', `${s.url.replace('://', `://git:${token}@`)}/acme/app.git`, join(dir, `clone${i}`)])
      t.equal(clone.code, 0, `instance ${i + 1}: ${clone.stderr}`)
      // Twice, so each instance holds a cached verdict.
      t.equal((await request(infoRefsUrl(s.url, 'acme/app', 'git-upload-pack'), { token })).status, 200)
    }
    const id = token.slice('gwpat-'.length, 'gwpat-'.length + 12)
    t.equal((await admin(['token', 'revoke', id])).code, 0)
    for (const [i, s] of servers.entries()) {
      const answer = await request(infoRefsUrl(s.url, 'acme/app', 'git-upload-pack'), { token })
      t.equal(answer.status, 401, `instance ${i + 1} refuses the revoked token on its next request`)
    }
    for (const s of servers) {
      const everything = s.stdout() + s.stderr()
      t.notOk(everything.includes(token.slice(-38)), 'no token secret in the output')
      t.match(s.stderr(), /database postgres:\/\/postgres@127\.0\.0\.1:\d+\//, 'the database is named without a password')
    }
    for (const s of servers) s.child.kill('SIGTERM')
    for (const s of servers) t.equal((await s.exited).code, 0)
  })

  t.test('the brute-force ban is per instance: N instances allow at most N x ban_max_failures guesses (docs/deploy.md)', async t => {
    const db = await cluster.createDatabase()
    const config = { ban_max_failures: '3', ban_time_ms: '60000' }
    const a = await startGitward(t, { db, config })
    const b = await startGitward(t, { db, config, repos: a.repos })
    await a.createProject('acme/app')
    const m = await a.mint({ project: 'acme/app' })
    b.tokens.push(m.token)
    const wrong = formatToken('gwpat-', m.id, 'W'.repeat(32))
    const pull = (h: Harness, token: string) => request(infoRefsUrl(h.url, 'acme/app', 'git-upload-pack'), { token })
    for (let i = 0; i < 3; i++) t.equal((await pull(a, wrong)).status, 401, `instance 1, guess ${i + 1}`)
    t.equal((await pull(a, m.token)).status, 403, 'instance 1 bans after its own 3 failures')
    // The counters are not shared: instance 2 has seen no failure yet.
    t.equal((await pull(b, m.token)).status, 200, 'instance 2 has not banned the address')
    for (let i = 0; i < 3; i++) t.equal((await pull(b, wrong)).status, 401, `instance 2, guess ${i + 1}`)
    t.equal((await pull(b, m.token)).status, 403, 'instance 2 bans after its own 3 failures')
    t.equal((await pull(a, wrong)).status, 403, 'instance 1 still refuses before any check')
    // 2 instances x 3 = 6 guesses in all got a 401 before every instance banned.
  })

  // Last: it stops the cluster.
  t.test('PostgreSQL down: 503 with Retry-After, never 401; back up: served again, same process', async t => {
    const h = await startGitward(t, { db: await cluster.createDatabase() })
    await h.createProject('acme/app')
    const { token } = await h.mint({ project: 'acme/app' })
    const url = infoRefsUrl(h.url, 'acme/app', 'git-upload-pack')
    t.equal((await request(url, { token })).status, 200)
    t.equal((await request(url, { token })).status, 200, 'warm verdict cache')
    await cluster.stop()
    for (const attempt of [1, 2]) {
      const down = await request(url, { token })
      t.equal(down.status, 503, `attempt ${attempt}: ${down.body}`)
      t.ok(down.headers['retry-after'] !== undefined, 'Retry-After is sent')
    }
    const health = await request(`${h.url}/-/health`)
    t.equal(health.status, 503)
    await cluster.start()
    t.equal((await request(url, { token })).status, 200, 'the pool reconnected by itself')
    t.equal((await request(`${h.url}/-/health`)).status, 200)
  })
}

// Threat: a token whose stored expiry date is not a real calendar date
// (2020-13-01) worked forever in 0.1: expiry compared now >= NaN, which is
// never true, so the check failed OPEN. Such a row gets into a database by
// hand, through a broken build or a restored backup; 0.1's schema accepted
// anything shaped like ####-[01]#-[0-3]#.
//
// Both ways in are closed and proved against the real server and git:
// - a database written by 0.1 (migration 1 as released) holding such a row
//   is upgraded when gitward opens it, and the token is refused;
// - a row changed under a running server, past the CHECK, is refused on the
//   very next request, cache or no cache.
import t from 'tap'
import { randomBytes } from 'node:crypto'
import Database from 'better-sqlite3'
import { bcryptHasher } from '../../src/auth/hasher.js'
import { DEFAULT_TOKEN_PREFIX, formatToken, newSecret, newTokenId } from '../../src/auth/token-format.js'
import { createBareRepository } from '../../src/repo/create-bare-repository.js'
import { execFileGit } from '../../src/repo/run-git.js'
import { MIGRATIONS } from '../../src/store/migrations.js'
import { openDatabase } from '../../src/store/open-database.js'
import { advertise, basicAuth, bearer } from '../helpers/http/request.js'
import { startGitward } from '../helpers/servers/gitward.js'

t.test('a 0.1 database with expires_at = 2020-13-01: the token is refused (it worked in 0.1)', async t => {
  const hasher = bcryptHasher(4)
  const minted: Record<string, string> = {}
  const h = await startGitward(t, {
    prepare: async ({ db, repos }) => {
      const raw = openDatabase({ file: db, busyTimeoutMs: 1000, migrations: MIGRATIONS.slice(0, 1) })
      raw.prepare("INSERT INTO projects (id, path, visibility, created_at) VALUES (1, 'acme/app', 'private', '2026-01-01T00:00:00.000Z')").run()
      const insert = raw.prepare(
        `INSERT INTO tokens (id, name, project_id, role, scopes, secret_hash, expires_at, created_at)
         VALUES (?, ?, 1, 'developer', 'read_repository,write_repository', ?, ?, '2026-01-01T00:00:00.000Z')`,
      )
      for (const [name, expires] of [['month13', '2020-13-01'], ['control', '2027-01-01']] as const) {
        const id = newTokenId(randomBytes)
        const secret = newSecret(randomBytes)
        insert.run(id, name, await hasher.hash(secret), expires)
        minted[name] = formatToken(DEFAULT_TOKEN_PREFIX, id, secret)
      }
      raw.close()
      await createBareRepository({ root: repos, path: 'acme/app', defaultBranch: 'main', runGit: execFileGit({ env: { PATH: process.env['PATH'] } }) })
    },
  })
  const month13 = minted['month13']!
  const control = minted['control']!
  h.tokens.push(month13, control)

  t.equal((await advertise(h.app.port, 'acme/app', 'git-upload-pack', basicAuth(control))).status, 200, 'a token from the same 0.1 database still works')
  t.equal((await advertise(h.app.port, 'acme/app', 'git-upload-pack', basicAuth(month13))).status, 401, 'pull: 401')
  t.equal((await advertise(h.app.port, 'acme/app', 'git-receive-pack', bearer(month13))).status, 401, 'push: 401')
  const clone = await h.git(['clone', '-q', h.repoUrl('acme/app', month13), 'clone'])
  t.not(clone.code, 0, 'git clone with the token fails')
  t.match(clone.stderr, /The access token was refused/)
  t.ok((await h.git(['ls-remote', h.repoUrl('acme/app', control)])).code === 0, 'git with the other token works')
  t.match(h.logText(), /"decision":"deny:expired"/, 'logged as an expired token')
})

t.test('a row changed to expires_at = 2020-13-01 under a running server: refused on the next request', async t => {
  const h = await startGitward(t)
  await h.createProject('acme/app')
  const { id, token } = await h.mint({ project: 'acme/app', expiresAt: '2027-01-01' })
  t.equal((await advertise(h.app.port, 'acme/app', 'git-upload-pack', basicAuth(token))).status, 200, 'works (and its verdict is now cached)')

  const raw = new Database(h.db)
  // The CHECK of schema 3 refuses the value; only a connection that turns
  // checks off (as a hand edit or another tool might) can write it.
  t.throws(() => raw.prepare("UPDATE tokens SET expires_at = '2020-13-01' WHERE id = ?").run(id), { code: 'SQLITE_CONSTRAINT_CHECK' })
  raw.pragma('ignore_check_constraints = ON')
  raw.prepare("UPDATE tokens SET expires_at = '2020-13-01' WHERE id = ?").run(id)
  raw.close()

  t.equal((await advertise(h.app.port, 'acme/app', 'git-upload-pack', basicAuth(token))).status, 401, 'the very next request: 401')
  const r = await h.git(['ls-remote', h.repoUrl('acme/app', token)])
  t.not(r.code, 0, 'git ls-remote fails')
  const cli = await h.cli(['token', 'show', id, '--json'])
  t.equal(cli.code, 0, cli.stderr)
  t.match(JSON.parse(cli.stdout), { expires_at: '2020-13-01', state: 'expired' }, 'token show tells the administrator why')
})

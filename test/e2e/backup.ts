// `gitward backup FILE` against a running server: the copy is taken while a
// push is in progress (held inside a pre-receive hook until the backup is
// done) and while the server writes to the database, then restored the way
// docs/operations.md says into a second server, which must accept and refuse
// exactly the tokens the first one did at the time of the backup.
import t from 'tap'
import { randomBytes } from 'node:crypto'
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { startGitward, makeWorkingCopy } from '../helpers/servers/gitward.js'
import { bareDir, commitFiles, revParse, workHead } from '../helpers/git/repos.js'
import { infoRefsUrl, request } from '../helpers/http/request.js'
import { waitUntil } from '../helpers/wait/wait-until.js'
import { ManualClock } from '../../src/clock.js'
import { loadConfig } from '../../src/config/load.js'
import { silentLogger } from '../../src/log/logger.js'
import { startApp } from '../../src/app.js'

t.test('a backup taken during a running push restores into a database that serves the same tokens', async t => {
  const h = await startGitward(t)
  await h.createProject('acme/app')
  const kept = await h.mint({ project: 'acme/app', name: 'kept' })
  const revoked = await h.mint({ project: 'acme/app', name: 'revoked' })
  await h.revoke(revoked.id)
  const wc = await makeWorkingCopy(h, 'wc')
  t.equal((await h.git(['push', '-q', h.repoUrl('acme/app', kept.token), 'main'], { cwd: wc })).code, 0)

  // A pre-receive hook holds the next push until the test lets it go.
  const marks = join(h.dir, 'marks')
  mkdirSync(marks)
  const hook = join(bareDir(h, 'acme/app'), 'hooks', 'pre-receive')
  writeFileSync(
    hook,
    `#!/bin/sh\ncat >/dev/null\n: > '${marks}/started'\ni=0\nwhile [ ! -e '${marks}/release' ] && [ $i -lt 1200 ]; do sleep 0.05; i=$((i+1)); done\nexit 0\n`,
  )
  chmodSync(hook, 0o755)
  await commitFiles(h, wc, { 'big.bin': randomBytes(2 * 1024 * 1024) }, 'a push in progress')
  const pushing = h.git(['push', '-q', h.repoUrl('acme/app', kept.token), 'main'], { cwd: wc })
  t.ok(await waitUntil(() => existsSync(join(marks, 'started')), 60_000), 'the push is inside receive-pack')
  t.equal(h.app.backend?.activeProcesses(), 1, 'its git process is running')

  // The server writes while the copy is taken: the push's last-used time,
  // and an administrator minting a token.
  const during = h.cli(['token', 'create', '--project', 'acme/app', '--name', 'during', '--scopes', 'read_repository'])
  const backupFile = join(h.dir, 'backups', 'gitward.db')
  mkdirSync(join(h.dir, 'backups'))
  const backup = await h.cli(['backup', backupFile, '--json'])
  t.equal(backup.code, 0, backup.stderr)
  t.match(backup.stderr, /^Backed up .* to .* \(\d+ bytes, schema version \d+, integrity check passed\)\.\n$/)
  t.match(JSON.parse(backup.stdout), { file: backupFile, bytes: Number, pages: Number, schemaVersion: Number })
  t.equal(h.app.backend?.activeProcesses(), 1, 'the push was still running when the backup finished')
  writeFileSync(join(marks, 'release'), '')
  t.equal((await pushing).code, 0, 'the held push completes')
  const duringToken = (await during).stdout.trim()
  h.tokens.push(duringToken)
  const after = await h.mint({ project: 'acme/app', name: 'after the backup' })

  t.equal(statSync(backupFile).mode & 0o777, 0o600, 'the backup is 0600')
  t.notOk(existsSync(`${backupFile}-wal`), 'a single self-contained file')
  const copy = new Database(backupFile, { readonly: true })
  t.equal(copy.pragma('integrity_check', { simple: true }), 'ok')
  copy.close()

  // Restore, as docs/operations.md says: copy into place with mode 0600 and start gitward on it.
  const restoredDb = join(h.dir, 'restored', 'gitward.db')
  mkdirSync(join(h.dir, 'restored'), { mode: 0o700 })
  copyFileSync(backupFile, restoredDb)
  chmodSync(restoredDb, 0o600)
  const doctor = await h.cli(['doctor', '--json'], { GITWARD_DB: restoredDb })
  const checks = (JSON.parse(doctor.stdout) as { checks: Array<{ check: string; status: string }> }).checks
  t.match(checks.filter(c => c.check.startsWith('database.')).map(c => c.status), ['ok', 'ok', 'ok', 'ok'], 'doctor passes the restored database')
  const config = loadConfig({ flags: { listen: '127.0.0.1:0', db: restoredDb, repos: h.repos }, env: { GITWARD_BCRYPT_COST: '4' }, cwd: h.dir })
  const restored = await startApp({ config, clock: new ManualClock(h.clock.now()), random: randomBytes, logger: silentLogger })
  t.teardown(() => restored.stop())

  const status = async (url: string, token: string): Promise<number> => (await request(infoRefsUrl(url, 'acme/app', 'git-upload-pack'), { token })).status
  t.equal(await status(restored.url, kept.token), 200, 'the kept token still works')
  t.equal(await status(restored.url, revoked.token), 401, 'the revoked token stays revoked')
  t.equal(await status(restored.url, after.token), 401, 'a token minted after the backup is not in it')
  t.ok([200, 401].includes(await status(restored.url, duringToken)), 'the token minted during the backup is either wholly in it or wholly not')

  // The repositories were not touched by the restore: a clone through the
  // restored server has the held push's commit.
  const clone = join(h.dir, 'clone')
  t.equal((await h.git(['clone', '-q', `${restored.url.replace('://', `://git:${kept.token}@`)}/acme/app.git`, clone])).code, 0)
  t.equal(await workHead(h, clone), await revParse(h, bareDir(h, 'acme/app'), 'main'))
  t.ok(readFileSync(join(clone, 'big.bin')).length > 0)
})

t.test('backup refuses to overwrite, and points a PostgreSQL db to pg_dump', async t => {
  const h = await startGitward(t)
  const target = join(h.dir, 'existing.db')
  writeFileSync(target, 'precious')
  const r = await h.cli(['backup', target])
  t.equal(r.code, 1)
  t.match(r.stderr, /^gitward: .*existing\.db already exists; a backup never overwrites a file, so name a new one\.\n$/)
  t.equal(readFileSync(target, 'utf8'), 'precious', 'the file is unchanged')
  const missingDir = await h.cli(['backup', join(h.dir, 'no', 'such', 'dir', 'x.db')])
  t.equal(missingDir.code, 1)
  t.match(missingDir.stderr, /does not exist; create it first/)
  const pg = await h.cli(['backup', join(h.dir, 'pg.db')], { GITWARD_DB: 'postgres://gitward:secret@127.0.0.1:5432/gitward' })
  t.equal(pg.code, 1)
  t.match(pg.stderr, /pg_dump --format=custom/)
  t.notMatch(pg.stderr, /secret/, 'the password is not echoed')
  t.notOk(existsSync(join(h.dir, 'pg.db')))
})

// `gitward doctor` through the CLI function with an injected clock: a healthy
// installation is all OK (exit 0); then each precondition is broken on
// purpose and must be reported by name, with its fix, and the exit code must
// say how bad it is (1 warnings, 2 failures). The --json shape is checked
// on every run.
import t, { type Test } from 'tap'
import { execFileSync } from 'node:child_process'
import { chmodSync, chownSync, copyFileSync, openSync, rmSync, writeFileSync, writeSync, closeSync } from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'
import { X509Certificate } from 'node:crypto'
import { ManualClock } from '../../src/clock.js'
import { bcryptHasher } from '../../src/auth/hasher.js'
import { run } from '../../src/cli/run.js'
import { memoryIo } from '../../src/cli/io.js'

interface Check {
  check: string
  status: 'ok' | 'warn' | 'fail'
  message: string
  fix: string | null
}

function selfSigned(dir: string, name: string, days: number): { cert: string; key: string } {
  const cert = path.join(dir, `${name}.pem`)
  const key = path.join(dir, `${name}.key`)
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', String(days), '-subj', `/CN=${name}`], { stdio: 'ignore' })
  return { cert, key }
}

async function installation(t: Test) {
  const dir = t.testdir({ home: {} })
  const tls = selfSigned(dir, 'good', 365)
  const other = selfSigned(dir, 'other', 365)
  // After the certificates: their notBefore is the second openssl made them.
  const clock = new ManualClock(Date.now())
  const config = path.join(dir, 'gitward.toml')
  writeFileSync(config, `db = "data/gitward.db"\nrepos = "data/repositories"\ntls_cert = "${tls.cert}"\ntls_key = "${tls.key}"\n`)
  const baseEnv = { PATH: process.env['PATH'], HOME: path.join(dir, 'home'), GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', GITWARD_CONFIG: config }
  const cli = async (argv: string[], env: Record<string, string | undefined> = {}) => {
    const io = memoryIo({ ...baseEnv, ...env }, dir)
    const code = await run(argv, io, { clock, userName: () => 'gitward-test', hasher: () => bcryptHasher(4) })
    return { code, stdout: io.out.join(''), stderr: io.err.join('') }
  }
  t.equal((await cli(['init'])).code, 0)
  t.equal((await cli(['repo', 'create', 'acme/app'])).code, 0)
  t.equal((await cli(['repo', 'create', 'acme/lib'])).code, 0)
  const expires = new Date(clock.now() + 90 * 86_400_000).toISOString().slice(0, 10)
  t.equal((await cli(['token', 'create', '--project', 'acme/app', '--name', 'ci', '--scopes', 'read_repository', '--expires', expires])).code, 0)
  /** Run doctor twice (text and --json); check they agree and the JSON has the documented shape. */
  const doctor = async (env: Record<string, string | undefined> = {}) => {
    const text = await cli(['doctor'], env)
    const json = await cli(['doctor', '--json'], env)
    t.equal(json.code, text.code, 'text and JSON give the same exit code')
    const parsed = JSON.parse(json.stdout) as { status: string; checks: Check[] }
    t.same(Object.keys(parsed), ['status', 'checks'])
    for (const c of parsed.checks) {
      t.same(Object.keys(c), ['check', 'status', 'message', 'fix'])
      t.ok(['ok', 'warn', 'fail'].includes(c.status))
      t.equal(c.fix === null, c.status === 'ok', `${c.check}: a fix exactly when something is wrong`)
    }
    const lines = text.stdout.trimEnd().split('\n')
    t.equal(lines.length, parsed.checks.length, 'one line per check')
    parsed.checks.forEach((c, i) => t.ok(lines[i]?.startsWith(`${c.status.toUpperCase().padEnd(4)}  ${c.check}: `), lines[i] ?? ""))
    t.equal(parsed.status, text.code === 0 ? 'ok' : text.code === 1 ? 'warn' : 'fail')
    const find = (name: string): Check | undefined => parsed.checks.find(c => c.check === name)
    return { code: text.code, text: text.stdout, checks: parsed.checks, find }
  }
  const db = path.join(dir, 'data', 'gitward.db')
  const repos = path.join(dir, 'data', 'repositories')
  return { dir, clock, cli, doctor, db, repos, tls, other, config }
}

t.test('a healthy installation: every check OK, exit 0', async t => {
  const i = await installation(t)
  const r = await i.doctor()
  t.equal(r.code, 0, r.text)
  t.same(
    r.checks.map(c => c.check),
    ['config', 'database.file', 'database.open', 'database.schema', 'database.integrity', 'tokens.expiry', 'repositories.root', 'repositories.projects', 'git.version', 'git.services', 'tls.files', 'tls.match', 'tls.expiry', 'clock'],
  )
  t.ok(r.checks.every(c => c.status === 'ok'), r.text)
})

t.test('an invalid configuration: FAIL, and nothing else is checked', async t => {
  const i = await installation(t)
  const r = await i.doctor({ GITWARD_BCRYPT_COST: '99' })
  t.equal(r.code, 2)
  t.same(r.checks.map(c => `${c.check} ${c.status}`), ['config fail'])
  t.match(r.text, /bcrypt_cost \(from GITWARD_BCRYPT_COST\) must be between 4 and 15/)
})

t.test('a database others may read, or another user owns: WARN', async t => {
  const i = await installation(t)
  chmodSync(i.db, 0o644)
  let r = await i.doctor()
  t.equal(r.code, 1, r.text)
  t.match(r.find('database.file'), { status: 'warn', message: /mode 0644/, fix: /chmod 0600/ })
  chmodSync(i.db, 0o600)
  if (process.getuid?.() === 0) {
    chownSync(i.db, 65534, 65534)
    r = await i.doctor()
    t.match(r.find('database.file'), { status: 'warn', message: /belongs to uid 65534/, fix: /chown/ })
    chownSync(i.db, 0, 0)
  }
})

t.test('a database that is not one, is damaged, or is from a newer gitward: FAIL naming the restore procedure', async t => {
  const i = await installation(t)
  const copy = path.join(i.dir, 'copy.db')
  writeFileSync(copy, 'this is not a database, it is a text file that is long enough to have a header'.repeat(20), { mode: 0o600 })
  let r = await i.doctor({ GITWARD_DB: copy })
  t.equal(r.code, 2)
  t.match(r.find('database.open'), { status: 'fail', message: /restore it from a backup \(see "Restore" in docs\/operations\.md/, fix: /docs\/operations\.md, "Restore"/ })
  t.notOk(r.find('tokens.expiry'), 'no token check without a database')
  t.match(r.find('repositories.projects'), { status: 'warn', message: /not checked/ })

  // Damage: overwrite every page after the header page with garbage.
  const damaged = path.join(i.dir, 'damaged.db')
  const checkpoint = new Database(i.db)
  checkpoint.pragma('wal_checkpoint(TRUNCATE)')
  checkpoint.close()
  copyFileSync(i.db, damaged)
  const fd = openSync(damaged, 'r+')
  writeSync(fd, Buffer.alloc(4096 * 3, 0x5a), 0, 4096 * 3, 4096)
  closeSync(fd)
  r = await i.doctor({ GITWARD_DB: damaged })
  t.equal(r.code, 2, r.text)
  t.ok(r.checks.some(c => /^database\.(open|integrity)$/.test(c.check) && c.status === 'fail' && /Restore/.test(c.fix ?? '')), r.text)

  const newer = path.join(i.dir, 'newer.db')
  copyFileSync(i.db, newer)
  const db = new Database(newer)
  db.pragma('user_version = 99')
  db.close()
  r = await i.doctor({ GITWARD_DB: newer })
  t.match(r.find('database.schema'), { status: 'fail', message: /schema version 99 is newer/ })
})

t.test('a registered project without its repository, and a missing repositories root: FAIL', async t => {
  const i = await installation(t)
  rmSync(path.join(i.repos, 'acme', 'lib.git'), { recursive: true })
  let r = await i.doctor()
  t.equal(r.code, 2)
  t.match(r.find('repositories.projects'), { status: 'fail', message: /1 of 2 registered projects cannot be served: acme\/lib \(the repository does not exist\)/ })
  t.equal(r.find('repositories.root')?.status, 'ok')
  rmSync(i.repos, { recursive: true })
  r = await i.doctor()
  t.match(r.find('repositories.root'), { status: 'fail', message: /does not exist/, fix: /mkdir/ })
})

t.test('no git on PATH: FAIL', async t => {
  const i = await installation(t)
  const r = await i.doctor({ PATH: path.join(i.dir, 'empty-bin') })
  t.equal(r.code, 2)
  t.match(r.find('git.version'), { status: 'fail', message: /not found on PATH/, fix: /install git/ })
})

t.test('TLS: a key of another certificate, an expired certificate, one about to expire', async t => {
  const i = await installation(t)
  let r = await i.doctor({ GITWARD_TLS_KEY: i.other.key })
  t.equal(r.code, 2)
  t.match(r.find('tls.match'), { status: 'fail', message: /does not belong/ })
  const validTo = Date.parse(new X509Certificate(await import('node:fs').then(fs => fs.readFileSync(i.tls.cert))).validTo)
  i.clock.set(validTo - 5 * 86_400_000)
  r = await i.doctor()
  t.match(r.find('tls.expiry'), { status: 'warn', message: /expires in [45] days/ })
  i.clock.set(validTo + 1000)
  r = await i.doctor()
  t.match(r.find('tls.expiry'), { status: 'fail', message: /expired/ })
  r = await i.doctor({ GITWARD_TLS_CERT: path.join(i.dir, 'nope.pem') })
  t.match(r.find('tls.files'), { status: 'fail', message: /ENOENT/ })
})

t.test('an external upstream that does not answer: FAIL', async t => {
  const i = await installation(t)
  const r = await i.doctor({ GITWARD_UPSTREAM: 'http://127.0.0.1:9' })
  t.equal(r.code, 2)
  t.match(r.find('upstream.reachable'), { status: 'fail', message: /ECONNREFUSED/ })
  t.match(r.find('repositories'), { status: 'ok', message: /served by the upstream/ })
  t.notOk(r.find('git.services'), 'the embedded backend is not used')
})

t.test('a clock in the past, and one that went back: FAIL and WARN', async t => {
  const i = await installation(t)
  const real = i.clock.now()
  i.clock.set(new Date('2001-01-01T00:00:00Z'))
  let r = await i.doctor()
  t.match(r.find('clock'), { status: 'fail', message: /2001-01-01/ })
  i.clock.set(real - 86_400_000)
  r = await i.doctor()
  t.match(r.find('clock'), { status: 'warn', message: /went back/ })
})

t.test('a token that never expires: WARN naming it', async t => {
  const i = await installation(t)
  // Minted without a lifetime limit, as tokens made before max_token_lifetime_days were.
  const minted = await i.cli(['token', 'create', '--project', 'acme/app', '--name', 'forever', '--scopes', 'read_repository'], { GITWARD_MAX_TOKEN_LIFETIME_DAYS: '0' })
  t.equal(minted.code, 0)
  const id = (JSON.parse((await i.cli(['token', 'list', '--json'])).stdout) as Array<{ id: string; name: string }>).find(x => x.name === 'forever')?.id
  const r = await i.doctor()
  t.equal(r.code, 1)
  t.match(r.find('tokens.expiry'), { status: 'warn', message: new RegExp(`1 active token never expires: ${id} \\(forever\\)`), fix: /token rotate/ })
  t.notMatch(r.text, /gwpat-/, 'no token in the output')
})

// `gitward serve` refuses to start, with one sentence and a non-zero exit,
// when it cannot work safely: no database (fail closed), a bad setting, or an
// address it cannot listen on.
import t, { type Test } from 'tap'
import { execFile } from 'node:child_process'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { BIN } from '../helpers/paths/root.js'


const run = (args: string[], cwd: string) =>
  new Promise<{ code: number; stdout: string; stderr: string }>(resolve => {
    execFile(process.execPath, [BIN, ...args], { cwd, env: { PATH: process.env['PATH'] ?? '' }, timeout: 30_000, encoding: 'utf8' }, (error, stdout, stderr) =>
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr }),
    )
  })

const oneSentence = (t: Test, stderr: string) => {
  t.equal(stderr.trim().split('\n').length, 1, 'one line')
  t.notMatch(stderr, /\n\s+at /, 'no stack trace')
}

t.test('a missing database: refuses to start without --init', async t => {
  const dir = t.testdir()
  const r = await run(['--db', join(dir, 'none.db'), '--repos', dir, 'serve', '--listen', '127.0.0.1:0'], dir)
  t.equal(r.code, 3)
  t.match(r.stderr, /^gitward: The database .*none\.db does not exist; create it with "gitward init" \(or "gitward serve --init"\)/)
  oneSentence(t, r.stderr)
})

t.test('an invalid setting: every problem in one sentence, exit 1', async t => {
  const dir = t.testdir()
  const r = await run(['--db', join(dir, 'x.db'), 'serve', '--listen', 'nope', '--tls-cert', '/x.pem'], dir)
  t.equal(r.code, 1)
  t.match(r.stderr, /The configuration has 2 problems: listen \(from --listen\) must be HOST:PORT.*tls_cert and tls_key must be given together/)
  oneSentence(t, r.stderr)
})

t.test('an address in use: says so, exit 3, leaves nothing running', async t => {
  const dir = t.testdir()
  const blocker = createServer()
  await new Promise<void>(r => blocker.listen(0, '127.0.0.1', r))
  t.teardown(() => blocker.close())
  const port = (blocker.address() as { port: number }).port
  const r = await run(['--db', join(dir, 'data', 'g.db'), '--repos', join(dir, 'repos'), 'serve', '--init', '--listen', `127.0.0.1:${port}`], dir)
  t.equal(r.code, 3)
  t.match(r.stderr, new RegExp(`Cannot listen on 127\\.0\\.0\\.1:${port}: the address is already in use`))
  oneSentence(t, r.stderr)
})

t.test('a read-only database: refuses to start (fail closed), exit 3', async t => {
  // Not t.testdir(): its cleanup would run before the attribute is lifted.
  const { mkdtempSync, rmSync } = await import('node:fs')
  const { tmpdir } = await import('node:os')
  const dir = mkdtempSync(join(tmpdir(), 'gitward-readonly-'))
  const db = join(dir, 'data', 'g.db')
  t.equal((await run(['--db', db, '--repos', join(dir, 'repos'), 'init'], dir)).code, 0)
  const created = await run(['--db', db, '--repos', join(dir, 'repos'), 'repo', 'create', 'acme/app'], dir)
  t.equal(created.code, 0, created.stderr)
  // Tests run as root, for whom file modes do not stop writes; the
  // immutable attribute does. Skip where the filesystem lacks it.
  const { spawnSync } = await import('node:child_process')
  const lock = spawnSync('chattr', ['+i', db])
  if (lock.status !== 0) {
    rmSync(dir, { recursive: true, force: true })
    t.pass('chattr +i is not available here', { skip: String(lock.stderr) })
    return
  }
  t.teardown(() => {
    spawnSync('chattr', ['-i', db])
    rmSync(dir, { recursive: true, force: true })
  })
  const r = await run(['--db', db, '--repos', join(dir, 'repos'), 'serve', '--listen', '127.0.0.1:0'], dir)
  t.equal(r.code, 3)
  t.match(r.stderr, /^gitward: the database at .*g\.db cannot be read and written by this user/)
  oneSentence(t, r.stderr)
})

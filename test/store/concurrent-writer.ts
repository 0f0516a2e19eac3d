// Two processes on one database file, as in production: the server keeps a
// connection open while an administrator runs the CLI. WAL lets readers go on
// while a writer holds the lock, and busy_timeout makes a second writer wait
// instead of failing.
import t from 'tap'
import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { createRequire } from 'node:module'
import Database from 'better-sqlite3'
import { systemClock } from '../../src/clock.js'
import { openSqliteStore } from '../../src/store/sqlite-store.js'
import { addProject, addToken, newToken, note, written } from '../helpers/store/fixtures.js'
import { BIN, ROOT } from '../helpers/paths/root.js'

const SQLITE_MODULE = createRequire(import.meta.url).resolve('better-sqlite3')

// Holds the write lock until the parent drops a marker file, then commits a
// little later, so the parent's own write has to wait for it.
const CHILD = `
import fs from 'node:fs'
import { createRequire } from 'node:module'
const [modulePath, file, marker] = process.argv.slice(2)
const Database = createRequire(import.meta.url)(modulePath)
const db = new Database(file, { timeout: 5000 })
db.exec('BEGIN IMMEDIATE')
db.prepare("INSERT INTO projects (path, visibility, created_at) VALUES ('child/app', 'private', '2026-01-01T00:00:00.000Z')").run()
process.stdout.write('locked\\n')
const started = Date.now()
while (!fs.existsSync(marker)) {
  if (Date.now() - started > 20000) process.exit(2)
  await new Promise(r => setTimeout(r, 10))
}
await new Promise(r => setTimeout(r, 150))
db.exec('COMMIT')
db.close()
process.stdout.write('committed\\n')
`

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise(resolve => {
    if (child.exitCode !== null) return resolve(child.exitCode)
    child.once('exit', code => resolve(code))
  })
}

function waitForLine(child: ChildProcess, line: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let buf = ''
    const timer = setTimeout(() => reject(new Error(`no "${line}" from the child`)), 20_000)
    child.stdout?.on('data', (d: Buffer) => {
      buf += d.toString()
      if (buf.split('\n').includes(line)) {
        clearTimeout(timer)
        resolve()
      }
    })
    child.once('exit', code => {
      clearTimeout(timer)
      reject(new Error(`child exited (${code}) before "${line}"`))
    })
  })
}

t.test('another process writes while this one reads, and this one waits to write', async t => {
  const dir = t.testdir({ 'child.mjs': CHILD })
  const file = path.join(dir, 'gitward.db')
  const marker = path.join(dir, 'go')
  const store = await openSqliteStore({ file, clock: systemClock, busyTimeoutMs: 10_000 })
  t.teardown(() => store.close())
  const project = await addProject(store, 'acme/app')
  const tok = await addToken(store, newToken(project, { id: 'aaaaaaaaaaaa' }))

  const child = spawn(process.execPath, [path.join(dir, 'child.mjs'), SQLITE_MODULE, file, marker], { stdio: ['ignore', 'pipe', 'inherit'] })
  t.teardown(() => {
    if (child.exitCode === null) child.kill()
  })
  await waitForLine(child, 'locked')

  // The child holds the write lock: reads go on (WAL) and see committed data only.
  t.equal((await store.findProject('acme/app'))?.path, 'acme/app')
  t.equal((await store.findToken(tok.id))?.name, 'ci')
  t.equal(await store.findProject('child/app'), undefined, 'uncommitted row invisible')
  t.same((await store.listProjects()).map(p => p.path), ['acme/app'])

  // The server's batched last-used write never waits for the lock (it would
  // wait on the event loop): busy now, retried at the next flush.
  await t.rejects(store.recordTokenUse([{ id: tok.id, at: '2026-06-15T12:00:00.000Z' }]), { code: 'DB_BUSY' })

  // Let the child commit shortly; an administrative write waits for it (busy_timeout).
  fs.writeFileSync(marker, '')
  written(await store.revokeToken(tok.id, note('token.revoked', tok.id)))
  t.not((await store.findToken(tok.id))?.revokedAt, null)
  await store.recordTokenUse([{ id: tok.id, at: '2026-06-15T12:00:00.000Z' }])
  t.equal((await store.findToken(tok.id))?.lastUsedAt, '2026-06-15T12:00:00.000Z', 'the retried batch lands once the lock is free')
  t.equal(await exited(child), 0)
  t.equal((await store.findProject('child/app'))?.path, 'child/app', 'the other process\'s write is visible')
})

t.test('the CLI writes while a server connection reads and holds the lock for a moment', async t => {
  t.ok(fs.existsSync(path.join(ROOT, 'dist', 'cli', 'run.js')), 'built (npm test builds in pretest)')
  const dir = t.testdir({ home: {} })
  const file = path.join(dir, 'gitward.db')
  const server = await openSqliteStore({ file, clock: systemClock, busyTimeoutMs: 100 })
  t.teardown(() => server.close())
  await addProject(server, 'acme/app')

  // Another writer holds the lock when the CLI starts.
  const locker = new Database(file)
  t.teardown(() => locker.close())
  locker.exec('BEGIN IMMEDIATE')

  const cli = spawn(
    process.execPath,
    [BIN, '--db', file, 'token', 'create', '--project', 'acme/app', '--name', 'deploy', '--scopes', 'read_repository', '--json'],
    {
      cwd: dir,
      env: { PATH: process.env['PATH'], HOME: path.join(dir, 'home'), GITWARD_BCRYPT_COST: '4' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  t.teardown(() => {
    if (cli.exitCode === null) cli.kill()
  })
  let out = ''
  let err = ''
  cli.stdout.on('data', (d: Buffer) => (out += d.toString()))
  cli.stderr.on('data', (d: Buffer) => (err += d.toString()))
  const done = exited(cli)

  // Meanwhile the server keeps answering reads (bounded loop).
  let reads = 0
  let released = false
  for (let i = 0; i < 500 && cli.exitCode === null; i++) {
    t.equal((await server.findProject('acme/app'))?.path, 'acme/app')
    reads++
    if (i === 10 && !released) {
      locker.exec('COMMIT')
      released = true
    }
    await new Promise(r => setTimeout(r, 20))
  }
  if (!released) locker.exec('COMMIT')
  t.equal(await done, 0, err)
  t.ok(reads > 0)
  const minted = JSON.parse(out) as { id: string; token: string }
  const seen = await server.findToken(minted.id)
  t.equal(seen?.name, 'deploy', 'the server connection sees the CLI\'s token')
  t.equal(seen?.revokedAt, null)
})

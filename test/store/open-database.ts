import t, { type Test } from 'tap'
import fs from 'node:fs'
import path from 'node:path'
import { randomBytes } from 'node:crypto'
import Database from 'better-sqlite3'
import { openDatabase } from '../../src/store/open-database.js'
import { LATEST_SCHEMA_VERSION, MIGRATIONS, type Migration } from '../../src/store/migrations.js'
import { checkMigrationList } from '../../src/store/sqlite-migrate.js'
import { GitwardError } from '../../src/errors.js'

const open = (file: string, migrations?: readonly Migration[]) =>
  openDatabase({ file, busyTimeoutMs: 1000, ...(migrations === undefined ? {} : { migrations }) })

/** The error `fn` throws, asserting it is a one-sentence GitwardError. */
function refusal(t: Test, fn: () => unknown): GitwardError {
  try {
    fn()
  } catch (e) {
    t.type(e, GitwardError)
    const err = e as GitwardError
    t.notMatch(err.message, /\n/, 'one line')
    t.notMatch(err.message, /\bat .*:\d+:\d+/, 'no stack frames')
    return err
  }
  t.fail('expected a refusal')
  return new GitwardError('INVALID_ARGUMENT', 'not thrown')
}

t.test('creates the directory 0700 and the file 0600, WAL, foreign keys', async t => {
  const dir = t.testdir()
  const file = path.join(dir, 'deep', 'er', 'gitward.db')
  const db = open(file)
  t.teardown(() => db.close())
  t.equal(fs.statSync(path.dirname(file)).mode & 0o777, 0o700)
  t.equal(fs.statSync(file).mode & 0o777, 0o600)
  t.equal(db.pragma('journal_mode', { simple: true }), 'wal')
  t.equal(db.pragma('foreign_keys', { simple: true }), 1)
  t.equal(db.pragma('synchronous', { simple: true }), 1, 'NORMAL')
  t.equal(db.pragma('busy_timeout', { simple: true }), 1000)
  t.equal(db.pragma('user_version', { simple: true }), LATEST_SCHEMA_VERSION)
  // The WAL side files get the database file's mode, not the umask's.
  db.prepare("INSERT INTO projects (path, visibility, created_at) VALUES ('a', 'private', 'x')").run()
  t.equal(fs.statSync(file + '-wal').mode & 0o777, 0o600)
})

t.test('an existing directory keeps its mode; an existing file is used as is', async t => {
  const dir = t.testdir()
  const file = path.join(dir, 'g.db')
  open(file).close()
  const again = open(file)
  t.equal(again.prepare('SELECT count(*) FROM projects').pluck().get(), 0)
  again.close()
})

t.test('migrations applied twice leave one schema', async t => {
  const file = path.join(t.testdir(), 'g.db')
  open(file).close()
  const db = open(file)
  t.teardown(() => db.close())
  const tables = db
    .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
    .pluck()
    .all()
  t.same(tables, ['audit', 'group_settings', 'projects', 'protected_refs', 'token_addresses', 'tokens'])
  const indexes = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND name LIKE 'tokens_%' ORDER BY name").pluck().all()
  t.same(indexes, ['tokens_group_path', 'tokens_number', 'tokens_project_id'])
})

t.test('all pending migrations run in one transaction; a failure leaves the old schema', async t => {
  const file = path.join(t.testdir(), 'g.db')
  open(file).close()
  const broken: Migration[] = [
    ...MIGRATIONS,
    { version: LATEST_SCHEMA_VERSION + 1, name: 'good part', sql: 'CREATE TABLE extra (x INTEGER) STRICT;' },
    { version: LATEST_SCHEMA_VERSION + 2, name: 'bad part', sql: 'CREATE TABLE extra (y INTEGER);' },
  ]
  const err = refusal(t, () => open(file, broken))
  t.equal(err.code, 'DB_UNAVAILABLE')
  t.match(err.message, new RegExp(`could not be upgraded to schema ${LATEST_SCHEMA_VERSION + 2}`))
  const raw = new Database(file)
  t.teardown(() => raw.close())
  t.equal(raw.pragma('user_version', { simple: true }), LATEST_SCHEMA_VERSION, 'version unchanged')
  t.equal(raw.prepare("SELECT count(*) FROM sqlite_schema WHERE name = 'extra'").pluck().get(), 0, 'the good part rolled back')
})

t.test('a database from a newer gitward is refused with one sentence', async t => {
  const file = path.join(t.testdir(), 'g.db')
  open(file).close()
  const raw = new Database(file)
  raw.pragma('user_version = 7')
  raw.close()
  const err = refusal(t, () => open(file))
  t.equal(err.code, 'DB_UNAVAILABLE')
  t.equal(
    err.message,
    `the database at ${file} was created by a newer gitward (schema 7, this one knows ${LATEST_SCHEMA_VERSION}); upgrade gitward or point --db at another file.`,
  )
})

t.test('a corrupt file (random bytes) is refused and left untouched', async t => {
  const file = path.join(t.testdir(), 'g.db')
  const junk = randomBytes(8192)
  fs.writeFileSync(file, junk)
  const err = refusal(t, () => open(file))
  t.equal(err.code, 'DB_UNAVAILABLE')
  t.match(err.message, /not a usable gitward database/)
  t.same(fs.readFileSync(file), junk)
  t.notOk(fs.existsSync(file + '-wal'))
})

t.test('another program\'s SQLite database is refused', async t => {
  const file = path.join(t.testdir(), 'g.db')
  const raw = new Database(file)
  raw.exec('CREATE TABLE projects (name TEXT)')
  raw.close()
  const err = refusal(t, () => open(file))
  t.equal(err.code, 'DB_UNAVAILABLE')
  t.match(err.message, /another program's database/)
})

t.test('a directory where the file should be is refused', async t => {
  const dir = t.testdir({ 'g.db': {} })
  const err = refusal(t, () => open(path.join(dir, 'g.db')))
  t.equal(err.code, 'DB_UNAVAILABLE')
  t.match(err.message, /not a regular file/)
})

t.test('a file where the directory should be is refused', async t => {
  const dir = t.testdir({ data: 'not a directory' })
  const err = refusal(t, () => open(path.join(dir, 'data', 'g.db')))
  t.equal(err.code, 'DB_UNAVAILABLE')
  t.match(err.message, /cannot create the directory/)
})

t.test('an unreadable file is refused', { skip: process.getuid?.() === 0 ? 'root reads any file' : false }, async t => {
  const file = path.join(t.testdir(), 'g.db')
  open(file).close()
  fs.chmodSync(file, 0o000)
  t.teardown(() => fs.chmodSync(file, 0o600))
  const err = refusal(t, () => open(file))
  t.equal(err.code, 'DB_UNAVAILABLE')
  t.match(err.message, /cannot be read and written/)
})

t.test('the migration list has no gaps', async t => {
  t.doesNotThrow(() => checkMigrationList(MIGRATIONS))
  t.throws(() => checkMigrationList([{ version: 2, name: 'x', sql: '' }]))
})

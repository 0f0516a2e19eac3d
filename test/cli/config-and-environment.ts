// Where the CLI finds its database and repositories, what it does when they
// are unusable (exit 3), and --help, through the real bin/gitward.
import t from 'tap'
import fs from 'node:fs'
import path from 'node:path'
import { randomBytes } from 'node:crypto'
import { assertOneSentence, gitward, gitwardAll } from '../helpers/cli/bin.js'

t.test('--db/--repos go before or after the subcommand; env and config file work too', async t => {
  const dir = t.testdir({
    home: {},
    'gitward.toml': 'db = "from-file.db"\nrepos = "file-repos"\ndefault_branch = "develop"\n',
  })
  const raw = { raw: true }
  // Each place the database may be named, first created by gitward init from that place.
  t.equal((await gitward(dir, ['init', '--db', path.join(dir, 'after.db'), '--repos', path.join(dir, 'r')], raw)).code, 0)
  t.equal((await gitward(dir, ['init'], { raw: true, env: { GITWARD_DB: 'env.db', GITWARD_REPOS: 'env-repos' } })).code, 0)
  t.equal((await gitward(dir, ['--config', 'gitward.toml', 'init'], raw)).code, 0)
  t.equal((await gitward(dir, ['--config', 'gitward.toml', '--db', 'flag.db', 'init'], { raw: true, env: { GITWARD_DB: 'env.db' } })).code, 0)
  t.equal((await gitward(dir, ['init'], raw)).code, 0)
  const after = await gitward(dir, ['repo', 'create', 'a/one', '--db', path.join(dir, 'after.db'), '--repos', path.join(dir, 'r')], raw)
  t.equal(after.code, 0, after.stderr)
  t.ok(fs.existsSync(path.join(dir, 'after.db')))
  const env = await gitward(dir, ['repo', 'create', 'a/two'], { raw: true, env: { GITWARD_DB: 'env.db', GITWARD_REPOS: 'env-repos' } })
  t.equal(env.code, 0, env.stderr)
  t.ok(fs.existsSync(path.join(dir, 'env.db')), 'relative to the working directory')
  t.ok(fs.existsSync(path.join(dir, 'env-repos', 'a', 'two.git')))
  const file = await gitward(dir, ['--config', 'gitward.toml', 'repo', 'create', 'a/three'], raw)
  t.equal(file.code, 0, file.stderr)
  t.ok(fs.existsSync(path.join(dir, 'from-file.db')))
  t.equal(fs.readFileSync(path.join(dir, 'file-repos', 'a', 'three.git', 'HEAD'), 'utf8'), 'ref: refs/heads/develop\n')
  // Flags beat the environment, which beats the file.
  const both = await gitward(dir, ['--config', 'gitward.toml', '--db', 'flag.db', 'repo', 'list', '--json'], { raw: true, env: { GITWARD_DB: 'env.db' } })
  t.equal(both.stdout, '[]\n')
  t.ok(fs.existsSync(path.join(dir, 'flag.db')))
  const defaults = await gitward(dir, ['repo', 'create', 'a/four'], raw)
  t.equal(defaults.code, 0, defaults.stderr)
  t.ok(fs.existsSync(path.join(dir, 'data', 'gitward.db')), 'default database under ./data')
  t.ok(fs.existsSync(path.join(dir, 'data', 'repositories', 'a', 'four.git')), 'default repositories under ./data')
  const bad = await gitward(dir, ['repo', 'list'], { raw: true, env: { GITWARD_BCRYPT_COST: 'lots' } })
  assertOneSentence(t, bad, 1, /bcrypt_cost \(from GITWARD_BCRYPT_COST\) must be a whole number/, 'bad config')
})

t.test('environment problems exit 3 with one sentence', async t => {
  const dir = t.testdir({ home: {}, 'a-directory.db': {}, 'corrupt.db': randomBytes(4096).toString('latin1') })
  const newer = path.join(dir, 'newer.db')
  t.equal((await gitward(dir, ['--db', newer, 'init'], { raw: true })).code, 0)
  const { default: Database } = await import('better-sqlite3')
  const db = new Database(newer)
  db.pragma('user_version = 7')
  db.close()
  const cases: Array<[string, string, RegExp]> = [
    ['directory', 'a-directory.db', /is not a regular file/],
    ['corrupt', 'corrupt.db', /is not a usable gitward database/],
    ['newer schema', 'newer.db', /was created by a newer gitward \(schema 7, this one knows \d+\); upgrade gitward or point --db at another file\./],
  ]
  const results = await gitwardAll(dir, cases.map(([, file]) => ['--db', path.join(dir, file), 'token', 'list']))
  cases.forEach(([label, , pattern], i) => assertOneSentence(t, results[i]!, 3, pattern, label))
})

t.test('every command has --help with an example', async t => {
  const dir = t.testdir({ home: {} })
  const commands = [
    [], ['init'], ['repo', 'create'], ['repo', 'list'], ['token', 'create'], ['token', 'list'], ['token', 'show'],
    ['token', 'revoke'], ['token', 'rotate'], ['group', 'set'], ['audit'],
  ]
  const results = await gitwardAll(dir, commands.map(c => [...c, '--help']), 4)
  commands.forEach((c, i) => {
    const r = results[i]!
    t.equal(r.code, 0, c.join(' '))
    t.match(r.stdout, /Examples?:\n\s+\$ .*gitward /, `${c.join(' ')}: example`)
    t.equal(r.stderr, '')
  })
  t.notOk(fs.existsSync(path.join(dir, 'gitward.db')), 'help opens no database')
  const version = await gitward(dir, ['--version'], { raw: true })
  t.match(version.stdout, /^\d+\.\d+\.\d+\n$/)
})

// Where the database and repositories go, as the real executable sees it:
// a place the file system will not create directories in (/proc) is one
// clear refusal instead of a command that never returns, and an empty
// database file someone made with `touch` is given a new database's mode.
import t from 'tap'
import fs from 'node:fs'
import path from 'node:path'
import { gitward, gitwardProcess } from '../helpers/cli/bin.js'

// Node's own recursive mkdir loops forever under /proc; run as a process,
// the helper's 60 s timeout turns a hang into a failure, not a stuck suite.
const proc = '/proc/gitward-test-no-such-dir'

t.test('--db and --repos under /proc fail at once with the path and the reason', { skip: !fs.existsSync('/proc/self') && 'no /proc here' }, async t => {
  const dir = t.testdir()
  const cases: Array<[string[], RegExp]> = [
    [['--db', `${proc}/data/gitward.db`, 'init'], /^gitward: cannot create the directory \/proc\/gitward-test-no-such-dir(\/data)? for the database \(ENOENT\); create it or point --db elsewhere\.\n$/],
    [['--db', `${proc}/data/gitward.db`, 'serve', '--init', '--listen', '127.0.0.1:0'], /^gitward: cannot create the directory .* for the database \(ENOENT\)/],
    [['--db', path.join(dir, 'gitward.db'), '--repos', `${proc}/repos`, 'serve', '--init', '--listen', '127.0.0.1:0'], /cannot create the repositories root \/proc\/gitward-test-no-such-dir\/repos \(ENOENT\); create it or point --repos elsewhere\./],
    [['--db', path.join(dir, 'gitward.db'), '--repos', `${proc}/repos`, 'init'], /cannot create the repositories root \/proc\/gitward-test-no-such-dir\/repos \(ENOENT\)/],
  ]
  for (const [args, message] of cases) {
    const r = await gitwardProcess(dir, args, { raw: true })
    t.equal(r.code, 3, args.join(' '))
    t.match(r.stderr, message, args.join(' '))
  }
})

t.test('an empty database file made beforehand is brought to 0600 like a new one', async t => {
  const dir = t.testdir()
  const db = path.join(dir, 'gitward.db')
  fs.writeFileSync(db, '', { mode: 0o644 })
  fs.chmodSync(db, 0o644)
  const r = await gitward(dir, ['repo', 'list'])
  t.equal(r.code, 0, r.stderr)
  t.equal(fs.statSync(db).mode & 0o777, 0o600)
})

t.test('a database with content keeps the mode its administrator gave it', async t => {
  const dir = t.testdir()
  const db = path.join(dir, 'gitward.db')
  t.equal((await gitward(dir, ['init'])).code, 0)
  fs.chmodSync(db, 0o640)
  t.equal((await gitward(dir, ['repo', 'list'])).code, 0)
  t.equal(fs.statSync(db).mode & 0o777, 0o640)
})

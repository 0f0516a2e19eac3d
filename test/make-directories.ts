import t from 'tap'
import fs from 'node:fs'
import path from 'node:path'
import { makeDirectories } from '../src/make-directories.js'

t.test('makes every missing directory with the mode; leaves existing ones alone', async t => {
  const dir = t.testdir({ kept: {} })
  fs.chmodSync(path.join(dir, 'kept'), 0o755)
  makeDirectories(path.join(dir, 'kept', 'a', 'b'), 0o700)
  t.equal(fs.statSync(path.join(dir, 'kept')).mode & 0o777, 0o755)
  t.equal(fs.statSync(path.join(dir, 'kept', 'a')).mode & 0o777, 0o700)
  t.equal(fs.statSync(path.join(dir, 'kept', 'a', 'b')).mode & 0o777, 0o700)
  t.doesNotThrow(() => makeDirectories(path.join(dir, 'kept', 'a', 'b'), 0o700), 'existing: nothing to do')
})

t.test('a file in the way is refused with its code', async t => {
  const dir = t.testdir({ file: 'x' })
  t.throws(() => makeDirectories(path.join(dir, 'file', 'a'), 0o700), { code: 'ENOTDIR' })
})

t.test('under /proc the first refusal is thrown instead of looping', { skip: !fs.existsSync('/proc/self') && 'no /proc here' }, async t => {
  t.throws(() => makeDirectories('/proc/gitward-test-no-such-dir/a/b', 0o700), { code: 'ENOENT' })
})

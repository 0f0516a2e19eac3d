import t from 'tap'
import { StderrTail } from '../../src/backend/stderr-tail.js'

t.test('keeps the first bytes and counts the rest', async t => {
  const tail = new StderrTail(10)
  t.same(tail.fields(), {}, 'nothing to log for a silent git')
  tail.add(Buffer.from('fatal: '))
  tail.add(Buffer.from('abcdefgh'))
  tail.add(Buffer.from('more\n'))
  t.equal(tail.text(), 'fatal: abc')
  t.equal(tail.dropped(), 10)
  t.same(tail.fields(), { stderr: 'fatal: abc', stderrDropped: 10 })
})

t.test('trailing whitespace is trimmed', async t => {
  const tail = new StderrTail(100)
  tail.add(Buffer.from('error: x\n\n'))
  t.same(tail.fields(), { stderr: 'error: x', stderrDropped: 0 })
})

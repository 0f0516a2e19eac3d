// Log lines written in one turn of the event loop leave in one write, in
// order, each line whole; a full batch leaves at once; flush() empties it.
import t from 'tap'
import { createLineBatcher } from '../../src/log/line-batcher.js'

const turn = (): Promise<void> => new Promise(resolve => setImmediate(resolve))

t.test('lines of one turn go out together, on the next turn, in order', async t => {
  const writes: string[] = []
  const lines = createLineBatcher(s => writes.push(s))
  lines.write('a\n')
  lines.write('b\n')
  t.same(writes, [], 'nothing is written synchronously')
  await turn()
  t.same(writes, ['a\nb\n'])
  lines.write('c\n')
  await turn()
  t.same(writes, ['a\nb\n', 'c\n'])
})

t.test('a batch that reaches its size goes out at once', async t => {
  const writes: string[] = []
  const lines = createLineBatcher(s => writes.push(s), 10)
  lines.write('12345\n')
  lines.write('67890\n')
  t.same(writes, ['12345\n67890\n'])
  await turn()
  t.same(writes, ['12345\n67890\n'], 'nothing is written twice')
})

t.test('flush writes what is pending now, and nothing when empty', async t => {
  const writes: string[] = []
  const lines = createLineBatcher(s => writes.push(s))
  lines.flush()
  t.same(writes, [])
  lines.write('last\n')
  lines.flush()
  t.same(writes, ['last\n'])
  await turn()
  t.same(writes, ['last\n'])
})

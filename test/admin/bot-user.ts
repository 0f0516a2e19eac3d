// user_id in the API: the first token of a rotation chain, kept through rotations.
import t from 'tap'
import { botUserNumbers } from '../../src/admin/bot-user.js'

const link = (id: string, number: number, rotatedFrom: string | null = null) => ({ id, number, rotatedFrom })

t.test('every token of a chain reports the number of its first token', async t => {
  const a = link('a', 1)
  const b = link('b', 4, 'a')
  const c = link('c', 9, 'b')
  const other = link('x', 2)
  t.same([...botUserNumbers([c, b, a, other], [a, b, c, other])], [['c', 1], ['b', 1], ['a', 1], ['x', 2]])
})

t.test('a missing link ends the walk; a cycle written outside gitward does not loop', async t => {
  t.same([...botUserNumbers([link('c', 9, 'gone')], [])], [['c', 9]])
  const p = link('p', 5, 'q')
  const q = link('q', 6, 'p')
  t.same(botUserNumbers([p], [p, q]).get('p'), 6)
})

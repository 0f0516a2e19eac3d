import t from 'tap'
import { assertNever } from '../src/assert-never.js'

t.test('a value that escaped the type system is named in the error', async t => {
  t.throws(() => assertNever('sideways' as never, 'access'), { message: 'unhandled access: "sideways"' })
  t.throws(() => assertNever({ kind: 'x' } as never, 'token target'), { message: 'unhandled token target: {"kind":"x"}' })
  const loop: Record<string, unknown> = {}
  loop.self = loop
  t.throws(() => assertNever(loop as never, 'thing'), { message: 'unhandled thing: [object Object]' })
})

import t from 'tap'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { assertNever } from '../src/assert-never.js'

t.test('a value that escaped the type system is named in the error', async t => {
  t.throws(() => assertNever('sideways' as never, 'access'), { message: 'unhandled access: "sideways"' })
  t.throws(() => assertNever({ kind: 'x' } as never, 'token target'), { message: 'unhandled token target: {"kind":"x"}' })
  const loop: Record<string, unknown> = {}
  loop.self = loop
  t.throws(() => assertNever(loop as never, 'thing'), { message: 'unhandled thing: [object Object]' })
})

t.test('every exhaustive switch in src/ ends in assertNever, not a hand-written never block', async t => {
  const root = new URL('../src/', import.meta.url).pathname
  const offenders: string[] = []
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name)
      if (entry.isDirectory()) walk(full)
      else if (entry.name.endsWith('.ts') && /const \w+: never = /.test(readFileSync(full, 'utf8'))) offenders.push(full.slice(root.length))
    }
  }
  walk(root)
  t.same(offenders, [], 'use assertNever(value, what) from src/assert-never.ts')
})

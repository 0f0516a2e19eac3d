import t from 'tap'
import { WorkLimiter } from '../../src/auth/work-limiter.js'

t.test('runs at most `concurrency` at once, in order', async t => {
  const l = new WorkLimiter({ concurrency: 2, maxQueue: 10, queueTimeoutMs: 10_000, what: 'jobs' })
  const r1 = await l.acquire()
  const r2 = await l.acquire()
  t.equal(l.running, 2)
  const order: number[] = []
  const p3 = l.acquire().then(r => (order.push(3), r))
  const p4 = l.acquire().then(r => (order.push(4), r))
  t.equal(l.waiting, 2)
  r1()
  r1() // releasing twice is harmless
  const r3 = await p3
  t.equal(l.running, 2)
  r2()
  const r4 = await p4
  t.same(order, [3, 4])
  r3()
  r4()
  t.equal(l.running, 0)
})

t.test('a full queue and a long wait are refused with OVERLOADED', async t => {
  const l = new WorkLimiter({ concurrency: 1, maxQueue: 1, queueTimeoutMs: 20, what: 'token checks' })
  const r = await l.acquire()
  const waiting = l.acquire()
  await t.rejects(l.acquire(), { code: 'OVERLOADED', message: /Too many token checks/ })
  await t.rejects(waiting, { code: 'OVERLOADED' })
  t.equal(l.waiting, 0)
  r()
  t.equal(l.running, 0)
  const again = await l.acquire()
  again()
})

t.test('run() releases on failure', async t => {
  const l = new WorkLimiter({ concurrency: 1, maxQueue: 0, queueTimeoutMs: 10, what: 'x' })
  await t.rejects(l.run(async () => { throw new Error('boom') }), { message: 'boom' })
  t.equal(l.running, 0)
  t.equal(await l.run(async () => 7), 7)
})

import t from 'tap'
import { createConcurrencyLimiter, type Schedule } from '../../src/limits/concurrency-limiter.js'

/** A schedule driven by the test: timers fire only when `fire` is called. */
function manualSchedule(): { schedule: Schedule; fire(): void; pending(): number } {
  const timers = new Set<() => void>()
  return {
    schedule: fn => {
      timers.add(fn)
      return () => timers.delete(fn)
    },
    fire: () => {
      const due = [...timers]
      timers.clear()
      for (const fn of due) fn()
    },
    pending: () => timers.size,
  }
}

const settled = async <T>(p: Promise<T>): Promise<'pending' | 'resolved' | 'rejected'> => {
  let state: 'pending' | 'resolved' | 'rejected' = 'pending'
  p.then(
    () => (state = 'resolved'),
    () => (state = 'rejected'),
  )
  for (let i = 0; i < 5; i++) await Promise.resolve()
  return state
}

t.test('grants up to the limit at once, then queues in order', async t => {
  const clock = manualSchedule()
  const limiter = createConcurrencyLimiter({ maxConcurrent: 2, queueTimeoutMs: 1000, schedule: clock.schedule })
  const r1 = await limiter.acquire()
  const r2 = await limiter.acquire()
  t.equal(limiter.active(), 2)
  const order: number[] = []
  const w3 = limiter.acquire().then(r => (order.push(3), r))
  const w4 = limiter.acquire().then(r => (order.push(4), r))
  t.equal(limiter.queued(), 2)
  t.equal(await settled(w3), 'pending')
  r1()
  const r3 = await w3
  t.equal(limiter.active(), 2, 'the slot passed straight to the first waiter')
  t.equal(await settled(w4), 'pending')
  r2()
  const r4 = await w4
  t.same(order, [3, 4])
  t.equal(clock.pending(), 0, 'granted waiters cancel their timers')
  r3()
  r4()
  t.equal(limiter.active(), 0)
})

t.test('release is idempotent: a double release never frees two slots', async t => {
  const limiter = createConcurrencyLimiter({ maxConcurrent: 1, queueTimeoutMs: 1000, schedule: manualSchedule().schedule })
  const r1 = await limiter.acquire()
  r1()
  r1()
  t.equal(limiter.active(), 0)
  const r2 = await limiter.acquire()
  r1()
  t.equal(limiter.active(), 1, 'a stale release does not take the new holder slot')
  const w = limiter.acquire()
  t.equal(await settled(w), 'pending')
  r2()
  ;(await w)()
  t.equal(limiter.active(), 0)
})

t.test('a waiter whose time runs out is refused with OVERLOADED', async t => {
  const clock = manualSchedule()
  const limiter = createConcurrencyLimiter({ maxConcurrent: 1, queueTimeoutMs: 50, schedule: clock.schedule })
  const r1 = await limiter.acquire()
  const w = limiter.acquire()
  clock.fire()
  await t.rejects(w, { code: 'OVERLOADED', status: 503 })
  t.equal(limiter.queued(), 0)
  r1()
  t.equal(limiter.active(), 0, 'a timed-out waiter holds nothing')
})

t.test('a full queue refuses at once', async t => {
  const clock = manualSchedule()
  const limiter = createConcurrencyLimiter({ maxConcurrent: 1, maxQueue: 1, queueTimeoutMs: 1000, schedule: clock.schedule })
  const r1 = await limiter.acquire()
  const w2 = limiter.acquire()
  await t.rejects(limiter.acquire(), { code: 'OVERLOADED' })
  r1()
  ;(await w2)()
  const none = createConcurrencyLimiter({ maxConcurrent: 1, maxQueue: 0, queueTimeoutMs: 1000, schedule: clock.schedule })
  const held = await none.acquire()
  await t.rejects(none.acquire(), { code: 'OVERLOADED' })
  held()
})

t.test('an aborted waiter leaves the queue and gets nothing', async t => {
  const clock = manualSchedule()
  const limiter = createConcurrencyLimiter({ maxConcurrent: 1, queueTimeoutMs: 1000, schedule: clock.schedule })
  const r1 = await limiter.acquire()
  const ac = new AbortController()
  const w = limiter.acquire(ac.signal)
  const next = limiter.acquire()
  ac.abort(new Error('client gone'))
  await t.rejects(w, { message: 'client gone' })
  t.equal(limiter.queued(), 1)
  r1()
  ;(await next)()
  t.equal(limiter.active(), 0)
  const pre = new AbortController()
  pre.abort(new Error('already'))
  await t.rejects(limiter.acquire(pre.signal), { message: 'already' })
  t.equal(limiter.active(), 0)
})

t.test('the real timer refuses a waiter (tiny timeout)', async t => {
  const limiter = createConcurrencyLimiter({ maxConcurrent: 1, queueTimeoutMs: 5 })
  const r1 = await limiter.acquire()
  await t.rejects(limiter.acquire(), { code: 'OVERLOADED' })
  r1()
})

t.test('bad limits are configuration errors', async t => {
  t.throws(() => createConcurrencyLimiter({ maxConcurrent: 0, queueTimeoutMs: 1 }), { code: 'INVALID_CONFIG' })
  t.throws(() => createConcurrencyLimiter({ maxConcurrent: 1.5, queueTimeoutMs: 1 }), { code: 'INVALID_CONFIG' })
  t.throws(() => createConcurrencyLimiter({ maxConcurrent: 1, maxQueue: -1, queueTimeoutMs: 1 }), { code: 'INVALID_CONFIG' })
  t.throws(() => createConcurrencyLimiter({ maxConcurrent: 1, queueTimeoutMs: -1 }), { code: 'INVALID_CONFIG' })
})

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
  t.equal(limiter.queued(), 0)
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

t.test('per-key shares: one key holds at most its share of the slots and of the queue', async t => {
  const clock = manualSchedule()
  const limiter = createConcurrencyLimiter({ maxConcurrent: 4, maxQueue: 10, maxConcurrentPerKey: 2, maxQueuePerKey: 1, queueTimeoutMs: 1000, schedule: clock.schedule })
  const a1 = await limiter.acquire(undefined, 'a')
  const a2 = await limiter.acquire(undefined, 'a')
  t.equal(limiter.activeFor('a'), 2)
  const a3 = limiter.acquire(undefined, 'a')
  t.equal(await settled(a3), 'pending', 'a third for the same key waits although slots are free')
  await t.rejects(limiter.acquire(undefined, 'a'), { code: 'OVERLOADED' }, 'and its queue share is one')
  const b1 = await limiter.acquire(undefined, 'b')
  const b2 = await limiter.acquire(undefined, 'b')
  t.equal(limiter.active(), 4)
  t.equal(limiter.queued(), 1)
  b1()
  t.equal(await settled(a3), 'pending', 'a freed slot does not go to a key already at its share')
  t.equal(limiter.active(), 3)
  a1()
  const a3r = await a3
  t.equal(limiter.activeFor('a'), 2, 'once the key is under its share, its waiter gets a slot')
  t.equal(limiter.queued(), 0)
  for (const r of [a2, a3r, b2]) r()
  t.equal(limiter.active(), 0)
  t.equal(limiter.activeFor('a'), 0)
})

t.test('freed slots go to waiting keys in turn, not to the longest queue first', async t => {
  const clock = manualSchedule()
  const limiter = createConcurrencyLimiter({ maxConcurrent: 1, maxQueue: 20, queueTimeoutMs: 1000, schedule: clock.schedule })
  let holder = await limiter.acquire(undefined, 'flood')
  const order: string[] = []
  const waits: Array<Promise<void>> = []
  for (let i = 0; i < 5; i++) waits.push(limiter.acquire(undefined, 'flood').then(r => void (order.push('flood'), r())))
  waits.push(limiter.acquire(undefined, 'user').then(r => void (order.push('user'), r())))
  t.equal(limiter.queued(), 6)
  holder()
  await Promise.all(waits)
  t.same(order.slice(0, 2), ['flood', 'user'], 'the single request of another key is served second, not seventh')
  t.equal(limiter.active(), 0)
  t.equal(limiter.queued(), 0)
  holder = await limiter.acquire()
  holder()
})

t.test('a key\'s waiter that times out or aborts frees its queue share', async t => {
  const clock = manualSchedule()
  const limiter = createConcurrencyLimiter({ maxConcurrent: 1, maxQueuePerKey: 1, queueTimeoutMs: 1000, schedule: clock.schedule })
  const r = await limiter.acquire(undefined, 'a')
  const w = limiter.acquire(undefined, 'a')
  clock.fire()
  await t.rejects(w, { code: 'OVERLOADED' })
  const ac = new AbortController()
  const w2 = limiter.acquire(ac.signal, 'a')
  t.equal(limiter.queued(), 1, 'the share is free again')
  ac.abort(new Error('gone'))
  await t.rejects(w2, { message: 'gone' })
  t.equal(limiter.queued(), 0)
  r()
  t.equal(limiter.active(), 0)
})

t.test('bad per-key limits are configuration errors', async t => {
  t.throws(() => createConcurrencyLimiter({ maxConcurrent: 1, queueTimeoutMs: 1, maxConcurrentPerKey: 0 }), { code: 'INVALID_CONFIG' })
  t.throws(() => createConcurrencyLimiter({ maxConcurrent: 1, queueTimeoutMs: 1, maxQueuePerKey: -1 }), { code: 'INVALID_CONFIG' })
})

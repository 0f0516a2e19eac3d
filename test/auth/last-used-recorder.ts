import t from 'tap'
import { ManualClock } from '../../src/clock.js'
import { LastUsedRecorder } from '../../src/auth/last-used-recorder.js'
import { silentLogger } from '../../src/log/logger.js'

const make = (fail = false) => {
  const clock = new ManualClock(new Date('2026-01-01T00:00:00Z'))
  const writes: Array<Array<{ id: string; at: string }>> = []
  let failing = fail
  const store = {
    recordTokenUse: async (uses: ReadonlyArray<{ id: string; at: string }>) => {
      if (failing) throw new Error('database is locked')
      writes.push([...uses])
    },
  }
  const rec = new LastUsedRecorder({ store, clock, logger: silentLogger, flushEveryMs: 1000 })
  return { clock, writes, rec, heal: () => (failing = false) }
}

t.test('batches uses and writes each token at most once a minute', async t => {
  const { clock, writes, rec } = make()
  rec.note('a')
  rec.note('b')
  rec.note('a')
  t.equal(writes.length, 0, 'nothing written on the request path')
  await rec.flush()
  t.same(writes, [[{ id: 'a', at: '2026-01-01T00:00:00.000Z' }, { id: 'b', at: '2026-01-01T00:00:00.000Z' }]])
  clock.advance(30_000)
  rec.note('a')
  await rec.flush()
  t.equal(writes.length, 1, 'a was written less than a minute ago')
  clock.advance(30_000)
  rec.note('a')
  await rec.flush()
  t.same(writes[1], [{ id: 'a', at: '2026-01-01T00:01:00.000Z' }])
})

t.test('a failed write is kept for the next flush', async t => {
  const { writes, rec, heal } = make(true)
  rec.note('a')
  await rec.flush()
  t.equal(rec.pendingCount, 1)
  heal()
  await rec.stop()
  t.same(writes.map(w => w.map(u => u.id)), [['a']])
  t.equal(rec.pendingCount, 0)
})

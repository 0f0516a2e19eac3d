import t from 'tap'
import { ManualClock } from '../../src/clock.js'
import { LastUsedRecorder } from '../../src/auth/last-used-recorder.js'
import { silentLogger } from '../../src/log/logger.js'
import type { TokenUse } from '../../src/store/store.js'

const make = (fail = false) => {
  const clock = new ManualClock(new Date('2026-01-01T00:00:00Z'))
  const writes: TokenUse[][] = []
  let failing = fail
  const store = {
    recordTokenUse: async (uses: ReadonlyArray<TokenUse>) => {
      if (failing) throw new Error('database is locked')
      writes.push([...uses])
    },
  }
  const rec = new LastUsedRecorder({ store, clock, logger: silentLogger, flushEveryMs: 1000 })
  return { clock, writes, rec, heal: () => (failing = false) }
}

t.test('batches uses and writes each token and address at most once a minute', async t => {
  const { clock, writes, rec } = make()
  rec.note('a', '10.0.0.1')
  rec.note('b', '10.0.0.1')
  clock.advance(1000)
  rec.note('a', '10.0.0.1')
  t.equal(writes.length, 0, 'nothing written on the request path')
  await rec.flush()
  t.same(writes, [[
    { id: 'a', at: '2026-01-01T00:00:01.000Z', address: '10.0.0.1' },
    { id: 'b', at: '2026-01-01T00:00:00.000Z', address: '10.0.0.1' },
  ]], 'one entry per token and address, the newest time')
  clock.advance(30_000)
  rec.note('a', '10.0.0.1')
  await rec.flush()
  t.equal(writes.length, 1, 'a was written from that address less than a minute ago')
  rec.note('a', '2001:db8::7')
  await rec.flush()
  t.same(writes[1], [{ id: 'a', at: '2026-01-01T00:00:31.000Z', address: '2001:db8::7' }], 'a new address is written at the next flush')
  clock.advance(30_000)
  rec.note('a', '10.0.0.1')
  await rec.flush()
  t.same(writes[2], [{ id: 'a', at: '2026-01-01T00:01:01.000Z', address: '10.0.0.1' }])
})

t.test('a failed write is kept for the next flush', async t => {
  const { writes, rec, heal } = make(true)
  rec.note('a', '10.0.0.1')
  await rec.flush()
  t.equal(rec.pendingCount, 1)
  heal()
  await rec.stop()
  t.same(writes.map(w => w.map(u => [u.id, u.address])), [[['a', '10.0.0.1']]])
  t.equal(rec.pendingCount, 0)
})

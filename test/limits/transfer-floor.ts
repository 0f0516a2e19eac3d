// The minimum transfer rate, driven tick by tick: only time spent waiting on
// the client counts, and a window of waiting must move enough bytes.
import t from 'tap'
import { RateFloor, createTransferWatch, type DirectionSample, type Direction, type Ticker, type TooSlow } from '../../src/limits/transfer-floor.js'

const w = (bytes: number): DirectionSample => ({ bytes, waitingOnClient: true })
const busy = (bytes: number): DirectionSample => ({ bytes, waitingOnClient: false })
const oks = (n: number): Array<'ok' | 'too-slow'> => Array.from({ length: n }, () => 'ok' as const)

t.test('RateFloor: a window of waiting (4 ticks) must move 100 bytes', async t => {
  const cases: Array<[string, DirectionSample[], Array<'ok' | 'too-slow'>]> = [
    ['a client that takes nothing is cut after one window', [w(0), w(0), w(0), w(0), w(0)], ['ok', 'ok', 'ok', 'ok', 'too-slow']],
    ['a client just fast enough passes window after window', [w(0), w(25), w(50), w(75), w(100), w(125), w(150), w(175), w(200)], oks(9)],
    ['a client slightly too slow is cut', [w(0), w(20), w(40), w(60), w(99)], ['ok', 'ok', 'ok', 'ok', 'too-slow']],
    ['the bytes before the wait began do not count', [busy(0), busy(5000), w(5000), w(5000), w(5000), w(5000), w(5010)], ['ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'too-slow']],
    ['git busy in between: the window starts again', [w(0), w(0), w(0), busy(0), w(0), w(0), w(0), w(0)], oks(8)],
    ['a fast burst carries its window only', [w(0), w(1000), w(1000), w(1000), w(1000), w(1000), w(1000), w(1000), w(1000)], ['ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'too-slow']],
    ['never waiting, never cut', Array.from({ length: 20 }, () => busy(0)), oks(20)],
  ]
  for (const [name, samples, expected] of cases) {
    const floor = new RateFloor(4, 100)
    t.same(samples.map(s => floor.step(s)), expected, name)
  }
})

/** A ticker the test advances by hand. */
function manualTicker(): { every: Ticker; tick(n?: number): void; running(): boolean } {
  let fn: (() => void) | null = null
  return {
    every: f => {
      fn = f
      return () => {
        fn = null
      }
    },
    tick(n = 1) {
      for (let i = 0; i < n; i++) fn?.()
    },
    running: () => fn !== null,
  }
}

t.test('the watch: one timer while something is watched, cut once, then forgotten', async t => {
  const ticker = manualTicker()
  const watch = createTransferWatch({ minBytesPerS: 1000, windowMs: 4000, ticksPerWindow: 4, every: ticker.every })
  t.notOk(ticker.running(), 'no timer while nothing is watched')
  const counters: Record<Direction, number> = { upload: 0, download: 0 }
  const stalled = { upload: false, download: true }
  const cuts: TooSlow[] = []
  watch.watch(
    () => ({
      upload: { bytes: counters.upload, waitingOnClient: stalled.upload },
      download: { bytes: counters.download, waitingOnClient: stalled.download },
    }),
    why => cuts.push(why),
  )
  const healthy = watch.watch(() => ({ upload: busy(0), download: busy(0) }), () => t.fail('never cut'))
  t.ok(ticker.running())
  // 4000 bytes per 4 s window are needed; the first window moves 4000.
  for (let i = 0; i < 4; i++) {
    ticker.tick()
    counters.download += 1000
  }
  ticker.tick()
  t.same(cuts, [], 'fast enough')
  ticker.tick(4)
  t.same(cuts, [{ direction: 'download', windowMs: 4000, minBytesPerS: 1000 }], 'a stalled window is cut')
  ticker.tick(10)
  t.equal(cuts.length, 1, 'once')
  t.equal(watch.size(), 1, 'the cut transfer is no longer watched')
  healthy()
  t.equal(watch.size(), 0)
  t.notOk(ticker.running(), 'the timer stops with the last transfer')
})

t.test('a request body that trickles is cut like a response that is not read', async t => {
  const ticker = manualTicker()
  const watch = createTransferWatch({ minBytesPerS: 1024, windowMs: 8000, every: ticker.every })
  let sent = 0
  const cuts: TooSlow[] = []
  watch.watch(() => ({ upload: { bytes: sent, waitingOnClient: true }, download: busy(0) }), why => cuts.push(why))
  for (let i = 0; i < 16; i++) {
    sent += 10 // ten bytes a second
    ticker.tick()
  }
  t.same(cuts.map(c => c.direction), ['upload'])
})

t.test('0 turns the floor off', async t => {
  const ticker = manualTicker()
  const watch = createTransferWatch({ minBytesPerS: 0, windowMs: 1000, every: ticker.every })
  watch.watch(() => ({ upload: w(0), download: w(0) }), () => t.fail('never cut'))
  t.notOk(ticker.running())
  t.equal(watch.size(), 0)
})

// The cached time formatter gives exactly Date.prototype.toISOString's text.
import t from 'tap'
import { createIsoTime } from '../../src/log/iso-time.js'

t.test('the same text as toISOString, across seconds, minutes, days and years', async t => {
  const iso = createIsoTime()
  const base = Date.UTC(2026, 11, 31, 23, 59, 58, 0)
  for (const ms of [0, 1, 9, 10, 99, 100, 999, 1000, 1001, 1999, 2000, 2001, 2999, 3000, 3456, 86_400_000]) {
    t.equal(iso(base + ms), new Date(base + ms).toISOString(), String(base + ms))
  }
  for (const ms of [0, 1, 999, 1000, 1_000_000_000_000, 1.5, 2.999]) t.equal(iso(ms), new Date(ms).toISOString(), String(ms))
  // back in time (a clock stepped back) is still right
  t.equal(iso(base), new Date(base).toISOString())
})

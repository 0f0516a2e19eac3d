import t from 'tap'
import { ManualClock } from '../../src/clock.js'
import { parseExpiryDate } from '../../src/admin/expiry-date.js'
import { calendarDateStart, isCalendarDate, isExpired, timestamp, utcDate } from '../../src/model/dates.js'

t.test('isExpired: valid while now < D 00:00 UTC', async t => {
  const d = '2026-06-16'
  const midnight = Date.parse('2026-06-16T00:00:00.000Z')
  t.equal(isExpired(d, midnight - 1), false, 'last millisecond before')
  t.equal(isExpired(d, midnight), true, 'at midnight')
  t.equal(isExpired(d, midnight + 1), true)
  t.equal(isExpired(null, Number.MAX_SAFE_INTEGER), false, 'null never expires')
})

t.test('a date accepted today is not expired until it arrives', async t => {
  const c = new ManualClock(new Date('2026-06-15T23:59:59.999Z'))
  const r = parseExpiryDate('2026-06-16', c.now())
  t.ok(r.ok)
  if (r.ok) {
    t.equal(isExpired(r.date, c.now()), false)
    c.advance(1)
    t.equal(isExpired(r.date, c.now()), true)
  }
})

t.test('calendar dates: exactly YYYY-MM-DD and a day that exists', async t => {
  const table: Array<[string, string | null]> = [
    ['2026-06-16', '2026-06-16T00:00:00.000Z'],
    ['2028-02-29', '2028-02-29T00:00:00.000Z'],
    ['1970-01-01', '1970-01-01T00:00:00.000Z'],
    ['0000-01-01', '0000-01-01T00:00:00.000Z'],
    ['0099-12-31', '0099-12-31T00:00:00.000Z'],
    ['2020-13-01', null],
    ['2026-02-30', null],
    ['2027-02-29', null],
    ['2026-00-10', null],
    ['2026-06-00', null],
    ['2026-6-16', null],
    ['2026-06-16T00:00:00Z', null],
    ['', null],
    ['２０２６-06-16', null],
  ]
  for (const [raw, start] of table) {
    const got = calendarDateStart(raw)
    t.equal(got === null ? null : new Date(got).toISOString(), start, raw)
    t.equal(isCalendarDate(raw), start !== null, raw)
  }
})

t.test('threat: a stored date that is not a calendar date is expired (fail closed)', async t => {
  // 0.1 compared now >= Date.parse('2020-13-01T00:00:00.000Z'), i.e. now >= NaN: never true.
  for (const bad of ['2020-13-01', '2099-02-30', '2099-99-99', 'never', '', '2099-01-01 ']) {
    t.equal(isExpired(bad, 0), true, JSON.stringify(bad))
  }
})

t.test('utcDate and timestamp', async t => {
  t.equal(utcDate(Date.parse('2026-06-15T23:59:59.999Z')), '2026-06-15')
  t.equal(timestamp(Date.parse('2026-06-15T23:59:59.999Z')), '2026-06-15T23:59:59.999Z')
})

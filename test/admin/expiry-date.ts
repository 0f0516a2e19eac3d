import t from 'tap'
import { ManualClock } from '../../src/clock.js'
import { expiryFromInput, parseExpiryDate } from '../../src/admin/expiry-date.js'
import { GitwardError } from '../../src/errors.js'

// 2026-06-15 late in the UTC day: "today" must be the UTC date, not local.
const clock = new ManualClock(new Date('2026-06-15T23:59:59.999Z'))

t.test('parse table', async t => {
  const table: Array<[string, string | RegExp]> = [
    ['2026-06-16', '2026-06-16'], // tomorrow
    ['2027-01-01', '2027-01-01'],
    ['2028-02-29', '2028-02-29'], // leap day
    ['2026-06-15', /not after today \(2026-06-15 UTC\)/], // today
    ['2026-06-14', /not after today/], // yesterday
    ['2000-01-01', /not after today/],
    ['2026-02-30', /not a calendar date/],
    ['2027-02-29', /not a calendar date/],
    ['2026-13-01', /not a calendar date/],
    ['2026-00-10', /not a calendar date/],
    ['2026-06-00', /not a calendar date/],
    ['2026-06-31', /not a calendar date/],
    ['2026-6-16', /YYYY-MM-DD/],
    ['16/06/2026', /YYYY-MM-DD/],
    ['2026-06-16T00:00:00Z', /YYYY-MM-DD/],
    [' 2026-06-16', /YYYY-MM-DD/],
    ['2026-06-16 ', /YYYY-MM-DD/],
    ['', /YYYY-MM-DD/],
    ['tomorrow', /YYYY-MM-DD/],
    ['２０２６-06-16', /YYYY-MM-DD/], // full-width digits
  ]
  for (const [input, want] of table) {
    const r = parseExpiryDate(input, clock.now())
    if (typeof want === 'string') t.same(r, { ok: true, date: want }, input)
    else {
      t.equal(r.ok, false, input)
      if (!r.ok) t.match(r.message, want, input)
    }
  }
})

t.test('today moves with the injected clock', async t => {
  const c = new ManualClock(new Date('2026-06-15T12:00:00Z'))
  t.equal(parseExpiryDate('2026-06-16', c.now()).ok, true)
  c.advance(24 * 3600 * 1000)
  t.equal(parseExpiryDate('2026-06-16', c.now()).ok, false)
})

t.test('expiryFromInput', async t => {
  t.equal(expiryFromInput(undefined, clock.now()), null)
  t.equal(expiryFromInput('2026-07-01', clock.now()), '2026-07-01')
  t.throws(() => expiryFromInput('2026-06-15', clock.now()), GitwardError)
  try {
    expiryFromInput('nope', clock.now())
  } catch (e) {
    t.equal((e as GitwardError).code, 'INVALID_ARGUMENT')
    t.match((e as GitwardError).message, /\.$/)
  }
})

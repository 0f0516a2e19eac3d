// The lifetime policy as a table: plain values in, a date and a notice out.
import t from 'tap'
import { chooseExpiry, daysFromToday, lifetimeDays, type LifetimeFallback } from '../../src/admin/token-lifetime.js'
import { parseDays } from '../../src/admin/duration.js'
import { GitwardError } from '../../src/errors.js'

const now = Date.parse('2026-06-15T23:30:00Z')
const old = (expiresAt: string | null, createdAt = '2026-01-01T08:00:00.000Z') => ({ id: 'k3j9x2m1q8ab', expiresAt, createdAt })

t.test('chooseExpiry', async t => {
  const rows: Array<[string, string | null, LifetimeFallback, number, string | null, RegExp | null]> = [
    ['asked, within', '2026-07-01', { kind: 'longest' }, 365, '2026-07-01', null],
    ['asked, exactly the limit', '2027-06-15', { kind: 'longest' }, 365, '2027-06-15', null],
    ['asked, no limit', '2199-01-01', { kind: 'longest' }, 0, '2199-01-01', null],
    ['longest', null, { kind: 'longest' }, 365, '2027-06-15', /2027-06-15, the latest max_token_lifetime_days \(365\) allows/],
    ['longest, no limit', null, { kind: 'longest' }, 0, null, null],
    ['a week (the API)', null, { kind: 'days', days: 7 }, 365, '2026-06-22', /7 days from today \(max_token_lifetime_days is 365\)/],
    ['a week, capped', null, { kind: 'days', days: 7 }, 3, '2026-06-18', /7 days, capped at 3 by max_token_lifetime_days/],
    ['a week, no limit', null, { kind: 'days', days: 7 }, 0, '2026-06-22', /max_token_lifetime_days is 0, no limit/],
    ['keep 90 days', null, { kind: 'keep', old: old('2026-04-01') }, 365, '2026-09-13', /lifetime of 90 days/],
    ['keep, capped', null, { kind: 'keep', old: old('2027-01-01') }, 30, '2026-07-15', /lifetime of 365 days, capped at 30/],
    ['keep never, limit', null, { kind: 'keep', old: old(null) }, 365, '2027-06-15', /never expired/],
    ['keep never, no limit', null, { kind: 'keep', old: old(null) }, 0, null, null],
    ['keep, same day: at least one', null, { kind: 'keep', old: old('2026-01-01') }, 365, '2026-06-16', /lifetime of 1 days/],
  ]
  for (const [label, requested, fallback, maxDays, expiresAt, notice] of rows) {
    const got = chooseExpiry({ requested, fallback, maxDays, nowMs: now })
    t.equal(got.expiresAt, expiresAt, label)
    if (notice === null) t.equal(got.notice, null, `${label}: no notice`)
    else t.match(got.notice, notice, `${label}: notice`)
  }
  t.throws(() => chooseExpiry({ requested: '2027-06-16', fallback: { kind: 'longest' }, maxDays: 365, nowMs: now }), new GitwardError('INVALID_ARGUMENT', 'the expiry 2027-06-16 is more than 365 days away, longer than max_token_lifetime_days allows; give 2027-06-15 or earlier.'))
  t.throws(() => chooseExpiry({ requested: null, fallback: { kind: 'keep', old: old('2026-13-01') }, maxDays: 365, nowMs: now }), /no readable lifetime to keep/)
})

t.test('lifetimeDays and daysFromToday count whole UTC days', async t => {
  t.equal(lifetimeDays(old('2026-04-01')), 90)
  t.equal(lifetimeDays(old(null)), null)
  t.equal(lifetimeDays(old('nope')), undefined)
  t.equal(daysFromToday(1, Date.parse('2026-12-31T23:59:59Z')), '2027-01-01')
  t.equal(daysFromToday(365, Date.parse('2028-01-01T00:00:00Z')), '2028-12-31', 'a leap year has 366 days')
})

t.test('parseDays', async t => {
  const rows: Array<[string, number | null]> = [['1d', 1], ['90d', 90], ['12w', 84], ['1y', 365], ['2y', 730], [' 7d ', 7], ['0d', null], ['07d', null], ['1.5y', null], ['90', null], ['-1d', null], ['1m', null], ['1D', null], ['100000d', null]]
  for (const [raw, days] of rows) t.equal(parseDays(raw), days, JSON.stringify(raw))
})

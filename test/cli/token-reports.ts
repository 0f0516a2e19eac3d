// Expiry and use reports through the CLI function with an injected clock:
// token list --expiring-within / --unused-since, the recent addresses in
// token show and list, and `gitward report tokens` with its exit codes
// around a token that expires tomorrow; every --json shape checked.
import t, { type Test } from 'tap'
import path from 'node:path'
import { ManualClock } from '../../src/clock.js'
import { openSqliteStore } from '../../src/store/sqlite-store.js'
import type { TokenUse } from '../../src/store/store.js'
import { assertOneSentence, clockedCli } from '../helpers/cli/bin.js'

const DAY = 86_400_000
const VIEW_KEYS = ['created_at', 'description', 'expires_at', 'id', 'last_used_at', 'name', 'project', 'recent_addresses', 'revoked_at', 'role', 'rotated_from', 'scopes', 'state']

interface View {
  id: string
  name: string
  expires_at: string | null
  last_used_at: string | null
  recent_addresses: Array<{ address: string; last_seen_at: string }>
}

async function setup(t: Test) {
  const dir = t.testdir({ home: {} })
  const clock = new ManualClock(new Date('2026-06-15T12:00:00Z'))
  const cli = clockedCli(dir, clock)
  t.equal((await cli(['init'])).code, 0)
  t.equal((await cli(['repo', 'create', 'acme/app'])).code, 0)
  const mint = async (name: string, extra: string[], env: Record<string, string> = {}) => {
    const r = await cli(['token', 'create', '--project', 'acme/app', '--name', name, '--scopes', 'read_repository', '--json', ...extra], env)
    t.equal(r.code, 0, r.stderr)
    return (JSON.parse(r.stdout) as View).id
  }
  /** Record uses as the server's last-used recorder does. */
  const use = async (uses: TokenUse[]) => {
    const store = await openSqliteStore({ file: path.join(dir, 'g.db'), clock, busyTimeoutMs: 2000 })
    try {
      await store.recordTokenUse(uses)
    } finally {
      await store.close()
    }
  }
  const json = async <T>(argv: string[]) => {
    const r = await cli([...argv, '--json'])
    t.equal(r.code === 0 || r.code === 1, true, r.stderr)
    return { code: r.code, value: JSON.parse(r.stdout) as T }
  }
  return { cli, clock, mint, use, json }
}

t.test('report tokens: exit 1 while a token expires within the window, 0 before and after', async t => {
  const { cli, clock, mint, json } = await setup(t)
  const none = await cli(['report', 'tokens'])
  t.same(none, { code: 0, stdout: 'No active token expires within 7 days (by 2026-06-22).\n', stderr: '' }, 'nothing to report')

  const tomorrow = await mint('ci-nightly', ['--expires-in', '1d', '--description', 'nightly build'])
  await mint('in-ten-days', ['--expires-in', '10d'])
  await mint('forever', [], { GITWARD_MAX_TOKEN_LIFETIME_DAYS: '0' })

  const r = await cli(['report', 'tokens'])
  t.equal(r.code, 1, 'a token expires tomorrow')
  t.equal(r.stderr, '', 'a finding is not an error')
  t.match(r.stdout, /^1 active token expires within 7 days \(by 2026-06-22\); replace it with gitward token rotate ID:\nID\s+NAME\s+TARGET\s+EXPIRES\s+LAST USED\s+DESCRIPTION\n/)
  t.match(r.stdout, new RegExp(`\\n${tomorrow}\\s+ci-nightly\\s+project acme/app\\s+2026-06-16\\s+never\\s+nightly build\\n`))
  t.notMatch(r.stdout, /in-ten-days/)
  t.match(r.stdout, /\nNote: 1 active token never expires: \w{12} \(forever\); give each an expiry with gitward token rotate ID\.\n$/)

  const { code, value } = await json<Record<string, unknown>>(['report', 'tokens', '--within', '10d'])
  t.equal(code, 1)
  t.same(Object.keys(value).sort(), ['expiring', 'never_expiring', 'until', 'within_days'])
  t.match(value, { within_days: 10, until: '2026-06-25' })
  const expiring = value['expiring'] as View[]
  t.same(expiring.map(v => [v.name, v.expires_at]), [['ci-nightly', '2026-06-16'], ['in-ten-days', '2026-06-25']], 'soonest first')
  t.same(Object.keys(expiring[0]!).sort(), VIEW_KEYS, 'the token list --json shape')
  t.same((value['never_expiring'] as View[]).map(v => v.name), ['forever'])
  t.equal((await cli(['report', 'tokens', '--within', '1d'])).code, 1, 'tomorrow is within one day')

  // 23:59:59 the day before: still working, still reported.
  clock.set(new Date('2026-06-15T23:59:59Z'))
  t.equal((await cli(['report', 'tokens', '--within', '1d'])).code, 1)
  // 00:00 UTC on its expiry date: it has stopped working; nothing left to warn about.
  clock.set(new Date('2026-06-16T00:00:00Z'))
  const after = await cli(['report', 'tokens', '--within', '1d'])
  t.equal(after.code, 0, 'an expired token is no longer active')
  t.match(after.stdout, /^No active token expires within 1 day \(by 2026-06-17\)\.\nNote: 1 active token never expires/)
  t.equal((await cli(['report', 'tokens', '--within', '9d'])).code, 1, 'in-ten-days (2026-06-25) is within 9 days of 2026-06-16')
  clock.set(new Date('2026-06-15T12:00:00Z'))

  assertOneSentence(t, await cli(['report', 'tokens', '--within', 'week']), 1, /^gitward: --within takes a whole number of days, weeks or years written like 90d, 12w or 1y/, 'bad window')
  const missing = await cli(['report'])
  t.equal(missing.code, 2)
  t.match(missing.stderr, /"gitward report" needs a command: tokens/)
})

t.test('token list --expiring-within and --unused-since; recent addresses in show and list', async t => {
  const { cli, clock, mint, use, json } = await setup(t)
  const soon = await mint('soon', ['--expires-in', '20d'])
  const later = await mint('later', ['--expires-in', '40d'])
  const idle = await mint('idle', [])
  clock.advance(100 * DAY)
  const busy = await mint('busy', ['--expires-in', '1y'])
  await use([
    { id: busy, at: new Date(clock.now() - 2 * DAY).toISOString(), address: '192.0.2.7' },
    { id: busy, at: new Date(clock.now() - DAY).toISOString(), address: '2001:db8::1' },
    { id: later, at: new Date(clock.now() - 95 * DAY).toISOString(), address: '10.1.1.1' },
  ])
  // 100 days on: soon and later have expired; idle was created 100 days ago
  // and never used; later was used 95 days ago (but has expired); busy is fresh.
  clock.set(new Date('2026-06-15T12:00:00Z'))
  const expiring = await json<View[]>(['token', 'list', '--expiring-within', '30d'])
  t.same(expiring.value.map(v => v.name), ['soon'], 'expiring within 30 days')
  t.same((await json<View[]>(['token', 'list', '--expiring-within', '6w'])).value.map(v => v.name).sort(), ['later', 'soon'])

  clock.advance(100 * DAY)
  const unused = await json<View[]>(['token', 'list', '--unused-since', '90d'])
  t.same(unused.value.map(v => v.name), ['idle'], 'never used and created 100 days ago; expired tokens are not listed')
  t.same(Object.keys(unused.value[0]!).sort(), VIEW_KEYS)
  t.same((await json<View[]>(['token', 'list', '--unused-since', '1d'])).value.map(v => v.name), ['idle', 'busy'], 'busy was last used a day ago')

  const shown = await json<View>(['token', 'show', busy])
  t.same(shown.value.recent_addresses, [
    { address: '2001:db8::1', last_seen_at: new Date(clock.now() - DAY).toISOString() },
    { address: '192.0.2.7', last_seen_at: new Date(clock.now() - 2 * DAY).toISOString() },
  ], 'most recent first')
  t.equal(shown.value.last_used_at, new Date(clock.now() - DAY).toISOString())
  const table = await cli(['token', 'list'])
  t.match(table.stdout, /ADDRESSES\n/)
  t.match(table.stdout, new RegExp(`${busy}\\s.*\\s2001:db8::1,192\\.0\\.2\\.7\\n`))
  t.match(table.stdout, new RegExp(`${idle}\\s.*\\s-\\n`), 'no address yet')
  t.same((await json<View>(['token', 'show', idle])).value.recent_addresses, [])
  const none = await cli(['token', 'list', '--expiring-within', '1d'])
  t.same([none.code, none.stdout], [0, 'No active token matches.\n'])

  assertOneSentence(t, await cli(['token', 'list', '--unused-since', '90']), 1, /^gitward: --unused-since takes a whole number of days/, 'bad duration')
  assertOneSentence(t, await cli(['token', 'list', '--expiring-within', '30d', '--all']), 1, /^gitward: --expiring-within and --unused-since look at active tokens only; drop --all\.\n$/, 'with --all')
  void soon
})

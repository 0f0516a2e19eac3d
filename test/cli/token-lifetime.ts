// The token lifetime policy (max_token_lifetime_days) through the CLI
// function with an injected clock: the default expiry and its notice, the
// refusal beyond the limit (nothing minted), --expires-in and its bad forms,
// and rotation keeping the old lifetime, capped by the limit.
import t, { type Test } from 'tap'
import path from 'node:path'
import { ManualClock } from '../../src/clock.js'
import { utcDate } from '../../src/model/dates.js'
import { assertOneSentence, counts, clockedCli } from '../helpers/cli/bin.js'

const DAY = 86_400_000

async function setup(t: Test) {
  const dir = t.testdir({ home: {} })
  const clock = new ManualClock(new Date('2026-06-15T12:00:00Z'))
  const cli = clockedCli(dir, clock)
  t.equal((await cli(['init'])).code, 0)
  t.equal((await cli(['repo', 'create', 'acme/app'])).code, 0)
  /** The UTC date `n` days after the clock's today. */
  const day = (n: number) => utcDate(clock.now() + n * DAY)
  const create = async (extra: string[], env: Record<string, string> = {}) => {
    const r = await cli(['token', 'create', '--project', 'acme/app', '--name', 'ci', '--scopes', 'read_repository', '--json', ...extra], env)
    return { ...r, token: r.code === 0 ? (JSON.parse(r.stdout) as { id: string; expires_at: string | null; description: string | null }) : undefined }
  }
  const db = path.join(dir, 'g.db')
  return { dir, clock, cli, day, create, db }
}

t.test('create without an expiry: the longest allowed, with a notice naming the setting and the date', async t => {
  const { cli, day, create } = await setup(t)
  const plain = await cli(['token', 'create', '--project', 'acme/app', '--name', 'ci', '--scopes', 'read_repository'])
  t.equal(plain.code, 0, plain.stderr)
  t.match(plain.stdout, /^gwpat-[0-9a-z]{12}_\S+\n$/, 'the token alone on stdout')
  t.match(plain.stderr, new RegExp(`\\nNotice: No expiry was given, so the token stops working at 00:00 UTC on ${day(365)}, the latest max_token_lifetime_days \\(365\\) allows\\.\\n`))
  const json = await create([])
  t.equal(json.token?.expires_at, day(365))

  const limit30 = await create([], { GITWARD_MAX_TOKEN_LIFETIME_DAYS: '30' })
  t.equal(limit30.token?.expires_at, day(30), 'the configured limit')
  t.match(limit30.stderr, /max_token_lifetime_days \(30\)/)

  const unlimited = await create([], { GITWARD_MAX_TOKEN_LIFETIME_DAYS: '0' })
  t.equal(unlimited.token?.expires_at, null, 'no limit: never expires, as before')
  t.notMatch(unlimited.stderr, /Notice/)
  const far = await create(['--expires', '2099-01-01'], { GITWARD_MAX_TOKEN_LIFETIME_DAYS: '0' })
  t.equal(far.token?.expires_at, '2099-01-01')
})

t.test('an expiry past the limit is refused with one sentence, and nothing is minted', async t => {
  const { cli, day, create, db } = await setup(t)
  const before = counts(db)
  const base = ['token', 'create', '--project', 'acme/app', '--name', 'ci', '--scopes', 'read_repository']
  assertOneSentence(t, await cli([...base, '--expires', day(366)]), 1, new RegExp(`^gitward: the expiry ${day(366)} is more than 365 days away, longer than max_token_lifetime_days allows; give ${day(365)} or earlier\\.\\n$`), 'one day too far')
  assertOneSentence(t, await cli([...base, '--expires-in', '2y']), 1, /max_token_lifetime_days/, '--expires-in too far')
  assertOneSentence(t, await cli([...base, '--expires', day(31)], { GITWARD_MAX_TOKEN_LIFETIME_DAYS: '30' }), 1, /more than 30 days away/, 'a lower limit')
  t.same(counts(db), before, 'nothing minted, nothing audited')
  t.equal((await create(['--expires', day(365)])).token?.expires_at, day(365), 'exactly the limit is allowed')
})

t.test('--expires-in: days, weeks and years from today (UTC); bad forms and both flags refused', async t => {
  const { cli, day, create, clock, db } = await setup(t)
  clock.set(new Date('2026-06-15T23:59:59Z'))
  t.equal((await create(['--expires-in', '90d'])).token?.expires_at, '2026-09-13')
  t.equal((await create(['--expires-in', '12w'])).token?.expires_at, '2026-09-07')
  t.equal((await create(['--expires-in', '1y'])).token?.expires_at, '2027-06-15')
  t.equal((await create(['--expires-in', '1d'])).token?.expires_at, '2026-06-16', 'tomorrow')
  const before = counts(db)
  const base = ['token', 'create', '--project', 'acme/app', '--name', 'ci', '--scopes', 'read_repository']
  for (const bad of ['90', '0d', '-5d', '1.5y', '90 days', 'd', '3m', '']) {
    assertOneSentence(t, await cli([...base, '--expires-in', bad]), 1, /^gitward: --expires-in takes a whole number of days, weeks or years written like 90d, 12w or 1y \(a year is 365 days\)\.\n$/, `bad form ${JSON.stringify(bad)}`)
  }
  assertOneSentence(t, await cli([...base, '--expires', day(30), '--expires-in', '30d']), 1, /^gitward: give either --expires YYYY-MM-DD or --expires-in 90d, not both\.\n$/, 'both')
  t.same(counts(db), before, 'nothing minted')
})

t.test('rotate keeps the old lifetime from today, capped by the limit; never-expiring stays so only without a limit', async t => {
  const { cli, day, create, clock } = await setup(t)
  const rotate = async (id: string, extra: string[] = [], env: Record<string, string> = {}) => {
    const r = await cli(['token', 'rotate', id, '--json', ...extra], env)
    return { ...r, token: r.code === 0 ? (JSON.parse(r.stdout) as { id: string; expires_at: string | null; description: string | null }) : undefined }
  }
  const thirty = (await create(['--expires-in', '30d', '--description', 'Jenkins on ci.example.com'])).token!
  const long = (await create(['--expires-in', '300d'])).token!
  const forever = (await create([], { GITWARD_MAX_TOKEN_LIFETIME_DAYS: '0' })).token!
  const forever2 = (await create([], { GITWARD_MAX_TOKEN_LIFETIME_DAYS: '0' })).token!
  clock.advance(20 * DAY)

  const kept = await rotate(thirty.id)
  t.equal(kept.code, 0, kept.stderr)
  t.equal(kept.token?.expires_at, day(30), '30 days from the rotation, not the old date')
  t.equal(kept.token?.description, 'Jenkins on ci.example.com', 'the description is kept')
  t.match(kept.stderr, new RegExp(`Notice: No expiry was given, so the new token keeps the old one's lifetime of 30 days and stops working at 00:00 UTC on ${day(30)} \\(max_token_lifetime_days is 365\\)\\.`))

  const capped = await rotate(long.id, [], { GITWARD_MAX_TOKEN_LIFETIME_DAYS: '100' })
  t.equal(capped.token?.expires_at, day(100))
  t.match(capped.stderr, /the old one's lifetime of 300 days, capped at 100 by max_token_lifetime_days/)

  const stillForever = await rotate(forever.id, [], { GITWARD_MAX_TOKEN_LIFETIME_DAYS: '0' })
  t.equal(stillForever.token?.expires_at, null, 'no limit: still never expires')
  t.notMatch(stillForever.stderr, /Notice/)
  const bounded = await rotate(forever2.id)
  t.equal(bounded.token?.expires_at, day(365))
  t.match(bounded.stderr, /the old token never expired, so the new one stops working at 00:00 UTC on \d{4}-\d{2}-\d{2}, the latest max_token_lifetime_days \(365\) allows/)

  const explicit = await rotate(kept.token!.id, ['--expires-in', '2w'])
  t.equal(explicit.token?.expires_at, day(14))
  t.notMatch(explicit.stderr, /Notice/)
  const tooFar = await cli(['token', 'rotate', explicit.token!.id, '--expires', day(400)])
  assertOneSentence(t, tooFar, 1, /max_token_lifetime_days/, 'rotation past the limit')
  const show = JSON.parse((await cli(['token', 'show', explicit.token!.id, '--json'])).stdout) as { state: string }
  t.equal(show.state, 'active', 'a refused rotation leaves the old token working')
  assertOneSentence(t, await cli(['token', 'rotate', explicit.token!.id, '--expires-in', 'soon']), 1, /--expires-in takes/, 'bad duration')
})

t.test('--description: kept, shown, and validated', async t => {
  const { cli, create, db } = await setup(t)
  const made = (await create(['--description', '  Deploys from ci.example.com  '])).token!
  t.equal(made.description, 'Deploys from ci.example.com', 'trimmed')
  const show = await cli(['token', 'show', made.id])
  t.match(show.stdout, /\ndescription:\s+Deploys from ci\.example\.com\n/)
  const before = counts(db)
  const base = ['token', 'create', '--project', 'acme/app', '--name', 'ci', '--scopes', 'read_repository', '--description']
  assertOneSentence(t, await cli([...base, 'x'.repeat(501)]), 1, /^gitward: a token description must be at most 500 characters long; shorten it\.\n$/, 'too long')
  assertOneSentence(t, await cli([...base, 'line one\nline two']), 1, /^gitward: a token description must be one line without control characters/, 'newline')
  assertOneSentence(t, await cli([...base, 'red \u001b[31m']), 1, /control characters/, 'escape')
  t.same(counts(db), before)
  t.equal((await create(['--description', 'x'.repeat(500)])).token?.description?.length, 500, 'exactly the limit')
})

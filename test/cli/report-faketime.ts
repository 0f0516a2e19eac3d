// `gitward report tokens` as cron runs it: the real executable, its wall
// clock set by libfaketime, around a token that expires tomorrow. Exit 1
// until 00:00 UTC on its expiry date, 0 from then on (it no longer works,
// so there is nothing left to warn about).
import t from 'tap'
import { findLibfaketime } from '../helpers/servers/faketime.js'
import { gitwardProcess, initializedDir } from '../helpers/cli/bin.js'

const lib = findLibfaketime()

t.test('exit codes around a token that expires tomorrow', { skip: lib === null ? 'libfaketime is not installed' : false }, async t => {
  const dir = await initializedDir(t)
  const at = (wall: string) => ({ LD_PRELOAD: lib ?? '', FAKETIME: `@${wall}`, TZ: 'UTC' })
  const run = (args: string[], wall: string) => gitwardProcess(dir, args, { env: at(wall) })
  t.equal((await run(['repo', 'create', 'acme/app'], '2026-06-15 12:00:00')).code, 0)
  const made = await run(['token', 'create', '--project', 'acme/app', '--name', 'nightly', '--scopes', 'read_repository', '--expires', '2026-06-16'], '2026-06-15 12:00:00')
  t.equal(made.code, 0, made.stderr)

  const noon = await run(['report', 'tokens'], '2026-06-15 12:00:00')
  t.equal(noon.code, 1, 'expires tomorrow: exit 1')
  t.match(noon.stdout, /^1 active token expires within 7 days \(by 2026-06-22\)/)
  t.equal((await run(['report', 'tokens', '--within', '1d'], '2026-06-15 23:50:00')).code, 1, 'shortly before midnight UTC (the fake clock runs on from there)')
  const json = await run(['report', 'tokens', '--json'], '2026-06-15 12:00:00')
  t.equal(json.code, 1)
  t.match(JSON.parse(json.stdout), { within_days: 7, until: '2026-06-22', expiring: [{ name: 'nightly', expires_at: '2026-06-16', state: 'active' }], never_expiring: [] })
  const after = await run(['report', 'tokens'], '2026-06-16 00:00:01')
  t.equal(after.code, 0, 'expired: nothing to warn about')
  t.equal(after.stdout, 'No active token expires within 7 days (by 2026-06-23).\n')
  t.equal((await run(['report', 'tokens'], '2026-06-08 12:00:00')).code, 0, 'eight days before: outside the 7-day window')
})

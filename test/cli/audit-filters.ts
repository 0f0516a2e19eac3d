// `gitward audit --since --action --target [--json]` and the administrator
// the trail names (SUDO_USER through sudo), through the CLI function with an
// injected clock.
import t from 'tap'
import { ManualClock } from '../../src/clock.js'
import { administrator, parseReason } from '../../src/cli/administrator.js'
import { formatToken, newSecret, newTokenId, tokenPatterns } from '../../src/auth/token-format.js'
import { randomBytes } from 'node:crypto'
import { clockedCli } from '../helpers/cli/bin.js'

t.test('filters, through the CLI', async t => {
  const dir = t.testdir({ home: {} })
  const clock = new ManualClock(new Date('2026-06-01T09:00:00Z'))
  const cli = clockedCli(dir, clock)
  t.equal((await cli(['init'])).code, 0)
  t.equal((await cli(['repo', 'create', 'acme/app'])).code, 0)
  clock.set(new Date('2026-06-02T10:00:00Z'))
  const minted = await cli(['token', 'create', '--project', 'acme/app', '--name', 'ci', '--scopes', 'read_repository', '--json'], { SUDO_USER: 'alice' })
  t.equal(minted.code, 0, minted.stderr)
  const id = (JSON.parse(minted.stdout) as { id: string }).id
  clock.set(new Date('2026-06-03T11:00:00Z'))
  const pasted = formatToken('gwpat-', newTokenId(randomBytes), newSecret(randomBytes))
  const refused = await cli(['token', 'revoke', id, '--reason', `leaked: ${pasted}`], { SUDO_USER: 'bob' })
  t.equal(refused.code, 1, 'a token-shaped reason is refused')
  t.match(refused.stderr, /^gitward: --reason looks like it contains an access token; nothing was changed or recorded\.\n$/)
  t.notMatch(refused.stderr, new RegExp(pasted))
  t.equal((await cli(['token', 'revoke', id, '--reason', 'OPS-42: laptop lost'], { SUDO_USER: 'bob' })).code, 0)

  const json = async (...argv: string[]) => JSON.parse((await cli(['audit', '--json', ...argv])).stdout) as Array<{ action: string; actor: string; target: string; at: string }>
  const all = await json()
  t.same(all.map(e => [e.action, e.actor]), [['project.created', 'gitward'], ['token.created', 'alice'], ['token.revoked', 'bob']], 'SUDO_USER is the actor when set; the refused revocation left nothing')
  t.match((all[2] as unknown as { details: Record<string, unknown> }).details, { name: 'ci', reason: 'OPS-42: laptop lost' }, 'the reason is kept with the change')
  t.notOk('reason' in (all[1] as unknown as { details: Record<string, unknown> }).details, 'no reason, no field')
  t.same((await json('--since', '2026-06-02')).map(e => e.action), ['token.created', 'token.revoked'])
  t.same((await json('--since', '2026-06-03T11:00Z')).map(e => e.action), ['token.revoked'])
  t.same((await json('--action', 'token')).map(e => e.action), ['token.created', 'token.revoked'])
  t.same((await json('--target', id)).map(e => e.action), ['token.created', 'token.revoked'])
  t.same((await json('--target', 'acme/app', '--action', 'project.created')).map(e => e.target), ['acme/app'])

  const none = await cli(['audit', '--since', '2027-01-01'])
  t.equal(none.code, 0)
  t.equal(none.stdout, 'No audit entry matches.\n')
  const typo = await cli(['audit', '--action', 'token.revokd'])
  t.equal(typo.code, 0)
  t.match(typo.stderr, /^gitward: no entry in the audit trail has the action "token\.revokd"; its actions are project\.created, token\.created, token\.revoked\.\n$/)
  const bad = await cli(['audit', '--since', 'last week'])
  t.equal(bad.code, 1)
  t.match(bad.stderr, /^gitward: --since must be a date/)
  const table = await cli(['audit', '--action', 'token.revoked'])
  t.match(table.stdout, /^AT\s+ACTOR\s+ACTION\s+TARGET\s+DETAILS\n2026-06-03T11:00:00\.000Z\s+bob\s+token\.revoked/)
})

t.test('the administrator', async t => {
  t.equal(administrator({ SUDO_USER: 'alice' }, 'root'), 'alice')
  t.equal(administrator({}, 'gitward'), 'gitward')
  t.equal(administrator({ SUDO_USER: '' }, 'gitward'), 'gitward')
  t.equal(administrator({ SUDO_USER: 'a b; rm' }, 'gitward'), 'gitward', 'an odd SUDO_USER is not believed')
})

t.test('a reason: one line, never a token', async t => {
  const patterns = tokenPatterns('gwpat-')
  t.equal(parseReason(undefined, patterns), null)
  t.equal(parseReason('  ticket OPS-42: laptop stolen ', patterns), 'ticket OPS-42: laptop stolen')
  t.throws(() => parseReason('', patterns), { code: 'INVALID_ARGUMENT' })
  t.throws(() => parseReason('two\nlines', patterns), { message: /one line/ })
  t.throws(() => parseReason('x'.repeat(201), patterns), { message: /at most 200/ })
  t.throws(() => parseReason(`rotated ${formatToken('gwpat-', newTokenId(randomBytes), newSecret(randomBytes))} today`, patterns), { message: /access token/ })
})

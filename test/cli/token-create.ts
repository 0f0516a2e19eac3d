// `gitward token create` through the real bin/gitward, against a real SQLite file.
import t, { type Test } from 'tap'
import fs from 'node:fs'
import path from 'node:path'
import { assertOneSentence, counts, day, gitward, gitwardAll, initializedDir } from '../helpers/cli/bin.js'

async function setup(t: Test): Promise<{ dir: string; db: string }> {
  const dir = await initializedDir(t)
  const r = await gitward(dir, ['repo', 'create', 'acme/app'])
  t.equal(r.code, 0, r.stderr)
  return { dir, db: path.join(dir, 'gitward.db') }
}

t.test('create: the token alone on stdout, the notice on stderr', async t => {
  const { dir, db } = await setup(t)
  const r = await gitward(dir, ['token', 'create', '--project', 'acme/app', '--name', 'ci', '--scopes', 'read_repository', '--expires', day(30)])
  t.equal(r.code, 0, r.stderr)
  t.match(r.stdout, /^gwpat-[0-9a-z]{12}_[0-9A-Za-z]{38}\n$/)
  const token = r.stdout.trim()
  const id = token.slice(6, 18)
  t.match(r.stderr, /^This token is shown once; store it now\.\n/)
  t.match(
    r.stderr,
    new RegExp(`Created token ${id} for project acme/app \\(role maintainer, scopes read_repository; stops working at 00:00 UTC on ${day(30)}\\)`),
  )
  t.notOk(r.stderr.includes(token))
  t.match(counts(db), { tokens: 1, audit: 2 })
})

t.test('create --json: one object with the token and the listing fields', async t => {
  const { dir } = await setup(t)
  const r = await gitward(dir, ['token', 'create', '--project', 'acme/app', '--name', 'deploy', '--scopes', 'write_repository,read_repository', '--role', 'developer', '--json'])
  t.equal(r.code, 0, r.stderr)
  const o = JSON.parse(r.stdout) as { id: string; token: string }
  t.match(o, {
    id: /^[0-9a-z]{12}$/,
    token: /^gwpat-/,
    name: 'deploy',
    project: 'acme/app',
    role: 'developer',
    scopes: ['read_repository', 'write_repository'],
    expires_at: day(365),
    last_used_at: null,
    revoked_at: null,
    state: 'active',
  })
  t.ok(o.token.startsWith(`gwpat-${o.id}_`))
  t.notOk('secretHash' in o || 'secret_hash' in o)
})

t.test('a group token may name any group; a notice when nothing is under it yet', async t => {
  const { dir } = await setup(t)
  const [empty, covered] = await gitwardAll(dir, [
    ['token', 'create', '--group', 'tools/ci', '--name', 'bot', '--scopes', 'read_repository'],
    ['token', 'create', '--group', 'acme', '--name', 'bot', '--scopes', 'read_repository'],
  ])
  t.equal(empty!.code, 0, empty!.stderr)
  t.match(empty!.stderr, /Notice: no registered project is under the group tools\/ci yet/)
  t.equal(covered!.code, 0)
  t.notMatch(covered!.stderr, /Notice: no registered project/)
})

t.test('bad input: one sentence, the right exit code, and nothing changes', async t => {
  const { dir, db } = await setup(t)
  const create = ['token', 'create', '--name', 'x', '--scopes', 'read_repository']
  const table: Array<[string, string[], number, RegExp]> = [
    ['unknown scope', ['token', 'create', '--project', 'acme/app', '--name', 'x', '--scopes', 'write_repo'], 1,
      /^gitward: unknown scope "write_repo"; use one or more of api, read_api, read_registry, write_registry, read_repository, write_repository, self_rotate\.$/m],
    ['empty scope list', ['token', 'create', '--project', 'acme/app', '--name', 'x', '--scopes', ','], 1, /no scope given/],
    ['unknown role', [...create, '--project', 'acme/app', '--role', 'admin'], 1, /unknown role "admin"; use one of guest, reporter, developer, maintainer, owner\./],
    ['malformed date', [...create, '--project', 'acme/app', '--expires', '31.12.2030'], 1, /YYYY-MM-DD/],
    ['impossible date', [...create, '--project', 'acme/app', '--expires', '2031-02-30'], 1, /2031-02-30 is not a calendar date/],
    ['today', [...create, '--project', 'acme/app', '--expires', day(0)], 1, /is not after today/],
    ['past date', [...create, '--project', 'acme/app', '--expires', day(-1)], 1, /is not after today/],
    ['unknown project', [...create, '--project', 'acme/nope'], 1, /no project "acme\/nope" is registered; register it with gitward repo create acme\/nope\./],
    ['malformed project path', [...create, '--project', 'acme/../etc'], 1, /"acme\/\.\.\/etc" is not a valid project path/],
    ['malformed group path', [...create, '--group', '/acme'], 1, /is not a valid group path/],
    ['empty name', ['token', 'create', '--project', 'acme/app', '--name', ' ', '--scopes', 'api'], 1, /non-empty --name/],
    ['missing --name', ['token', 'create', '--project', 'acme/app', '--scopes', 'api'], 2, /required option '--name <name>' not specified; see "gitward token create --help"\./],
    ['missing --scopes', ['token', 'create', '--project', 'acme/app', '--name', 'x'], 2, /required option '--scopes <list>'/],
    ['both --project and --group', [...create, '--project', 'acme/app', '--group', 'acme'], 2, /cannot be used with/],
    ['neither --project nor --group', create, 2, /needs --project <path> or --group <path>/],
    ['option without its value', [...create, '--project'], 2, /argument missing/],
    ['unknown option', [...create, '--project', 'acme/app', '--bogus'], 2, /unknown option '--bogus'/],
    ['extra argument', [...create, '--project', 'acme/app', 'extra'], 2, /too many arguments/],
  ]
  const before = counts(db)
  const results = await gitwardAll(dir, table.map(([, args]) => args))
  table.forEach(([label, , code, pattern], i) => assertOneSentence(t, results[i]!, code, pattern, label))
  t.same(counts(db), before, 'the database is unchanged')
})

t.test('disabled group: project tokens refused with the way back, group tokens fine', async t => {
  const { dir, db } = await setup(t)
  t.equal((await gitward(dir, ['group', 'set', 'acme', '--project-token-creation', 'disabled'])).code, 0)
  const before = counts(db)
  const r = await gitward(dir, ['token', 'create', '--project', 'acme/app', '--name', 'x', '--scopes', 'api'])
  assertOneSentence(t, r, 1, /project token creation is disabled for the group "acme".*gitward group set acme --project-token-creation enabled\.$/m, 'disabled')
  t.same(counts(db), before)
  const g = await gitward(dir, ['token', 'create', '--group', 'acme', '--name', 'x', '--scopes', 'api'])
  t.equal(g.code, 0, g.stderr)
})

t.test('bad input on a fresh directory creates no database at all', async t => {
  const dir = t.testdir({ home: {} })
  const r = await gitward(dir, ['token', 'create', '--project', 'acme/app', '--name', 'x', '--scopes', 'nope'])
  t.equal(r.code, 1)
  t.notOk(fs.existsSync(path.join(dir, 'gitward.db')))
})

t.test('threat: a token-shaped value is scrubbed even where input is echoed', async t => {
  const { dir } = await setup(t)
  const token = (await gitward(dir, ['token', 'create', '--project', 'acme/app', '--name', 'x', '--scopes', 'api'])).stdout.trim()
  const r = await gitward(dir, ['token', 'create', '--project', 'acme/app', '--name', 'x', '--scopes', token])
  assertOneSentence(t, r, 1, /unknown scope "\[redacted\]"/, 'scope')
  t.notOk(r.stderr.includes(token))
})

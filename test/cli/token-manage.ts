// `gitward token list|show|revoke|rotate` through the real bin/gitward.
import t, { type Test } from 'tap'
import path from 'node:path'
import { assertOneSentence, counts, day, gitward, gitwardAll, initializedDir } from '../helpers/cli/bin.js'

async function setup(t: Test) {
  const dir = await initializedDir(t)
  const db = path.join(dir, 'gitward.db')
  for (const r of await gitwardAll(dir, [['repo', 'create', 'acme/app']])) t.equal(r.code, 0, r.stderr)
  t.equal((await gitward(dir, ['repo', 'create', 'acme-evil/app'])).code, 0)
  const mint = async (...args: string[]) => {
    const r = await gitward(dir, ['token', 'create', '--name', args[0]!, '--scopes', 'read_repository', ...args.slice(1), '--json'])
    t.equal(r.code, 0, r.stderr)
    return JSON.parse(r.stdout) as { id: string; token: string }
  }
  return { dir, db, mint }
}

t.test('list, show, revoke, rotate, and no secret in any of their output', async t => {
  const { dir, mint } = await setup(t)
  const a = await mint('a', '--project', 'acme/app', '--expires', day(10))
  const b = await mint('b', '--group', 'acme')
  const c = await mint('c', '--project', 'acme-evil/app')
  const tokens = [a.token, b.token, c.token]

  const [list, groupJson, projectJson, show, showJson] = await gitwardAll(dir, [
    ['token', 'list'],
    ['token', 'list', '--group', 'acme', '--json'],
    ['token', 'list', '--project', 'acme/app', '--json'],
    ['token', 'show', a.id],
    ['token', 'show', b.id, '--json'],
  ])
  t.equal(list!.code, 0)
  t.match(list!.stdout, /^ID\s+NAME\s+TARGET\s+ROLE\s+SCOPES\s+EXPIRES\s+LAST USED\s+STATE\s+REFS\s+ADDRESSES\n/)
  t.match(list!.stdout, new RegExp(`${a.id}\\s+a\\s+project acme/app\\s+maintainer\\s+read_repository\\s+${day(10)}\\s+never\\s+active`))
  const group = JSON.parse(groupJson!.stdout) as Array<Record<string, unknown>>
  t.same(group.map(x => x['name']), ['a', 'b'], 'acme-evil is not under acme')
  t.same(
    Object.keys(group[1]!).sort(),
    ['created_at', 'description', 'expires_at', 'group', 'id', 'last_used_at', 'name', 'recent_addresses', 'revoked_at', 'role', 'rotated_from', 'scopes', 'state'],
  )
  // "Who can reach acme/app": its own token, then the group token of acme (not acme-evil's).
  t.same((JSON.parse(projectJson!.stdout) as Array<{ id: string; project?: string; group?: string }>).map(x => [x.id, x.project ?? `group ${x.group}`]), [[a.id, 'acme/app'], [b.id, 'group acme']])
  t.equal(show!.code, 0)
  t.match(show!.stdout, /^id:\s+\S+\nname:\s+a\nproject:\s+acme\/app\nrole:\s+maintainer\n/)
  t.match(JSON.parse(showJson!.stdout), { id: b.id, group: 'acme', state: 'active' })

  const revoke = await gitward(dir, ['token', 'revoke', c.id])
  t.equal(revoke.code, 0)
  t.match(revoke.stdout, new RegExp(`^Revoked token ${c.id} \\(c, project acme-evil/app\\)\\.\\n$`))

  const rotate = await gitward(dir, ['token', 'rotate', a.id])
  t.equal(rotate.code, 0, rotate.stderr)
  t.match(rotate.stdout, /^gwpat-\S+\n$/)
  t.match(rotate.stderr, /^This token is shown once; store it now\.\n/)
  t.match(rotate.stderr, new RegExp(`replacing token ${a.id}, which no longer works`))
  const rotated = rotate.stdout.trim()
  tokens.push(rotated)
  const again = await gitward(dir, ['token', 'rotate', rotated.slice(6, 18), '--expires', day(40), '--json'])
  t.equal(again.code, 0, again.stderr)
  const r2 = JSON.parse(again.stdout) as { token: string }
  t.match(r2, { name: 'a', project: 'acme/app', expires_at: day(40), rotated_from: rotated.slice(6, 18), state: 'active' })
  tokens.push(r2.token)

  const [active, all, allHuman, audit, auditJson] = await gitwardAll(dir, [
    ['token', 'list', '--json'],
    ['token', 'list', '--all', '--json'],
    ['token', 'list', '--all'],
    ['audit'],
    ['audit', '--json'],
  ])
  t.same((JSON.parse(active!.stdout) as Array<{ name: string }>).map(x => x.name).sort(), ['a', 'b'])
  const everything = JSON.parse(all!.stdout) as Array<{ id: string; state: string }>
  t.equal(everything.length, 5)
  t.equal(everything.find(x => x.id === c.id)?.state, 'revoked')
  t.equal(everything.find(x => x.id === a.id)?.state, 'revoked')
  t.match(allHuman!.stdout, new RegExp(`${c.id} .*revoked +any +-\\n`))

  // Threat: no command but create/rotate ever prints a token, a secret or a hash.
  const text = [list, groupJson, projectJson, show, showJson, revoke, active, all, allHuman, audit, auditJson]
    .map(o => o!.stdout + o!.stderr)
    .join('\n')
  for (const tok of tokens) {
    t.notOk(text.includes(tok), 'no token in listings or audit')
    t.notOk(text.includes(tok.slice(19, 51)), 'no secret part')
  }
  t.notMatch(text, /\$2[aby]\$/, 'no bcrypt hash')
})

t.test('an empty list says so, and how to see more', async t => {
  const { dir } = await setup(t)
  const [human, json] = await gitwardAll(dir, [['token', 'list'], ['token', 'list', '--json']])
  t.equal(human!.stdout, 'No active tokens; add --all to include revoked and expired ones.\n')
  t.equal(json!.stdout, '[]\n')
})

t.test('bad input: one sentence, the right exit code, and nothing changes', async t => {
  const { dir, db, mint } = await setup(t)
  const { id } = await mint('x', '--project', 'acme/app')
  t.equal((await gitward(dir, ['token', 'revoke', id])).code, 0)
  const table: Array<[string, string[], number, RegExp]> = [
    ['show unknown id', ['token', 'show', 'zzzzzzzzzzzz'], 1, /no token has the id "zzzzzzzzzzzz"/],
    ['show malformed id', ['token', 'show', 'nope'], 1, /a token id is 12 characters/],
    ['show without id', ['token', 'show'], 2, /missing required argument 'id'/],
    ['revoke unknown id', ['token', 'revoke', 'zzzzzzzzzzzz'], 1, /no token has the id/],
    ['revoke twice', ['token', 'revoke', id], 1, /already revoked/],
    ['rotate unknown id', ['token', 'rotate', 'zzzzzzzzzzzz'], 1, /no token has the id/],
    ['rotate revoked', ['token', 'rotate', id], 1, /cannot be rotated/],
    ['rotate with past date', ['token', 'rotate', id, '--expires', day(-3)], 1, /is not after today/],
    ['list unknown project', ['token', 'list', '--project', 'acme/nope'], 1, /no project "acme\/nope" is registered/],
    ['list malformed group', ['token', 'list', '--group', 'acme/'], 1, /not a valid group path/],
    ['list both filters', ['token', 'list', '--project', 'acme/app', '--group', 'acme'], 2, /cannot be used with/],
    ['unknown subcommand', ['token', 'lst'], 2, /unknown command 'lst' \(did you mean list\?\)/],
    ['no subcommand', ['token'], 2, /"gitward token" needs a command: create, list, show, revoke or rotate/],
  ]
  const before = counts(db)
  const results = await gitwardAll(dir, table.map(([, args]) => args))
  table.forEach(([label, , code, pattern], i) => assertOneSentence(t, results[i]!, code, pattern, label))
  t.same(counts(db), before, 'the database is unchanged')
})

t.test('threat: a whole token pasted where an id belongs is not echoed', async t => {
  const { dir, db, mint } = await setup(t)
  const { token } = await mint('x', '--project', 'acme/app')
  const results = await gitwardAll(dir, ['show', 'revoke', 'rotate'].map(cmd => ['token', cmd, token]))
  for (const r of results) {
    assertOneSentence(t, r, 1, /looks like a whole token/, 'pasted token')
    t.notOk(r.stderr.includes(token.slice(19, 51)), 'secret not echoed')
  }
  t.match(counts(db), { revoked: 0 })
})

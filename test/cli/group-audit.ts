// `gitward group set` and `gitward audit` through the real bin/gitward.
import t from 'tap'
import path from 'node:path'
import { assertOneSentence, counts, gitward, gitwardAll, initializedDir } from '../helpers/cli/bin.js'

t.test('group set and audit', async t => {
  const dir = await initializedDir(t)
  t.equal((await gitward(dir, ['repo', 'create', 'acme/app'])).code, 0)
  const off = await gitward(dir, ['group', 'set', 'acme', '--project-token-creation', 'disabled'])
  t.equal(off.code, 0)
  t.equal(off.stdout, 'Project token creation is now disabled for the group acme.\n')
  const on = await gitward(dir, ['group', 'set', 'acme', '--project-token-creation', 'enabled'])
  t.equal(on.stdout, 'Project token creation is now enabled for the group acme.\n')

  const [human, json] = await gitwardAll(dir, [['audit'], ['audit', '--json']])
  t.match(human!.stdout, /^AT\s+ACTOR\s+ACTION\s+TARGET\s+DETAILS\n/)
  t.match(human!.stdout, /group\.setting_changed\s+acme\s+\{"setting":"project_token_creation","from":"enabled","to":"disabled"\}/)
  const entries = JSON.parse(json!.stdout) as Array<{ action: string; actor: string; target: string }>
  t.same(entries.map(e => e.action), ['project.created', 'group.setting_changed', 'group.setting_changed'])
  t.ok(entries.every(e => typeof e.actor === 'string' && e.actor !== ''), 'the OS user is the actor')
})

t.test('an empty audit trail and an empty project list say so', async t => {
  const dir = await initializedDir(t)
  const [audit, repos] = await gitwardAll(dir, [['audit'], ['repo', 'list']])
  t.equal(audit!.stdout, 'The audit trail is empty.\n')
  t.match(repos!.stdout, /^No projects registered yet/)
})

t.test('bad input: one sentence, nothing changes', async t => {
  const dir = await initializedDir(t)
  t.equal((await gitward(dir, ['repo', 'create', 'acme/app'])).code, 0)
  const db = path.join(dir, 'gitward.db')
  const table: Array<[string, string[], number, RegExp]> = [
    ['group not top-level', ['group', 'set', 'acme/sub', '--project-token-creation', 'disabled'], 1,
      /"acme\/sub" is not a top-level group; this setting applies to a whole top-level group such as "acme"\./],
    ['group bad value', ['group', 'set', 'acme', '--project-token-creation', 'off'], 1, /use enabled or disabled\./],
    ['group malformed path', ['group', 'set', 'ac$me', '--project-token-creation', 'enabled'], 1, /"ac\$me" is not a valid group path/],
    ['group option-like path', ['group', 'set', '-x', '--project-token-creation', 'enabled'], 2, /unknown option '-x'/],
    ['group missing flag', ['group', 'set', 'acme'], 2, /required option '--project-token-creation <value>' not specified/],
    ['group no subcommand', ['group'], 2, /"gitward group" needs a command: list, show or set/],
  ]
  const before = counts(db)
  const results = await gitwardAll(dir, table.map(([, args]) => args))
  table.forEach(([label, , code, pattern], i) => assertOneSentence(t, results[i]!, code, pattern, label))
  t.same(counts(db), before, 'the database is unchanged')
})

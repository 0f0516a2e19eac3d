// `gitward group list | show | set` through run(argv, io).
import t, { type Test } from 'tap'
import path from 'node:path'
import { assertOneSentence, counts, gitward, initializedDir } from '../helpers/cli/bin.js'
import { BRANCH_PROTECTION_ON_GROUP, checkJson, PROJECT } from '../helpers/cli/json-shape.js'

async function ok(dir: string, args: string[]) {
  const r = await gitward(dir, args)
  if (r.code !== 0) throw new Error(`${args.join(' ')}: ${r.stderr}`)
  return r
}

t.test('group list: top-level groups from projects and settings, with counts and the setting', async t => {
  const dir = await initializedDir(t)
  const empty = await ok(dir, ['group', 'list'])
  t.match(empty.stdout, /^No groups yet; /)
  t.same(JSON.parse((await ok(dir, ['group', 'list', '--json'])).stdout), [])
  for (const p of ['acme/app', 'acme/tools/cli', 'beta/site']) await ok(dir, ['repo', 'create', p])
  // A group known only from its settings.
  await ok(dir, ['group', 'set', 'zeta', '--project-token-creation', 'disabled'])
  await ok(dir, ['group', 'set', 'acme', '--project-token-creation', 'disabled'])

  const human = await ok(dir, ['group', 'list'])
  t.equal(
    human.stdout,
    'GROUP  PROJECTS  PROJECT TOKEN CREATION\n' + 'acme   2         disabled\n' + 'beta   1         enabled\n' + 'zeta   0         disabled\n',
  )
  const json = checjson(t, (await ok(dir, ['group', 'list', '--json'])).stdout)
  t.match(json, [
    { path: 'acme', projects: 2, project_token_creation: 'disabled', settings_updated_at: /Z$/ },
    { path: 'beta', projects: 1, project_token_creation: 'enabled', settings_updated_at: null },
    { path: 'zeta', projects: 0, project_token_creation: 'disabled' },
  ])
})

const checjson = (t: Test, stdout: string): unknown =>
  checkJson(t, stdout, [{ path: 'string', projects: 'number', project_token_creation: 'string', settings_updated_at: 'string|null' }], 'group list')

t.test('group show: settings, projects below, protections on it, tokens bound to it', async t => {
  const dir = await initializedDir(t)
  for (const p of ['acme/app', 'acme/tools/cli', 'acme-evil/app']) await ok(dir, ['repo', 'create', p])
  await ok(dir, ['group', 'set', 'acme', '--project-token-creation', 'disabled'])
  await ok(dir, ['protect', 'branch', 'acme', 'release/*'])
  await ok(dir, ['protect', 'branch', 'acme/tools', 'main', '--push', 'developer'])
  await ok(dir, ['token', 'create', '--group', 'acme/tools', '--name', 'a', '--scopes', 'read_repository'])
  const revoked = await ok(dir, ['token', 'create', '--group', 'acme/tools', '--name', 'b', '--scopes', 'read_repository', '--json'])
  await ok(dir, ['token', 'revoke', (JSON.parse(revoked.stdout) as { id: string }).id])
  await ok(dir, ['token', 'create', '--group', 'acme', '--name', 'top', '--scopes', 'read_repository'])

  const human = await ok(dir, ['group', 'show', 'acme/tools'])
  t.match(human.stdout, /^group: +acme\/tools\nproject token creation: +disabled \(set on the top-level group acme\)\nprojects: +1\ntokens bound to it: +1 active, 0 expired, 1 revoked\n/)
  t.match(human.stdout, /PROJECT\s+VISIBILITY\s+CREATED\nacme\/tools\/cli\s+private/)
  t.match(human.stdout, /branch\s+main\s+group acme\/tools\s+push: developer\s+own\n/)
  t.match(human.stdout, /branch\s+release\/\*\s+group acme\s+push: maintainer\s+inherited\n/)

  const json = checkJson(
    t,
    (await ok(dir, ['group', 'show', 'acme', '--json'])).stdout,
    {
      path: 'string',
      top_level_group: 'string',
      project_token_creation: 'string',
      settings_updated_at: 'string|null',
      projects: [PROJECT],
      protections: [BRANCH_PROTECTION_ON_GROUP],
      tokens: { active: 'number', expired: 'number', revoked: 'number' },
    },
    'group show',
  )
  t.match(json, {
    path: 'acme',
    top_level_group: 'acme',
    project_token_creation: 'disabled',
    projects: [{ path: 'acme/app' }, { path: 'acme/tools/cli' }],
    protections: [{ pattern: 'release/*', group: 'acme', inherited: false }],
    tokens: { active: 1, expired: 0, revoked: 0 },
  })
  t.equal((json as { projects: unknown[] }).projects.length, 2, 'acme-evil is not under acme')

  const db = path.join(dir, 'gitward.db')
  const before = counts(db)
  assertOneSentence(t, await gitward(dir, ['group', 'show', 'nobody']), 1, /no project, token, protection or setting names the group "nobody"; see gitward group list\./, 'unknown group')
  assertOneSentence(t, await gitward(dir, ['group', 'show', 'ac$me']), 1, /"ac\$me" is not a valid group path/, 'bad path')
  assertOneSentence(t, await gitward(dir, ['group', 'show']), 2, /missing required argument 'group'/, 'no group')
  t.same(counts(db), before)
})

t.test('group set: the same value again says it already was, exit 0, no audit entry', async t => {
  const dir = await initializedDir(t)
  await ok(dir, ['repo', 'create', 'acme/app'])
  const db = path.join(dir, 'gitward.db')
  const first = await ok(dir, ['group', 'set', 'acme', '--project-token-creation', 'disabled'])
  t.equal(first.stdout, 'Project token creation is now disabled for the group acme.\n')
  const before = counts(db)
  const again = await ok(dir, ['group', 'set', 'acme', '--project-token-creation', 'disabled'])
  t.equal(again.stdout, 'Project token creation already was disabled for the group acme; nothing changed.\n')
  t.equal(again.stderr, '')
  t.same(counts(db), before, 'nothing written')
  // enabled is the default: a group without a row already has it.
  const fresh = await ok(dir, ['group', 'set', 'beta', '--project-token-creation', 'enabled'])
  t.equal(fresh.stdout, 'Project token creation already was enabled for the group beta; nothing changed.\n')
  t.same(counts(db), before, 'no row for a default')

  const shape = { path: 'string', project_token_creation: 'string', updated_at: 'string|null', changed: 'boolean' }
  t.match(checkJson(t, (await ok(dir, ['group', 'set', 'acme', '--project-token-creation', 'enabled', '--json'])).stdout, shape, 'group set'), {
    path: 'acme',
    project_token_creation: 'enabled',
    updated_at: /Z$/,
    changed: true,
  })
  t.match(checkJson(t, (await ok(dir, ['group', 'set', 'acme', '--project-token-creation', 'enabled', '--json'])).stdout, shape, 'group set again'), {
    changed: false,
  })
})

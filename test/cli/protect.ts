// `gitward protect branch|tag`, `protect list`, `unprotect` and `token create
// --refs` through the real bin/gitward: what they print, what they record,
// and one sentence with exit 1 and nothing changed for every bad input.
import t from 'tap'
import path from 'node:path'
import { assertOneSentence, counts, gitward, initializedDir } from '../helpers/cli/bin.js'

t.test('protect, list, unprotect', async t => {
  const dir = await initializedDir(t)
  const db = path.join(dir, 'gitward.db')
  for (const p of ['acme/app', 'acme/sub/tool']) t.equal((await gitward(dir, ['repo', 'create', p])).code, 0)

  const a = await gitward(dir, ['protect', 'branch', 'acme/app', 'main'])
  t.equal(a.code, 0, a.stderr)
  t.equal(a.stdout, 'Protected branch main on the project acme/app (push: maintainer, force-push: off, delete by push: refused).\n')
  const b = await gitward(dir, ['protect', 'branch', 'acme', 'release/*', '--push', 'developer', '--allow-force-push', '--json'])
  t.equal(b.code, 0, b.stderr)
  t.match(JSON.parse(b.stdout), { kind: 'branch', pattern: 'release/*', group: 'acme', push: 'developer', allow_force_push: true })
  const c = await gitward(dir, ['protect', 'tag', 'acme/sub', 'v*', '--create', 'no_one'])
  t.equal(c.stdout, 'Protected tag v* on the group acme/sub (create: no_one, update: refused, delete: maintainer).\n')
  const again = await gitward(dir, ['protect', 'branch', 'acme/app', 'main', '--push', 'developer'])
  t.match(again.stdout, /^Changed the protection of branch main on the project acme\/app \(push: developer/)

  const list = await gitward(dir, ['protect', 'list', 'acme/sub/tool'])
  t.equal(list.code, 0, list.stderr)
  t.match(list.stdout, /^Default branch main: protection full \(maintainers push; nobody force-pushes or deletes it\)\.\n/)
  t.match(list.stdout, /branch\s+release\/\*\s+group acme\s+push: developer\s+allowed\s+inherited/)
  t.match(list.stdout, /tag\s+v\*\s+group acme\/sub\s+create: no_one\s+-\s+inherited/)
  t.notMatch(list.stdout, /main\s+project acme\/app/, 'another project\'s rule is not listed')
  const json = JSON.parse((await gitward(dir, ['protect', 'list', 'acme/app', '--json'])).stdout) as { rules: Array<{ pattern: string; inherited: boolean }> }
  t.match(json, { project: 'acme/app', default_branch: 'main', default_branch_protection: 'full' })
  t.same(json.rules.map(r => [r.pattern, r.inherited]), [['release/*', true], ['main', false]])
  t.equal((JSON.parse((await gitward(dir, ['protect', 'list', '--json'])).stdout) as { rules: unknown[] }).rules.length, 3)

  const un = await gitward(dir, ['unprotect', 'tag', 'acme/sub', 'v*'])
  t.equal(un.stdout, 'Unprotected tag v* on the group acme/sub.\n')
  const audit = JSON.parse((await gitward(dir, ['audit', '--json'])).stdout) as Array<{ action: string }>
  t.same(audit.map(e => e.action).filter(a => a.startsWith('ref.')), ['ref.protected', 'ref.protected', 'ref.protected', 'ref.protection_changed', 'ref.unprotected'])

  const before = counts(db)
  const bad: Array<[string[], RegExp]> = [
    [['protect', 'branch', 'nobody/here', 'main'], /no project or group "nobody\/here" is registered/],
    [['protect', 'branch', 'acme/app', ''], /"" is not a valid branch name or pattern: a pattern must not be empty\./],
    [['protect', 'branch', 'acme/app', 'bad name'], /not a valid branch name or pattern/],
    [['protect', 'tag', 'acme/app', 'refs/tags/v1'], /without "refs\/tags\/"/],
    [['protect', 'branch', 'acme/app', 'main', '--push', 'reporter'], /unknown role "reporter" for --push; use one of developer, maintainer, no_one\./],
    [['protect', 'tag', 'acme/app', 'v*', '--create', 'owner'], /unknown role "owner" for --create/],
    [['protect', 'branch', '../etc', 'main'], /not a valid project or group path/],
    [['unprotect', 'branch', 'acme/app', 'nope'], /no protected branch "nope" is set on the project "acme\/app"/],
    [['protect', 'list', 'nobody'], /no project or group "nobody" is registered/],
    [['token', 'create', '--project', 'acme/app', '--name', 'x', '--scopes', 'write_repository', '--refs', 'v*'], /"v\*" is not a valid --refs pattern/],
    [['token', 'create', '--project', 'acme/app', '--name', 'x', '--scopes', 'write_repository', '--refs', ''], /at least one pattern/],
  ]
  for (const [args, message] of bad) assertOneSentence(t, await gitward(dir, args), 1, message, args.join(' '))
  t.same(counts(db), before, 'nothing changed')
})

t.test('token create --refs: shown by list and show, kept by rotate', async t => {
  const dir = await initializedDir(t)
  t.equal((await gitward(dir, ['repo', 'create', 'acme/app'])).code, 0)
  const made = await gitward(dir, ['token', 'create', '--project', 'acme/app', '--name', 'rel', '--scopes', 'write_repository', '--role', 'developer', '--refs', 'refs/tags/v*,refs/heads/ci/*', '--json'])
  t.equal(made.code, 0, made.stderr)
  const minted = JSON.parse(made.stdout) as { id: string; refs: string[] }
  t.same(minted.refs, ['refs/tags/v*', 'refs/heads/ci/*'])
  const show = await gitward(dir, ['token', 'show', minted.id])
  t.match(show.stdout, /^refs:\s+refs\/tags\/v\*,refs\/heads\/ci\/\*$/m)
  const list = await gitward(dir, ['token', 'list'])
  t.match(list.stdout, /rel .* refs\/tags\/v\*,refs\/heads\/ci\/\* +-\n/)
  const rotated = await gitward(dir, ['token', 'rotate', minted.id, '--json'])
  t.equal(rotated.code, 0, rotated.stderr)
  t.same((JSON.parse(rotated.stdout) as { refs: string[] }).refs, ['refs/tags/v*', 'refs/heads/ci/*'])
  const plain = await gitward(dir, ['token', 'create', '--project', 'acme/app', '--name', 'all', '--scopes', 'write_repository', '--json'])
  t.notOk('refs' in (JSON.parse(plain.stdout) as object), 'no limit, no refs field')
})

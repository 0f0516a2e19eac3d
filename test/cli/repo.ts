// `gitward repo create|list` through the real bin/gitward.
import t from 'tap'
import fs from 'node:fs'
import path from 'node:path'
import { assertOneSentence, counts, gitward, gitwardAll, initializedDir } from '../helpers/cli/bin.js'

t.test('repo create and list', async t => {
  const dir = await initializedDir(t)
  const created = await gitward(dir, ['repo', 'create', 'acme/app'])
  t.equal(created.code, 0, created.stderr)
  const repoDir = path.join(fs.realpathSync(dir), 'repos', 'acme', 'app.git')
  t.equal(
    created.stdout,
    `Registered project acme/app (private); created the bare repository ${repoDir}.\n` +
      'Default branch main: protection full (maintainers push; nobody force-pushes or deletes it).\n',
  )
  t.equal(fs.readFileSync(path.join(repoDir, 'HEAD'), 'utf8'), 'ref: refs/heads/main\n')
  t.equal(fs.statSync(path.join(dir, 'gitward.db')).mode & 0o777, 0o600)

  const pub = await gitward(dir, ['repo', 'create', 'acme/docs.git', '--visibility', 'public', '--default-branch', 'trunk', '--default-branch-protection', 'full_after_initial_push'])
  t.equal(pub.code, 0, pub.stderr)
  t.match(pub.stdout, /^Default branch trunk: protection full_after_initial_push \(anyone who may push makes the first push; then maintainers push; nobody force-pushes or deletes it\)\.$/m)
  const bad = await gitward(dir, ['repo', 'create', 'acme/other', '--default-branch-protection', 'partial'])
  t.equal(bad.code, 1)
  t.match(bad.stderr, /default_branch_protection/)
  t.notOk(fs.existsSync(path.join(dir, 'repos', 'acme', 'other.git')), 'nothing created')
  t.equal(fs.readFileSync(path.join(dir, 'repos', 'acme', 'docs.git', 'HEAD'), 'utf8'), 'ref: refs/heads/trunk\n')

  const [human, json] = await gitwardAll(dir, [['repo', 'list'], ['repo', 'list', '--json']])
  t.match(human!.stdout, /^PATH\s+VISIBILITY\s+CREATED\nacme\/app\s+private\s+\S+Z\nacme\/docs\s+public\s+\S+Z\n$/)
  t.match(JSON.parse(json!.stdout), [
    { path: 'acme/app', visibility: 'private', created_at: /Z$/ },
    { path: 'acme/docs', visibility: 'public' },
  ])
})

t.test('repo create adopts an existing bare repository only with --adopt; a case twin is refused', async t => {
  const dir = await initializedDir(t)
  const first = await gitward(dir, ['repo', 'create', 'acme/app'])
  t.equal(first.code, 0)
  // Register the same repositories root in a second database.
  const otherDb = path.join(dir, 'other.db')
  t.equal((await gitward(dir, ['--db', otherDb, 'init'])).code, 0)
  const refused = await gitward(dir, ['--db', otherDb, 'repo', 'create', 'acme/app', '--visibility', 'public'])
  assertOneSentence(t, refused, 1, /already exists; add --adopt to register it as acme\/app/, 'no silent adoption')
  const other = await gitward(dir, ['--db', otherDb, 'repo', 'create', 'acme/app', '--adopt'])
  t.equal(other.code, 0, other.stderr)
  t.match(other.stdout, /adopted the existing bare repository .*acme\/app\.git/)
  const twin = await gitward(dir, ['repo', 'create', 'Acme/App', '--visibility', 'public'])
  assertOneSentence(t, twin, 1, /differs from the registered project "acme\/app" only in letter case/, 'case twin')
  t.notOk(fs.existsSync(path.join(dir, 'repos', 'Acme')), 'nothing created for the twin')
})

t.test('every command but init and serve --init refuses a database that does not exist', async t => {
  const dir = t.testdir({ home: {} })
  for (const args of [['repo', 'list'], ['repo', 'create', 'acme/app'], ['token', 'revoke', 'abcdefghjkmn'], ['token', 'list'], ['group', 'set', 'acme', '--project-token-creation', 'disabled'], ['audit']]) {
    const r = await gitward(dir, args)
    assertOneSentence(t, r, 3, /^gitward: The database \/.*gitward\.db does not exist; create it with "gitward init"/, args.join(' '))
  }
  t.notOk(fs.existsSync(path.join(dir, 'gitward.db')), 'no database was created')
  const init = await gitward(dir, ['init'])
  t.equal(init.code, 0, init.stderr)
  t.match(init.stdout, /^Created the database \/.*gitward\.db\.\nCreated the repositories root \/.*repos\.\n$/)
  t.equal(fs.statSync(path.join(dir, 'gitward.db')).mode & 0o777, 0o600)
  const again = await gitward(dir, ['init'])
  t.match(again.stdout, /already exists; its schema is up to date/)
  t.equal((await gitward(dir, ['repo', 'list'])).code, 0)
})

t.test('bad input: one sentence, nothing changes', async t => {
  const dir = await initializedDir(t)
  t.equal((await gitward(dir, ['repo', 'create', 'acme/app'])).code, 0)
  fs.mkdirSync(path.join(dir, 'repos', 'acme', 'junk.git'))
  const db = path.join(dir, 'gitward.db')
  const table: Array<[string, string[], number, RegExp]> = [
    ['already registered', ['repo', 'create', 'acme/app'], 1, /^gitward: the project "acme\/app" is already registered\.\n$/],
    ['malformed path', ['repo', 'create', 'acme//app'], 1, /is not a valid project path: a path must not start or end with "\/" or contain "\/\/"\./],
    ['traversal', ['repo', 'create', '../etc'], 1, /must not start with "\."/],
    ['bad visibility', ['repo', 'create', 'acme/x', '--visibility', 'internal'], 1, /unknown visibility "internal"; use private or public\./],
    ['bad branch', ['repo', 'create', 'acme/y', '--default-branch', 'a b'], 1, /default_branch \(from --default-branch\)/],
    ['not a repository', ['repo', 'create', 'acme/junk'], 3, /already exists but is not a bare git repository/],
    ['missing path', ['repo', 'create'], 2, /missing required argument 'path'/],
    ['unknown repo option', ['repo', 'list', '--all'], 2, /unknown option '--all'; see "gitward repo list --help"/],
    ['no command', [], 2, /"gitward" needs a command: init, repo, token, group, [a-z, -]*\bserve\b[a-z, -]* or [a-z-]+;/],
    ['unknown command', ['tokens'], 2, /unknown command 'tokens'/],
  ]
  const before = counts(db)
  const results = await gitwardAll(dir, table.map(([, args]) => args))
  table.forEach(([label, , code, pattern], i) => assertOneSentence(t, results[i]!, code, pattern, label))
  t.same(counts(db), before, 'the database is unchanged')
  t.same(fs.readdirSync(path.join(dir, 'repos', 'acme')).sort(), ['app.git', 'junk.git'], 'no repository created')
  t.same(fs.readdirSync(path.join(dir, 'repos', 'acme', 'junk.git')), [], 'the foreign directory untouched')
})

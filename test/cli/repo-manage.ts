// `gitward repo set | remove`, and --json on repo create, token revoke and
// unprotect, through run(argv, io).
import t from 'tap'
import fs from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'
import { assertOneSentence, counts, gitward, initializedDir } from '../helpers/cli/bin.js'
import { checkJson, PROJECT, TOKEN } from '../helpers/cli/json-shape.js'

async function ok(dir: string, args: string[]) {
  const r = await gitward(dir, args)
  if (r.code !== 0) throw new Error(`${args.join(' ')}: ${r.stderr}`)
  return r
}

const auditActions = (db: string): string[] => {
  const raw = new Database(db, { readonly: true })
  try {
    return raw.prepare('SELECT action FROM audit ORDER BY id').pluck().all() as string[]
  } finally {
    raw.close()
  }
}

t.test('repo create --json', async t => {
  const dir = await initializedDir(t)
  const r = await ok(dir, ['repo', 'create', 'acme/app', '--json'])
  const v = checkJson(t, r.stdout, { ...PROJECT, repository: { dir: 'string', created: 'boolean' } }, 'repo create')
  t.match(v, { path: 'acme/app', visibility: 'private', default_branch: 'main', default_branch_protection: 'full', repository: { dir: /acme\/app\.git$/, created: true } })
  const list = checkJson(t, (await ok(dir, ['repo', 'list', '--json'])).stdout, [PROJECT], 'repo list')
  t.match(list, [{ path: 'acme/app' }])
})

t.test('repo set --visibility: audited, the same value again changes nothing', async t => {
  const dir = await initializedDir(t)
  const db = path.join(dir, 'gitward.db')
  await ok(dir, ['repo', 'create', 'acme/app'])
  const pub = await ok(dir, ['repo', 'set', 'acme/app', '--visibility', 'public', '--reason', 'open-sourced'])
  t.equal(pub.stdout, 'Project acme/app is now public (was private).\n')
  const raw = new Database(db, { readonly: true })
  const entry = raw.prepare("SELECT target, details FROM audit WHERE action = 'project.visibility_changed'").get() as { target: string; details: string }
  raw.close()
  t.same({ ...entry, details: JSON.parse(entry.details) as unknown }, { target: 'acme/app', details: { from: 'private', to: 'public', reason: 'open-sourced' } })
  const before = counts(db)
  const again = await ok(dir, ['repo', 'set', 'acme/app', '--visibility', 'public'])
  t.equal(again.stdout, 'Project acme/app already was public; nothing changed.\n')
  t.same(counts(db), before)
  const json = checkJson(t, (await ok(dir, ['repo', 'set', 'acme/app.git', '--visibility', 'private', '--json'])).stdout, { ...PROJECT, changed: 'boolean' }, 'repo set')
  t.match(json, { path: 'acme/app', visibility: 'private', changed: true })

  const after = counts(db)
  const table: Array<[string, string[], number, RegExp]> = [
    ['bad visibility', ['repo', 'set', 'acme/app', '--visibility', 'internal'], 1, /unknown visibility "internal"; use private or public\./],
    ['unknown project', ['repo', 'set', 'acme/nope', '--visibility', 'public'], 1, /no project "acme\/nope" is registered; register it with gitward repo create acme\/nope\./],
    ['bad path', ['repo', 'set', '../x', '--visibility', 'public'], 1, /is not a valid project path/],
    ['missing option', ['repo', 'set', 'acme/app'], 2, /required option '--visibility <visibility>' not specified/],
  ]
  for (const [label, args, code, pattern] of table) assertOneSentence(t, await gitward(dir, args), code, pattern, label)
  t.same(counts(db), after, 'refusals change nothing')
})

t.test('repo remove: needs --yes, refuses while active tokens are bound unless --revoke-tokens; the repository stays', async t => {
  const dir = await initializedDir(t)
  const db = path.join(dir, 'gitward.db')
  await ok(dir, ['repo', 'create', 'acme/app'])
  await ok(dir, ['repo', 'create', 'acme/other'])
  const repoDir = path.join(fs.realpathSync(dir), 'repos', 'acme', 'app.git')
  const tokenId = (r: { stdout: string }) => (JSON.parse(r.stdout) as { id: string }).id
  const a = tokenId(await ok(dir, ['token', 'create', '--project', 'acme/app', '--name', 'ci', '--scopes', 'read_repository', '--json']))
  const b = tokenId(await ok(dir, ['token', 'create', '--project', 'acme/app', '--name', 'old', '--scopes', 'read_repository', '--json']))
  await ok(dir, ['token', 'revoke', b])
  const keep = tokenId(await ok(dir, ['token', 'create', '--project', 'acme/other', '--name', 'ci', '--scopes', 'read_repository', '--json']))
  const group = tokenId(await ok(dir, ['token', 'create', '--group', 'acme', '--name', 'g', '--scopes', 'read_repository', '--json']))
  await ok(dir, ['protect', 'tag', 'acme/app', 'v*'])

  const before = counts(db)
  assertOneSentence(t, await gitward(dir, ['repo', 'remove', 'acme/app']), 1,
    /^gitward: removing the project "acme\/app" deletes its registration and every token bound to it; add --yes to confirm\.\n$/, 'no --yes')
  assertOneSentence(t, await gitward(dir, ['repo', 'remove', 'acme/app', '--yes']), 1,
    /1 active token is bound to the project "acme\/app" \(see gitward token list --project acme\/app\); revoke it first, or add --revoke-tokens to revoke it with the removal\./, 'active token')
  assertOneSentence(t, await gitward(dir, ['repo', 'remove', 'acme/nope', '--yes']), 1, /no project "acme\/nope" is registered/, 'unknown project')
  assertOneSentence(t, await gitward(dir, ['repo', 'remove', 'acme//x', '--yes']), 1, /is not a valid project path/, 'bad path')
  t.same(counts(db), before, 'refusals change nothing')

  const removed = await ok(dir, ['repo', 'remove', 'acme/app', '--yes', '--revoke-tokens', '--reason', 'retired'])
  t.equal(
    removed.stdout,
    `Removed the project acme/app; revoked 1 token (${a}); deleted 2 token records and 1 protection with it.\n` +
      `Its bare repository stays at ${repoDir} and is no longer served; delete it yourself, or register it again with gitward repo create acme/app --adopt.\n`,
  )
  t.ok(fs.existsSync(path.join(repoDir, 'HEAD')), 'the repository is kept on disk')
  t.same(auditActions(db).slice(-2), ['token.revoked', 'project.removed'])
  const after = counts(db)
  const n = (k: string) => before[k] ?? 0
  t.same(after, { ...before, projects: n('projects') - 1, tokens: n('tokens') - 2, revoked: n('revoked') - 1, audit: n('audit') + 2, protections: n('protections') - 1 })
  t.equal((await gitward(dir, ['token', 'show', a])).code, 1, 'the token record is gone')
  t.equal((await ok(dir, ['token', 'show', keep, '--json'])).code, 0, 'another project\'s token is kept')
  t.equal((await ok(dir, ['token', 'show', group, '--json'])).code, 0, 'the group token is kept')

  // Registering the path again needs --adopt: the old repository is still there.
  assertOneSentence(t, await gitward(dir, ['repo', 'create', 'acme/app']), 1, /already exists; add --adopt to register it as acme\/app/, 'no silent adoption')
  const adopted = await ok(dir, ['repo', 'create', 'acme/app', '--adopt'])
  t.match(adopted.stdout, /adopted the existing bare repository/)
  t.same((JSON.parse((await ok(dir, ['token', 'list', '--project', 'acme/app', '--all', '--json'])).stdout) as Array<{ id: string }>).map(x => x.id), [group], 'no old project token comes back')

  // No active token: --yes alone is enough. JSON shape.
  const json = checkJson(
    t,
    (await ok(dir, ['repo', 'remove', 'acme/app', '--yes', '--json'])).stdout,
    { ...PROJECT, revoked_tokens: ['string'], deleted_tokens: 'number', deleted_protections: 'number', repository: { dir: 'string', exists: 'boolean' } },
    'repo remove',
  )
  t.match(json, { path: 'acme/app', revoked_tokens: [], deleted_tokens: 0, deleted_protections: 0, repository: { dir: repoDir, exists: true } })
})

t.test('token revoke --json and unprotect --json', async t => {
  const dir = await initializedDir(t)
  await ok(dir, ['repo', 'create', 'acme/app'])
  const id = (JSON.parse((await ok(dir, ['token', 'create', '--project', 'acme/app', '--name', 'ci', '--scopes', 'read_repository', '--json'])).stdout) as { id: string }).id
  const revoked = checkJson(t, (await ok(dir, ['token', 'revoke', id, '--json'])).stdout, TOKEN, 'token revoke')
  t.match(revoked, { id, state: 'revoked', revoked_at: /Z$/ })
  await ok(dir, ['protect', 'tag', 'acme/app', 'v*'])
  const rule = checkJson(
    t,
    (await ok(dir, ['unprotect', 'tag', 'acme/app', 'v*', '--json'])).stdout,
    { kind: 'string', pattern: 'string', project: 'string', create: 'string', created_at: 'string', updated_at: 'string' },
    'unprotect',
  )
  t.match(rule, { kind: 'tag', pattern: 'v*', project: 'acme/app', create: 'maintainer' })
})

t.test('repo archive / unarchive: audited, repeated says it already was, --json, bad input', async t => {
  const dir = await initializedDir(t)
  const db = path.join(dir, 'gitward.db')
  await ok(dir, ['repo', 'create', 'acme/app'])
  const a = await ok(dir, ['repo', 'archive', 'acme/app'])
  t.equal(a.stdout, 'Archived the project acme/app: clones and fetches still work, pushes are refused.\n')
  const before = counts(db)
  t.equal((await ok(dir, ['repo', 'archive', 'acme/app'])).stdout, 'Project acme/app already was archived; nothing changed.\n')
  t.same(counts(db), before, 'nothing written')
  const list = JSON.parse((await ok(dir, ['repo', 'list', '--json'])).stdout) as Array<{ archived_at: string | null }>
  t.match(list, [{ archived_at: /Z$/ }])
  const shape = { ...PROJECT, changed: 'boolean' }
  t.match(checkJson(t, (await ok(dir, ['repo', 'unarchive', 'acme/app', '--json'])).stdout, shape, 'repo unarchive'), { archived_at: null, changed: true })
  t.equal((await ok(dir, ['repo', 'unarchive', 'acme/app'])).stdout, 'Project acme/app was not archived; nothing changed.\n')
  t.match(checkJson(t, (await ok(dir, ['repo', 'archive', 'acme/app', '--json'])).stdout, shape, 'repo archive'), { archived_at: /Z$/, changed: true })
  t.same(auditActions(db), ['project.created', 'project.archived', 'project.unarchived', 'project.archived'])
  const after = counts(db)
  assertOneSentence(t, await gitward(dir, ['repo', 'archive', 'acme/nope']), 1, /no project "acme\/nope" is registered/, 'unknown')
  assertOneSentence(t, await gitward(dir, ['repo', 'unarchive', '../x']), 1, /is not a valid project path/, 'bad path')
  assertOneSentence(t, await gitward(dir, ['repo', 'archive']), 2, /missing required argument 'path'/, 'no path')
  t.same(counts(db), after)
})

t.test('init --json', async t => {
  const dir = t.testdir({ home: {} })
  const shape = { database: { engine: 'string', file: 'string|null', created: 'boolean' }, repositories: { dir: 'string', created: 'boolean' } }
  const first = await gitward(dir, ['init', '--json'])
  t.equal(first.code, 0, first.stderr)
  t.match(checkJson(t, first.stdout, shape, 'init'), { database: { engine: 'sqlite', file: /gitward\.db$/, created: true }, repositories: { dir: /repos$/, created: true } })
  const again = await gitward(dir, ['init', '--json'])
  t.match(checkJson(t, again.stdout, shape, 'init again'), { database: { created: false }, repositories: { created: false } })
})

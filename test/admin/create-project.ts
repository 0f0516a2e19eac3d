import t, { type Test } from 'tap'
import { rejectsWithCode as refused } from '../helpers/assertions.js'
import fs from 'node:fs'
import path from 'node:path'
import { execFileSync } from 'node:child_process'
import Database from 'better-sqlite3'
import { ManualClock } from '../../src/clock.js'
import { createProject } from '../../src/admin/create-project.js'
import { execFileGit } from '../../src/repo/run-git.js'
import { openSqliteStore } from '../../src/store/sqlite-store.js'

const actor = { user: 'alice' }

async function setup(t: Test, options: { busyTimeoutMs?: number; repos?: boolean } = {}) {
  const dir = t.testdir({ repos: {}, home: {} })
  const env = {
    PATH: process.env['PATH'] ?? '',
    HOME: path.join(dir, 'home'),
    GIT_TERMINAL_PROMPT: '0',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
  }
  const file = path.join(dir, 'gitward.db')
  const store = await openSqliteStore({ file, clock: new ManualClock(0), busyTimeoutMs: options.busyTimeoutMs ?? 2000 })
  t.teardown(() => store.close())
  const repos = path.join(dir, 'repos')
  const deps = { store, reposRoot: options.repos === false ? null : repos, defaultBranch: 'main', defaultBranchProtection: 'full', runGit: execFileGit({ env }) }
  return { dir, file, repos, store, deps, env }
}


t.test('registers the project and creates its bare repository', async t => {
  const { deps, repos, store } = await setup(t)
  const r = await createProject(deps, { path: 'acme/app.git', visibility: 'public' }, actor)
  t.match(r.project, { path: 'acme/app', visibility: 'public' })
  t.same(r.repository, { dir: path.join(fs.realpathSync(repos), 'acme', 'app.git'), created: true })
  t.ok(fs.existsSync(path.join(repos, 'acme', 'app.git', 'HEAD')))
  t.same((await store.listAudit()).map(e => e.action), ['project.created'])
})

t.test('without a repositories root it only registers', async t => {
  const { deps, repos } = await setup(t, { repos: false })
  const r = await createProject(deps, { path: 'acme/app', visibility: 'private' }, actor)
  t.equal(r.repository, null)
  t.same(fs.readdirSync(repos), [])
})

t.test('already registered, bad path, bad visibility: refused, nothing created', async t => {
  const { deps, repos } = await setup(t)
  await createProject(deps, { path: 'acme/app', visibility: 'private' }, actor)
  await refused(t, createProject(deps, { path: 'acme/app', visibility: 'private' }, actor), 'ALREADY_EXISTS', /already registered/)
  await refused(t, createProject(deps, { path: 'acme/../x', visibility: 'private' }, actor), 'INVALID_PATH')
  await refused(t, createProject(deps, { path: 'acme/other', visibility: 'internal' }, actor), 'INVALID_ARGUMENT', /private or public/)
  t.same(fs.readdirSync(path.join(repos, 'acme')), ['app.git'])
})

t.test('if registration fails, the repository just created is removed', async t => {
  // A second connection holds the write lock and this store will not wait:
  // the repository gets created, then the insert fails with DB_BUSY.
  const { deps, repos, file } = await setup(t, { busyTimeoutMs: 0 })
  const locker = new Database(file)
  t.teardown(() => locker.close())
  locker.exec('BEGIN IMMEDIATE')
  await refused(t, createProject(deps, { path: 'acme/app', visibility: 'private' }, actor), 'DB_BUSY')
  locker.exec('ROLLBACK')
  t.same(fs.readdirSync(repos), [], 'no repository and no empty parent left')
  t.equal(await deps.store.findProject('acme/app'), undefined)
})

t.test('if registration fails, an adopted repository is kept', async t => {
  const { deps, repos, file, env } = await setup(t, { busyTimeoutMs: 0 })
  fs.mkdirSync(path.join(repos, 'acme'))
  execFileSync('git', ['init', '--bare', '--quiet', path.join(repos, 'acme', 'app.git')], { env })
  const locker = new Database(file)
  t.teardown(() => locker.close())
  locker.exec('BEGIN IMMEDIATE')
  await refused(t, createProject(deps, { path: 'acme/app', visibility: 'private', adopt: true }, actor), 'DB_BUSY')
  locker.exec('ROLLBACK')
  t.ok(fs.existsSync(path.join(repos, 'acme', 'app.git', 'HEAD')))
  const r = await createProject(deps, { path: 'acme/app', visibility: 'private', adopt: true }, actor)
  t.equal(r.repository?.created, false, 'adopted on the next try')
})

t.test('a path that differs from a registered one only in letter case is refused (case-insensitive filesystems)', async t => {
  const { deps } = await setup(t)
  await createProject(deps, { path: 'acme/app', visibility: 'private' }, actor)
  await refused(t, createProject(deps, { path: 'Acme/App', visibility: 'public' }, actor), 'ALREADY_EXISTS', /"acme\/app" only in letter case/)
  t.same((await deps.store.listProjects()).map(p => p.path), ['acme/app'], 'nothing registered')
})

t.test('an existing bare repository is adopted only when asked', async t => {
  const { deps, repos, store, env } = await setup(t)
  const dir = path.join(repos, 'acme', 'app.git')
  fs.mkdirSync(dir, { recursive: true })
  execFileSync('git', ['init', '--bare', '--quiet', dir], { env })
  await refused(t, createProject(deps, { path: 'acme/app', visibility: 'public' }, actor), 'ALREADY_EXISTS', /already exists; add --adopt to register it as acme\/app/)
  t.same(await store.listProjects(), [], 'nothing registered')
  const adopted = await createProject(deps, { path: 'acme/app', visibility: 'public', adopt: true }, actor)
  t.same(adopted.repository, { dir: fs.realpathSync(dir), created: false })
})

t.test('run as root, a new repository belongs to the owner of the repositories root', { skip: process.geteuid?.() === 0 ? false : 'needs root to change owners' }, async t => {
  const { deps, repos } = await setup(t)
  fs.chownSync(repos, 4321, 4322)
  const r = await createProject(deps, { path: 'team/sub/app', visibility: 'private' }, actor)
  const owners = new Set<string>()
  const walk = (p: string): void => {
    const st = fs.lstatSync(p)
    owners.add(`${st.uid}:${st.gid}`)
    if (st.isDirectory()) for (const n of fs.readdirSync(p)) walk(path.join(p, n))
  }
  walk(r.repository?.dir as string)
  walk(path.join(repos, 'team'))
  t.same([...owners], ['4321:4322'], 'every new directory and file')
})

import t, { type Test } from 'tap'
import { rejectsWithCode as refused } from '../helpers/assertions.js'
import fs from 'node:fs'
import path from 'node:path'
import { execFileSync } from 'node:child_process'
import { createBareRepository, looksLikeBareRepository } from '../../src/repo/create-bare-repository.js'
import { execFileGit, gitEnvironment } from '../../src/repo/run-git.js'
import { GitwardError } from '../../src/errors.js'

function gitEnv(home: string): Record<string, string> {
  return {
    PATH: process.env['PATH'] ?? '',
    HOME: home,
    GIT_TERMINAL_PROMPT: '0',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
  }
}

function setup(t: Test) {
  // One testdir per test: a second t.testdir() call would replace the first.
  const dir = t.testdir({ root: {}, outside: {}, home: {} })
  const env = gitEnv(path.join(dir, 'home'))
  return {
    root: path.join(dir, 'root'),
    outside: path.join(dir, 'outside'),
    env,
    runGit: execFileGit({ env }),
  }
}


const tree = (dir: string): string[] => fs.readdirSync(dir, { recursive: true }).map(String).sort()

t.test('creates <root>/<path>.git as a bare repository with the default branch', async t => {
  const { root, runGit, env } = setup(t)
  const repo = await createBareRepository({ root, path: 'acme/sub/app', defaultBranch: 'trunk', runGit })
  t.equal(repo.dir, path.join(fs.realpathSync(root), 'acme', 'sub', 'app.git'))
  t.equal(repo.created, true)
  t.ok(looksLikeBareRepository(repo.dir))
  const bare = execFileSync('git', ['--git-dir', repo.dir, 'rev-parse', '--is-bare-repository'], { env, encoding: 'utf8' })
  t.equal(bare.trim(), 'true')
  t.equal(fs.readFileSync(path.join(repo.dir, 'HEAD'), 'utf8').trim(), 'ref: refs/heads/trunk')
})

t.test('a trailing .git in the path names the same repository; the root is created if missing', async t => {
  const { root, runGit } = setup(t)
  const fresh = path.join(root, 'not-yet')
  const repo = await createBareRepository({ root: fresh, path: 'acme/app.git', defaultBranch: 'main', runGit })
  t.equal(path.basename(repo.dir), 'app.git')
  t.ok(fs.existsSync(path.join(fresh, 'acme', 'app.git', 'HEAD')))
})

t.test('an existing bare repository is adopted only when asked, and never removed', async t => {
  const { root, runGit, env } = setup(t)
  fs.mkdirSync(path.join(root, 'acme'))
  execFileSync('git', ['init', '--bare', '--quiet', path.join(root, 'acme', 'app.git')], { env })
  fs.writeFileSync(path.join(root, 'acme', 'app.git', 'marker'), 'keep me')
  await refused(t, createBareRepository({ root, path: 'acme/app', defaultBranch: 'main', runGit }), 'ALREADY_EXISTS', /already exists; add --adopt/)
  const repo = await createBareRepository({ root, path: 'acme/app', defaultBranch: 'main', runGit, adopt: true })
  t.equal(repo.created, false)
  await repo.remove()
  t.equal(fs.readFileSync(path.join(root, 'acme', 'app.git', 'marker'), 'utf8'), 'keep me')
})

t.test('an existing directory that is not a bare repository is refused', async t => {
  const { root, runGit } = setup(t)
  fs.mkdirSync(path.join(root, 'acme', 'app.git'), { recursive: true })
  fs.writeFileSync(path.join(root, 'acme', 'app.git', 'notes.txt'), 'x')
  await refused(t, createBareRepository({ root, path: 'acme/app', defaultBranch: 'main', runGit }), 'REPOSITORY_ERROR', /not a bare git repository/)
  t.same(tree(path.join(root, 'acme', 'app.git')), ['notes.txt'], 'left as it was')
})

t.test('remove() deletes what was created, and only empty parents', async t => {
  const { root, runGit } = setup(t)
  const first = await createBareRepository({ root, path: 'acme/a/one', defaultBranch: 'main', runGit })
  const second = await createBareRepository({ root, path: 'acme/b/two', defaultBranch: 'main', runGit })
  await second.remove()
  t.same(tree(root).filter(p => !p.includes('.git/')), ['acme', 'acme/a', 'acme/a/one.git'])
  await first.remove()
  t.same(tree(root), [])
})

t.test('threat: a symlinked segment pointing outside the root is refused', async t => {
  const { root, outside, runGit } = setup(t)
  fs.symlinkSync(outside, path.join(root, 'acme'))
  await refused(t, createBareRepository({ root, path: 'acme/app', defaultBranch: 'main', runGit }), 'REPOSITORY_ERROR', /outside the repositories root/)
  t.same(tree(outside), [], 'nothing created outside')
})

t.test('threat: a deeper symlinked segment pointing outside is refused and created parents are removed', async t => {
  const { root, outside, runGit } = setup(t)
  fs.mkdirSync(path.join(root, 'acme'))
  fs.symlinkSync(outside, path.join(root, 'acme', 'sub'))
  await refused(t, createBareRepository({ root, path: 'acme/sub/x/app', defaultBranch: 'main', runGit }), 'REPOSITORY_ERROR')
  t.same(tree(outside), [])
  // A parent created on the way before the refusal is gone again.
  await refused(t, createBareRepository({ root, path: 'new/sub/app', defaultBranch: 'main', runGit: async () => {
    throw new GitwardError('REPOSITORY_ERROR', 'git failed')
  } }), 'REPOSITORY_ERROR', /git failed/)
  t.notOk(fs.existsSync(path.join(root, 'new')), 'parents created for a failed init are removed')
})

t.test('threat: the repository name itself as a symlink to outside is refused', async t => {
  const { root, outside, runGit, env } = setup(t)
  execFileSync('git', ['init', '--bare', '--quiet', path.join(outside, 'victim.git')], { env })
  fs.mkdirSync(path.join(root, 'acme'))
  fs.symlinkSync(path.join(outside, 'victim.git'), path.join(root, 'acme', 'app.git'))
  await refused(t, createBareRepository({ root, path: 'acme/app', defaultBranch: 'main', runGit }), 'REPOSITORY_ERROR', /outside/)
})

t.test('a symlink that stays inside the root is followed', async t => {
  const { root, runGit } = setup(t)
  fs.mkdirSync(path.join(root, 'real'))
  fs.symlinkSync(path.join(root, 'real'), path.join(root, 'alias'))
  const repo = await createBareRepository({ root, path: 'alias/app', defaultBranch: 'main', runGit })
  t.equal(repo.dir, path.join(fs.realpathSync(root), 'real', 'app.git'))
})

t.test('a root that is itself a symlink is resolved once and used', async t => {
  const { root, outside, runGit } = setup(t)
  const link = path.join(path.dirname(root), 'root-link')
  fs.symlinkSync(outside, link)
  const repo = await createBareRepository({ root: link, path: 'acme/app', defaultBranch: 'main', runGit })
  t.equal(repo.dir, path.join(fs.realpathSync(outside), 'acme', 'app.git'))
})

t.test('bad paths and branch names are refused before anything is created', async t => {
  const { root, runGit } = setup(t)
  await refused(t, createBareRepository({ root, path: '../escape', defaultBranch: 'main', runGit }), 'INVALID_PATH')
  await refused(t, createBareRepository({ root, path: 'a/.git/b', defaultBranch: 'main', runGit }), 'INVALID_PATH')
  await refused(t, createBareRepository({ root, path: 'acme/app', defaultBranch: '--upload-pack=x', runGit }), 'INVALID_ARGUMENT')
  await refused(t, createBareRepository({ root, path: 'acme/app', defaultBranch: 'a b', runGit }), 'INVALID_ARGUMENT')
  t.same(tree(root), [])
})

t.test('a branch name git refuses is refused with git\'s rule before anything is made', async t => {
  const { root, runGit } = setup(t)
  for (const [branch, rule] of [['bad..name', /must not contain "\.\."/], ['x.lock', /may end with "\.lock"/], ['-x', /must not start with "-"/]] as const) {
    await refused(t, createBareRepository({ root, path: 'acme/app', defaultBranch: branch, runGit }), 'INVALID_ARGUMENT', rule)
  }
  t.same(tree(root), [])
})

t.test('threat: GIT_DIR in the environment cannot redirect where the repository goes', async t => {
  const { root, outside, env } = setup(t)
  const runGit = execFileGit({ env: { ...env, GIT_DIR: path.join(outside, 'hijack.git'), GIT_WORK_TREE: outside } })
  const repo = await createBareRepository({ root, path: 'acme/app', defaultBranch: 'main', runGit })
  t.ok(looksLikeBareRepository(repo.dir))
  t.same(tree(outside), [])
  t.notOk('GIT_DIR' in gitEnvironment({ GIT_DIR: 'x', PATH: '/bin' }))
})

t.test('a missing git binary is one sentence', async t => {
  const { root, env } = setup(t)
  const runGit = execFileGit({ env, git: 'git-does-not-exist-here' })
  await refused(t, createBareRepository({ root, path: 'acme/app', defaultBranch: 'main', runGit }), 'REPOSITORY_ERROR', /was not found/)
})

t.test('a created repository records who pushed in its reflog', async t => {
  const root = t.testdir()
  const repo = await createBareRepository({ root, path: 'acme/app', defaultBranch: 'main', runGit: execFileGit({ env: { PATH: process.env['PATH'] } }) })
  const value = execFileSync('git', ['--git-dir', repo.dir, 'config', 'core.logAllRefUpdates'], { encoding: 'utf8' }).trim()
  t.equal(value, 'true')
})

import t from 'tap'
import type { Test } from 'tap'
import { execFileSync } from 'node:child_process'
import { mkdirSync, symlinkSync, writeFileSync, chmodSync } from 'node:fs'
import path from 'node:path'
import { checkRepositoryContainment, describeRefusal } from '../../src/backend/repository-containment.js'

const gitEnv = (home: string): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH,
  HOME: home,
  GIT_TERMINAL_PROMPT: '0',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
})

function layout(t: Test): { root: string; outside: string; bare: (dir: string) => void } {
  const dir = t.testdir({ root: { acme: {} }, outside: {}, home: {} })
  const home = path.join(dir, 'home')
  return {
    root: path.join(dir, 'root'),
    outside: path.join(dir, 'outside'),
    bare: (p: string) => {
      execFileSync('git', ['init', '--quiet', '--bare', p], { env: gitEnv(home) })
    },
  }
}

t.test('a normal bare repository is served', async t => {
  const { root, bare } = layout(t)
  bare(path.join(root, 'acme/app.git'))
  const r = await checkRepositoryContainment(root, 'acme/app')
  t.match(r, { ok: true, gitDir: path.join(root, 'acme/app.git') })
})

t.test('a symlink to another repository inside the root is served', async t => {
  const { root, bare } = layout(t)
  bare(path.join(root, 'acme/real.git'))
  symlinkSync(path.join(root, 'acme/real.git'), path.join(root, 'acme/alias.git'))
  const r = await checkRepositoryContainment(root, 'acme/alias')
  t.match(r, { ok: true, realGitDir: /acme\/real\.git$/ })
})

t.test('a root reached through a symlink still works (both sides resolved)', async t => {
  const { root, bare } = layout(t)
  bare(path.join(root, 'acme/app.git'))
  const link = path.join(path.dirname(root), 'root-link')
  symlinkSync(root, link)
  t.match(await checkRepositoryContainment(link, 'acme/app'), { ok: true })
})

t.test('attack: repository symlinked outside the root is refused', async t => {
  const { root, outside, bare } = layout(t)
  bare(path.join(outside, 'secret.git'))
  symlinkSync(path.join(outside, 'secret.git'), path.join(root, 'acme/app.git'))
  t.same(await checkRepositoryContainment(root, 'acme/app'), { ok: false, reason: 'outside-root' })
})

t.test('attack: parent directory symlinked outside the root is refused', async t => {
  const { root, outside, bare } = layout(t)
  bare(path.join(outside, 'app.git'))
  symlinkSync(outside, path.join(root, 'evil'))
  t.same(await checkRepositoryContainment(root, 'evil/app'), { ok: false, reason: 'outside-root' })
})

t.test('attack: sibling directory sharing the root as a name prefix is refused', async t => {
  const { root, bare } = layout(t)
  const sibling = `${root}-evil`
  bare(path.join(sibling, 'app.git'))
  symlinkSync(path.join(sibling, 'app.git'), path.join(root, 'acme/app.git'))
  t.same(await checkRepositoryContainment(root, 'acme/app'), { ok: false, reason: 'outside-root' })
})

t.test('attack: a gitfile pointing elsewhere is refused', async t => {
  const { root, outside, bare } = layout(t)
  bare(path.join(outside, 'secret.git'))
  writeFileSync(path.join(root, 'acme/app.git'), `gitdir: ${path.join(outside, 'secret.git')}\n`)
  t.same(await checkRepositoryContainment(root, 'acme/app'), { ok: false, reason: 'not-a-directory' })
})

t.test('attack: a .git entry inside the repository (git would follow it) is refused', async t => {
  const { root, outside, bare } = layout(t)
  bare(path.join(outside, 'secret.git'))
  bare(path.join(root, 'acme/app.git'))
  writeFileSync(path.join(root, 'acme/app.git/.git'), `gitdir: ${path.join(outside, 'secret.git')}\n`)
  t.same(await checkRepositoryContainment(root, 'acme/app'), { ok: false, reason: 'nested-git-entry' })
})

t.test('attack: a plain directory (git would try <dir>.git next) is refused', async t => {
  const { root, bare } = layout(t)
  mkdirSync(path.join(root, 'acme/app.git'))
  bare(path.join(root, 'acme/app.git.git'))
  t.same(await checkRepositoryContainment(root, 'acme/app'), { ok: false, reason: 'not-a-repository' })
})

t.test('missing repositories and dangling or looping links are "missing"', async t => {
  const { root } = layout(t)
  t.same(await checkRepositoryContainment(root, 'acme/none'), { ok: false, reason: 'missing' })
  t.same(await checkRepositoryContainment(root, 'nogroup/none'), { ok: false, reason: 'missing' })
  symlinkSync(path.join(root, 'nowhere'), path.join(root, 'acme/dangling.git'))
  t.same(await checkRepositoryContainment(root, 'acme/dangling'), { ok: false, reason: 'missing' })
  symlinkSync(path.join(root, 'acme/loop.git'), path.join(root, 'acme/loop.git'))
  t.same(await checkRepositoryContainment(root, 'acme/loop'), { ok: false, reason: 'missing' })
  writeFileSync(path.join(root, 'file'), 'x')
  t.same(await checkRepositoryContainment(root, 'file/app'), { ok: false, reason: 'missing' })
})

t.test('an unreadable root is an error, not a refusal', async t => {
  const { root, bare } = layout(t)
  bare(path.join(root, 'acme/app.git'))
  await t.rejects(checkRepositoryContainment(path.join(root, 'no-such-root'), 'acme/app'), { code: 'ENOENT' })
  if (process.getuid?.() !== 0) {
    chmodSync(path.join(root, 'acme'), 0o000)
    t.teardown(() => chmodSync(path.join(root, 'acme'), 0o755))
    await t.rejects(checkRepositoryContainment(root, 'acme/app'), { code: 'EACCES' })
  }
})

t.test('every refusal has a description', async t => {
  for (const r of ['missing', 'not-a-directory', 'outside-root', 'not-a-repository', 'nested-git-entry'] as const) {
    t.type(describeRefusal(r), 'string')
  }
})

// The protected-ref scenarios of issue 11, run with the real git client
// through a real gitward: once on the embedded backend, once on the
// documented nginx + fcgiwrap upstream with gitward's hook installed. Each
// refused push must print gitward's reason as `remote: gitward: …` and git's
// own `! [remote rejected]` line, change no ref and leave no new object.
import type { Test } from 'tap'
import { readdirSync, statSync, writeFileSync, chmodSync } from 'node:fs'
import { join, relative } from 'node:path'
import { makeWorkingCopy, type Harness } from './servers/gitward.js'
import { ROOT } from './paths/root.js'
import { bareDir, commitFiles } from './git/repos.js'

export interface ScenarioOptions {
  /** Called for every new bare repository (the external upstream installs gitward's hook here). */
  prepareRepository(bare: string): void
}

/** Every object file of a bare repository (loose objects and packs), for "nothing was written". */
export function objectFiles(bare: string): string[] {
  const root = join(bare, 'objects')
  const out: string[] = []
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name)
      if (statSync(p).isDirectory()) {
        // Quarantine directories live here only while a push runs.
        if (name !== 'info' && !name.startsWith('tmp_objdir')) walk(p)
      } else out.push(relative(root, p))
    }
  }
  walk(root)
  return out.sort()
}

/** The hook an nginx/Apache upstream installs (docs/access.md): gitward's hook entry, run by the repository. */
export function installGitwardHook(bare: string): void {
  const file = join(bare, 'hooks', 'pre-receive')
  writeFileSync(file, `#!/bin/sh\nexec '${process.execPath}' '${join(ROOT, 'dist', 'hook', 'main.js')}'\n`)
  chmodSync(file, 0o755)
}

async function refs(h: Harness, bare: string): Promise<string> {
  return (await h.git(['--git-dir', bare, 'for-each-ref', '--format=%(objectname) %(refname)'])).stdout
}

export function runProtectedRefScenarios(t: Test, h: Harness, options: ScenarioOptions): void {
  let n = 0
  /** A project with a first commit on main (pushed before any rule exists). */
  async function project(path: string, protection: 'none' | 'full' | 'full_after_initial_push' = 'none', seed = true) {
    await h.createProject(path, 'private', protection)
    const bare = bareDir(h, path)
    options.prepareRepository(bare)
    const owner = await h.mint({ project: path, role: 'owner', name: 'seed' })
    const wc = await makeWorkingCopy(h, `wc-${++n}`)
    if (seed) {
      const first = await h.git(['push', h.repoUrl(path, owner.token), 'main'], { cwd: wc })
      if (first.code !== 0) throw new Error(`seeding ${path} failed: ${first.stderr}`)
    }
    return { bare, wc, url: (token: string) => h.repoUrl(path, token) }
  }

  /** Push and expect a refusal carrying `reason`; nothing may change in `bare`. */
  async function refused(t: Test, bare: string, wc: string, args: string[], reason: RegExp, rejected: string[]): Promise<string> {
    const beforeRefs = await refs(h, bare)
    const beforeObjects = objectFiles(bare)
    const r = await h.git(args, { cwd: wc })
    t.not(r.code, 0, 'git reports the push failed')
    t.match(r.stderr, new RegExp(`remote: gitward: .*${reason.source}`), 'gitward\'s reason is printed')
    for (const ref of rejected) t.match(r.stderr, new RegExp(`! \\[remote rejected\\] +(\\S+ -> )?${ref.replace(/[/*.]/g, '\\$&')} \\(`), `git rejects ${ref}`)
    t.equal(await refs(h, bare), beforeRefs, 'no ref changed')
    t.same(objectFiles(bare), beforeObjects, 'no object was written')
    return r.stderr
  }

  t.test('developer push to a protected main is refused, maintainer allowed', async t => {
    const p = await project('acme/app1')
    await h.cli(['protect', 'branch', 'acme/app1', 'main']).then(r => t.equal(r.code, 0, r.stderr))
    const dev = await h.mint({ project: 'acme/app1', role: 'developer' })
    const maint = await h.mint({ project: 'acme/app1', role: 'maintainer' })
    await commitFiles(h, p.wc, { 'a.txt': 'a\n' })
    await refused(t, p.bare, p.wc, ['push', p.url(dev.token), 'main'], /You are not allowed to push code to protected branches on this project\. \(main, rule "main"\)/, ['main'])
    const ok = await h.git(['push', p.url(maint.token), 'main'], { cwd: p.wc })
    t.equal(ok.code, 0, ok.stderr)
  })

  t.test('force-push is refused for a maintainer unless the rule allows it', async t => {
    const p = await project('acme/app2')
    await h.cli(['protect', 'branch', 'acme/app2', 'main'])
    const maint = await h.mint({ project: 'acme/app2', role: 'maintainer' })
    await h.git(['commit', '-q', '--amend', '-m', 'rewritten'], { cwd: p.wc })
    await refused(t, p.bare, p.wc, ['push', '--force', p.url(maint.token), 'main'], /You are not allowed to force push code to a protected branch on this project\. \(main, rule "main"\)/, ['main'])
    const allow = await h.cli(['protect', 'branch', 'acme/app2', 'main', '--allow-force-push'])
    t.equal(allow.code, 0, allow.stderr)
    const ok = await h.git(['push', '--force', p.url(maint.token), 'main'], { cwd: p.wc })
    t.equal(ok.code, 0, ok.stderr)
  })

  t.test('deleting a protected branch is refused, even for an owner', async t => {
    const p = await project('acme/app3')
    await h.cli(['protect', 'branch', 'acme/app3', 'main'])
    const owner = await h.mint({ project: 'acme/app3', role: 'owner' })
    await refused(t, p.bare, p.wc, ['push', p.url(owner.token), ':main'], /You are not allowed to delete protected branches from this project; unprotect the branch first\. \(main, rule "main"\)/, ['main'])
  })

  t.test('a developer cannot create release/1 under a release/* rule', async t => {
    const p = await project('acme/app4')
    await h.cli(['protect', 'branch', 'acme/app4', 'release/*'])
    const dev = await h.mint({ project: 'acme/app4', role: 'developer' })
    await refused(t, p.bare, p.wc, ['push', p.url(dev.token), 'main:release/1'], /You are not allowed to create protected branches on this project\. \(release\/1, rule "release\/\*"\)/, ['release/1'])
    const other = await h.git(['push', p.url(dev.token), 'main:feature/x'], { cwd: p.wc })
    t.equal(other.code, 0, `an unprotected branch is free: ${other.stderr}`)
  })

  t.test('a group rule is inherited by a project in a subgroup', async t => {
    const p = await project('corp/team/app')
    const set = await h.cli(['protect', 'branch', 'corp', 'main'])
    t.equal(set.code, 0, set.stderr)
    const dev = await h.mint({ group: 'corp', role: 'developer' })
    await commitFiles(h, p.wc, { 'b.txt': 'b\n' })
    await refused(t, p.bare, p.wc, ['push', p.url(dev.token), 'main'], /You are not allowed to push code to protected branches on this project\. \(main, rule "main" of group corp\)/, ['main'])
  })

  t.test('protected tags: a developer cannot create one; nobody moves one', async t => {
    const p = await project('acme/app5')
    await h.cli(['protect', 'tag', 'acme/app5', 'v*'])
    const dev = await h.mint({ project: 'acme/app5', role: 'developer' })
    const owner = await h.mint({ project: 'acme/app5', role: 'owner' })
    await h.git(['tag', 'v1.0'], { cwd: p.wc })
    await refused(t, p.bare, p.wc, ['push', p.url(dev.token), 'v1.0'], /You are not allowed to create this tag as it is protected\. \(v1\.0, rule "v\*"\)/, ['v1.0'])
    const made = await h.git(['push', p.url(owner.token), 'v1.0'], { cwd: p.wc })
    t.equal(made.code, 0, made.stderr)
    await commitFiles(h, p.wc, { 'c.txt': 'c\n' })
    await h.git(['tag', '-f', 'v1.0'], { cwd: p.wc })
    await refused(t, p.bare, p.wc, ['push', '--force', p.url(owner.token), 'v1.0'], /Protected tags cannot be updated\. \(v1\.0, rule "v\*"\)/, ['v1.0'])
  })

  t.test('full_after_initial_push lets the first push in, not the second', async t => {
    const p = await project('acme/app6', 'full_after_initial_push', false)
    const dev = await h.mint({ project: 'acme/app6', role: 'developer' })
    const first = await h.git(['push', p.url(dev.token), 'main'], { cwd: p.wc })
    t.equal(first.code, 0, first.stderr)
    await commitFiles(h, p.wc, { 'd.txt': 'd\n' })
    await refused(t, p.bare, p.wc, ['push', p.url(dev.token), 'main'], /You are not allowed to push code to protected branches on this project\. \(main, default branch protection "full_after_initial_push"\)/, ['main'])
  })

  t.test('full_after_initial_push: creating the default branch in a repository with refs is not an initial push', async t => {
    const p = await project('acme/app9', 'full_after_initial_push', false)
    const dev = await h.mint({ project: 'acme/app9', role: 'developer' })
    const other = await h.git(['push', p.url(dev.token), 'main:topic'], { cwd: p.wc })
    t.equal(other.code, 0, other.stderr)
    await refused(t, p.bare, p.wc, ['push', p.url(dev.token), 'main'], /You are not allowed to create protected branches on this project\. \(main, default branch protection "full_after_initial_push"\)/, ['main'])
  })

  t.test("a token with --refs 'refs/tags/v*' pushes v1.0 and nothing else", async t => {
    const p = await project('acme/app7')
    const ci = await h.mint({ project: 'acme/app7', role: 'developer', refRules: ['refs/tags/v*'] })
    await h.git(['tag', 'v1.0'], { cwd: p.wc })
    const tag = await h.git(['push', p.url(ci.token), 'v1.0'], { cwd: p.wc })
    t.equal(tag.code, 0, tag.stderr)
    await commitFiles(h, p.wc, { 'e.txt': 'e\n' })
    await refused(t, p.bare, p.wc, ['push', p.url(ci.token), 'main'], /This token is not allowed to push to this ref\. \(refs\/heads\/main, token refs "refs\/tags\/v\*"\)/, ['main'])
    await refused(t, p.bare, p.wc, ['push', p.url(ci.token), 'main:refs/heads/other'], /token refs/, ['other'])
  })

  t.test('a mixed push with one refused ref changes no ref', async t => {
    const p = await project('acme/app8')
    await h.cli(['protect', 'branch', 'acme/app8', 'main'])
    const dev = await h.mint({ project: 'acme/app8', role: 'developer' })
    await commitFiles(h, p.wc, { 'f.txt': 'f\n' })
    const err = await refused(t, p.bare, p.wc, ['push', p.url(dev.token), 'main', 'main:feature/ok'], /You are not allowed to push code to protected branches/, ['main', 'feature/ok'])
    t.match(err, /feature\/ok \(push refused as a whole: another ref was refused\)|feature\/ok \(pre-receive hook declined\)/)
  })

  t.test('a force-push refused by the hook leaves no object and no ref behind', async t => {
    const p = await project('acme/app10')
    await h.cli(['protect', 'branch', 'acme/app10', 'main'])
    const maint = await h.mint({ project: 'acme/app10', role: 'maintainer' })
    await h.git(['reset', '-q', '--hard', 'HEAD'], { cwd: p.wc })
    await h.git(['checkout', '-q', '--orphan', 'fresh'], { cwd: p.wc })
    await commitFiles(h, p.wc, { 'big.bin': Buffer.alloc(200_000, 7), 'g.txt': 'unrelated history\n' }, 'unrelated')
    await refused(t, p.bare, p.wc, ['push', '--force', p.url(maint.token), 'fresh:main'], /force push code to a protected branch/, ['main'])
  })
}

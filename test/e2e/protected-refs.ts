// Protected branches and tags, default-branch protection and per-token ref
// rules on the embedded backend: the gate refuses what the ref names decide,
// gitward's pre-receive hook what only the objects can (force-push, an empty
// repository). The same scenarios run on nginx + fcgiwrap in
// protected-refs-upstream.ts.
import t from 'tap'
import { writeFileSync, chmodSync, readFileSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { startGitward, makeWorkingCopy } from '../helpers/servers/gitward.js'
import { bareDir, commitFiles } from '../helpers/git/repos.js'
import { runProtectedRefScenarios } from '../helpers/protected-refs-scenarios.js'

t.test('embedded backend', async t => {
  t.ok(existsSync(join(import.meta.dirname, '..', '..', 'dist', 'hook', 'main.js')), 'built (npm test builds in pretest)')
  const h = await startGitward(t)
  runProtectedRefScenarios(t, h, { prepareRepository: () => {} })

  t.test("a repository's own hooks keep running beside gitward's", async t => {
    await h.createProject('acme/hooked')
    const bare = bareDir(h, 'acme/hooked')
    const log = join(h.dir, 'own-hooks.log')
    for (const name of ['pre-receive', 'post-receive']) {
      const file = join(bare, 'hooks', name)
      writeFileSync(file, `#!/bin/sh\ncat >> '${log}'\necho ${name} >> '${log}'\n`)
      chmodSync(file, 0o755)
    }
    const cli = await h.cli(['protect', 'branch', 'acme/hooked', 'main'])
    t.equal(cli.code, 0, cli.stderr)
    const owner = await h.mint({ project: 'acme/hooked', role: 'owner' })
    const wc = await makeWorkingCopy(h, 'wc-hooked')
    const first = await h.git(['push', h.repoUrl('acme/hooked', owner.token), 'main'], { cwd: wc })
    t.equal(first.code, 0, first.stderr)
    await commitFiles(h, wc, { 'x.txt': 'x\n' })
    // An update of a protected branch: gitward's hook checks it, then chains.
    const second = await h.git(['push', h.repoUrl('acme/hooked', owner.token), 'main'], { cwd: wc })
    t.equal(second.code, 0, second.stderr)
    const text = readFileSync(log, 'utf8')
    t.equal(text.match(/^pre-receive$/gm)?.length, 2, 'the own pre-receive ran for both pushes')
    t.equal(text.match(/^post-receive$/gm)?.length, 2, 'the own post-receive ran for both pushes')
    t.match(text, / refs\/heads\/main\n/, 'with the ref lines on its standard input')

    // The administrator's own pre-receive still has the last word.
    writeFileSync(join(bare, 'hooks', 'pre-receive'), '#!/bin/sh\necho "own hook says no" >&2\nexit 1\n')
    await commitFiles(h, wc, { 'y.txt': 'y\n' })
    const third = await h.git(['push', h.repoUrl('acme/hooked', owner.token), 'main'], { cwd: wc })
    t.not(third.code, 0)
    t.match(third.stderr, /remote: own hook says no/)
  })
})

// The embedded backend reached over its private Unix socket
// (embedded_transport = "socket") serves the same clones and pushes, with
// the same identity, as the default in-process call.
import t from 'tap'
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { startGitward, makeWorkingCopy } from '../helpers/servers/gitward.js'

for (const transport of ['socket', 'in-process'] as const) {
  t.test(`push and clone, protocol v0 and v2, embedded_transport=${transport}`, async t => {
    const h = await startGitward(t, { config: { embedded_transport: transport } })
    await h.createProject('acme/app')
    const { id, token } = await h.mint({ project: 'acme/app' })
    const wc = await makeWorkingCopy(h, 'wc')
    const push = await h.git(['push', h.repoUrl('acme/app', token), 'main'], { cwd: wc })
    t.equal(push.code, 0, push.stderr)
    const bare = join(h.repos, 'acme', 'app.git')
    const who = execFileSync('git', ['--git-dir', bare, 'log', '-g', '--format=%gn', 'refs/heads/main'], { encoding: 'utf8' }).trim()
    t.equal(who, `project_${id}_bot`)
    for (const version of ['0', '2']) {
      const clone = await h.git(['-c', `protocol.version=${version}`, 'clone', '-q', h.repoUrl('acme/app', token), `clone-v${version}`])
      t.equal(clone.code, 0, clone.stderr)
    }
    const denied = await h.git(['ls-remote', h.repoUrl('acme/app')])
    t.not(denied.code, 0)
    t.equal(h.app.backend?.activeProcesses(), 0)
  })
}

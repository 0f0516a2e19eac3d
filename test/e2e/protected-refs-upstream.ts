// Protected refs in front of the documented nginx + fcgiwrap upstream
// (config/nginx-upstream.conf): the gate decides the name rules from the
// push's ref updates and answers with a report-status; the repositories
// carry the hook docs/access.md tells an administrator to install, which
// reads the policy nginx passes on (GITWARD_REF_POLICY) and refuses
// force-pushes and non-initial first pushes. Same scenarios as the embedded
// backend (protected-refs.ts).
import t from 'tap'
import { join } from 'node:path'
import { startGitward } from '../helpers/servers/gitward.js'
import { startNginxUpstream } from '../helpers/servers/nginx-upstream.js'
import { installGitwardHook, runProtectedRefScenarios } from '../helpers/protected-refs-scenarios.js'

t.test('nginx + fcgiwrap upstream with gitward\'s hook installed', async t => {
  const dir = t.testdir({ repositories: {}, nginx: {} })
  const repos = join(dir, 'repositories')
  const started = await startNginxUpstream({ reposRoot: repos, dir: join(dir, 'nginx') })
  if (!started.available) {
    t.pass('nginx upstream', { skip: started.reason })
    return
  }
  const up = started
  t.teardown(() => up.stop())
  const h = await startGitward(t, { repos, config: { upstream: up.url } })
  runProtectedRefScenarios(t, h, {
    prepareRepository: bare => {
      installGitwardHook(bare)
      up.handOver(bare)
    },
  })
})

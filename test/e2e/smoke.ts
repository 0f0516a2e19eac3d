import t from 'tap'
import { startGitward, makeWorkingCopy } from '../helpers/servers/gitward.js'

t.test('push then clone through the gate', async t => {
  const h = await startGitward(t)
  await h.createProject('acme/app')
  const { token } = await h.mint({ project: 'acme/app' })
  const wc = await makeWorkingCopy(h, 'wc')
  const push = await h.git(['push', h.repoUrl('acme/app', token), 'main'], { cwd: wc })
  t.equal(push.code, 0, push.stderr)
  const clone = await h.git(['clone', h.repoUrl('acme/app', token), 'clone'])
  t.equal(clone.code, 0, clone.stderr)
  const anon = await h.git(['clone', h.repoUrl('acme/app'), 'clone2'])
  t.not(anon.code, 0)
  console.error(anon.stderr)
})

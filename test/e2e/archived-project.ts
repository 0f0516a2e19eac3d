// An archived project through a real server and the real git client, on the
// embedded backend and in front of the documented nginx + fcgiwrap
// upstream: `gitward repo archive` (the real CLI, against the running
// server's database) makes the very next push fail with GitLab's
// `remote: You are not allowed to push code to an archived project.` and
// leaves the repository untouched; clone and fetch still work; after
// `gitward repo unarchive` the same push goes through.
import t, { type Test } from 'tap'
import { join } from 'node:path'
import { startGitward, makeWorkingCopy, type Harness } from '../helpers/servers/gitward.js'
import { bareDir, commitFiles, revParse, workHead } from '../helpers/git/repos.js'
import { infoRefsUrl, request } from '../helpers/http/request.js'
import { startNginxUpstream } from '../helpers/servers/nginx-upstream.js'
import { objectFiles } from '../helpers/protected-refs-scenarios.js'

const ARCHIVED = 'You are not allowed to push code to an archived project.'

async function scenario(t: Test, h: Harness, prepare: (bare: string) => void): Promise<void> {
  await h.createProject('acme/app')
  const bare = bareDir(h, 'acme/app')
  prepare(bare)
  const { token } = await h.mint({ project: 'acme/app', role: 'owner', scopes: ['api'] })
  const url = h.repoUrl('acme/app', token)
  const wc = await makeWorkingCopy(h, 'wc')
  const first = await h.git(['push', url, 'main'], { cwd: wc })
  t.equal(first.code, 0, first.stderr)

  const archived = await h.cli(['repo', 'archive', 'acme/app', '--reason', 'read-only from now on'])
  t.equal(archived.code, 0, archived.stderr)
  t.equal(archived.stdout, 'Archived the project acme/app: clones and fetches still work, pushes are refused.\n')

  await commitFiles(h, wc, { 'later.txt': 'later\n' }, 'after archiving')
  const before = { main: await revParse(h, bare, 'main'), objects: objectFiles(bare) }
  const refused = await h.git(['push', url, 'main'], { cwd: wc })
  t.not(refused.code, 0, 'the push fails')
  t.match(refused.stderr, `remote: ${ARCHIVED}`, 'git shows the reason as remote:')
  t.equal(await revParse(h, bare, 'main'), before.main, 'main did not move')
  t.same(objectFiles(bare), before.objects, 'no object was written')

  // The push advertisement is refused as a plain-text 403.
  const res = await request(infoRefsUrl(h.url, 'acme/app', 'git-receive-pack'), { token })
  t.equal(res.status, 403)
  t.match(res.headers['content-type'], /^text\/plain/)
  t.equal(res.body.trim(), ARCHIVED)

  const clone = await h.git(['clone', url, join(h.dir, 'clone')])
  t.equal(clone.code, 0, `clone of an archived project works: ${clone.stderr}`)
  const fetch = await h.git(['fetch', url, 'main'], { cwd: join(h.dir, 'clone') })
  t.equal(fetch.code, 0, fetch.stderr)

  const unarchived = await h.cli(['repo', 'unarchive', 'acme/app', '--json'])
  t.equal(unarchived.code, 0, unarchived.stderr)
  t.match(JSON.parse(unarchived.stdout), { path: 'acme/app', archived_at: null, changed: true })
  const again = await h.git(['push', url, 'main'], { cwd: wc })
  t.equal(again.code, 0, again.stderr)
  t.equal(await revParse(h, bare, 'main'), await workHead(h, wc), 'the push landed after unarchive')

  const audit = await h.cli(['audit', '--action', 'project', '--json'])
  t.same((JSON.parse(audit.stdout) as Array<{ action: string }>).map(e => e.action), ['project.created', 'project.archived', 'project.unarchived'])
}

t.test('embedded backend', async t => {
  const h = await startGitward(t)
  await scenario(t, h, () => {})
})

t.test('nginx + fcgiwrap upstream', async t => {
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
  await scenario(t, h, bare => up.handOver(bare))
})

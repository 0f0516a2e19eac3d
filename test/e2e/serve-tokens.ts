// Which projects a token reaches, driven by the real git client: a project
// token reaches its project only; a group token reaches every project under
// its group at any depth, anchored at a segment boundary, so `acme` never
// reaches `acme-evil/app`. Pushes record the token's bot name (never the
// token) as the reflog identity, and a client cannot choose that name.
import t from 'tap'
import { startGitward, makeWorkingCopy, type Harness } from '../helpers/servers/gitward.js'
import { bareDir, revParse, remoteLines, workHead } from '../helpers/git/repos.js'
import { infoRefsUrl, request } from '../helpers/http/request.js'

const NOT_FOUND = "The project you were looking for could not be found or you don't have permission to view it."
const PROJECTS = ['acme/app', 'acme/sub/app', 'acme-evil/app', 'other/app'] as const

type Outcome = 'ok' | 404

interface Row {
  token: 'project acme/app' | 'group acme' | 'group acme/sub'
  reaches: Record<(typeof PROJECTS)[number], Outcome>
}

const TABLE: Row[] = [
  { token: 'project acme/app', reaches: { 'acme/app': 'ok', 'acme/sub/app': 404, 'acme-evil/app': 404, 'other/app': 404 } },
  { token: 'group acme', reaches: { 'acme/app': 'ok', 'acme/sub/app': 'ok', 'acme-evil/app': 404, 'other/app': 404 } },
  { token: 'group acme/sub', reaches: { 'acme/app': 404, 'acme/sub/app': 'ok', 'acme-evil/app': 404, 'other/app': 404 } },
]

async function reflogIdentity(h: Harness, project: string, ref: string): Promise<string> {
  const r = await h.git(['--git-dir', bareDir(h, project), 'log', '-g', '-1', '--format=%gn', ref])
  return r.stdout.trim()
}

t.test('project and group tokens reach exactly their projects', async t => {
  const h = await startGitward(t)
  for (const p of PROJECTS) {
    await h.createProject(p)
    // Bare repositories keep no reflog unless asked; the reflog is where git
    // http-backend records REMOTE_USER.
    t.equal((await h.git(['--git-dir', bareDir(h, p), 'config', 'core.logAllRefUpdates', 'true'])).code, 0)
  }
  const scopes = ['read_repository', 'write_repository'] as const
  const tokens = {
    'project acme/app': await h.mint({ project: 'acme/app', role: 'developer', scopes: [...scopes] }),
    'group acme': await h.mint({ group: 'acme', role: 'developer', scopes: [...scopes] }),
    'group acme/sub': await h.mint({ group: 'acme/sub', role: 'developer', scopes: [...scopes] }),
  }
  const wc = await makeWorkingCopy(h, 'wc')
  const head = await workHead(h, wc)

  for (const row of TABLE) {
    const { id, token } = tokens[row.token]
    const bot = `${row.token.startsWith('group') ? 'group' : 'project'}_${id}_bot`
    for (const project of PROJECTS) {
      const expected = row.reaches[project]
      await t.test(`${row.token} → ${project}: ${expected === 'ok' ? 'pull and push' : 'not found'}`, async t => {
        const url = h.repoUrl(project, token)
        const branch = `by-${row.token.replace(/[^a-z]+/g, '-')}`
        const pull = await h.git(['ls-remote', url])
        const push = await h.git(['push', url, `HEAD:refs/heads/${branch}`], { cwd: wc })
        const pushed = await revParse(h, bareDir(h, project), `refs/heads/${branch}`)
        if (expected === 'ok') {
          t.equal(pull.code, 0, pull.stderr)
          t.equal(push.code, 0, push.stderr)
          t.equal(pushed, head, 'the branch arrived')
          t.equal(await reflogIdentity(h, project, `refs/heads/${branch}`), bot, 'the reflog names the token bot')
        } else {
          t.not(pull.code, 0)
          t.not(push.code, 0)
          t.same(remoteLines(pull.stderr), [NOT_FOUND], pull.stderr)
          t.same(remoteLines(push.stderr), [NOT_FOUND], push.stderr)
          t.equal(pushed, '', 'nothing was pushed')
          const answer = await request(infoRefsUrl(h.url, project, 'git-upload-pack'), { token })
          t.equal(answer.status, 404)
          t.equal(answer.body, `${NOT_FOUND}\n`)
          t.equal(answer.headers['www-authenticate'], undefined, 'no challenge: the token is fine, the project is not its')
        }
      })
    }
  }

  await t.test('the answer for a project outside the token is the answer for no project at all', async t => {
    const { token } = tokens['group acme']
    const covered = await request(infoRefsUrl(h.url, 'other/app', 'git-upload-pack'), { token })
    const missing = await request(infoRefsUrl(h.url, 'acme/does-not-exist', 'git-upload-pack'), { token })
    t.equal(covered.status, missing.status)
    t.equal(covered.body, missing.body)
  })

  await t.test('attack: a client-sent identity header does not change the pushing identity', async t => {
    const { id, token } = tokens['project acme/app']
    const url = h.repoUrl('acme/app', token)
    const push = await h.git(
      ['-c', 'http.extraHeader=X-Gitward-Remote-User: evil', '-c', 'http.extraHeader=X-Gitward-User: evil', 'push', url, 'HEAD:refs/heads/spoofed'],
      { cwd: wc },
    )
    t.equal(push.code, 0, push.stderr)
    t.equal(await reflogIdentity(h, 'acme/app', 'refs/heads/spoofed'), `project_${id}_bot`)
  })
})

// Rotating and revoking through the HTTP API end to end (curl and git):
// project and group tokens, the self endpoints, and what happens to the
// tokens involved on their very next git request.
import t from 'tap'
import { join } from 'node:path'
import { startGitward, makeWorkingCopy, type Harness } from '../helpers/servers/gitward.js'
import { curl } from '../helpers/api/curl.js'

async function seed(h: Harness, project: string, token: string): Promise<void> {
  const wc = await makeWorkingCopy(h, `seed-${project.replace(/\//g, '-')}`)
  const push = await h.git(['push', h.repoUrl(project, token), 'main'], { cwd: wc })
  if (push.code !== 0) throw new Error(push.stderr)
}

const fetchWith = async (h: Harness, project: string, token: string, name: string): Promise<number> =>
  (await h.git(['clone', '-q', h.repoUrl(project, token), join(h.dir, name)])).code

t.test('project tokens: rotate (new secret, a week out, old refused at once) and revoke (refused at once)', async t => {
  const h = await startGitward(t)
  await h.createProject('acme/app')
  const owner = await h.mint({ project: 'acme/app', role: 'owner', scopes: ['api', 'read_repository', 'write_repository'] })
  await seed(h, 'acme/app', owner.token)
  const ci = await h.mint({ project: 'acme/app', role: 'developer', scopes: ['read_repository'], expiresAt: '2026-12-01', name: 'ci' })
  const base = '/api/v4/projects/acme%2Fapp/access_tokens'
  const list = await curl(h.url, 'GET', base, { token: owner.token })
  const ciNumber = list.list.find(x => x.gitward_id === ci.id)!.id
  t.equal(await fetchWith(h, 'acme/app', ci.token, 'c1'), 0)

  const rotated = await curl(h.url, 'POST', `${base}/${ciNumber}/rotate`, { token: owner.token })
  t.equal(rotated.status, 200, rotated.text)
  h.tokens.push(rotated.json.token)
  t.match(rotated.json, { name: 'ci', access_level: 30, scopes: ['read_repository'], expires_at: '2026-06-22', active: true })
  t.not(rotated.json.id, ciNumber, 'a new integer id')
  t.not(rotated.json.token, ci.token)
  t.equal(await fetchWith(h, 'acme/app', ci.token, 'c2'), 128, 'the old token fails its next git request')
  t.equal(await fetchWith(h, 'acme/app', rotated.json.token, 'c3'), 0, 'the new one works at once')
  const old = await curl(h.url, 'GET', `${base}/${ciNumber}`, { token: owner.token })
  t.match(old.json, { revoked: true, active: false })

  const again = await curl(h.url, 'POST', `${base}/${ciNumber}/rotate`, { token: owner.token })
  t.equal(again.status, 400, 'a revoked token cannot be rotated')
  t.match(again.json.error, /revoked and cannot be rotated/)

  const withDate = await curl(h.url, 'POST', `${base}/${rotated.json.id}/rotate`, { token: owner.token, json: { expires_at: '2026-09-30' } })
  t.equal(withDate.status, 200, withDate.text)
  h.tokens.push(withDate.json.token)
  t.equal(withDate.json.expires_at, '2026-09-30')

  const del = await curl(h.url, 'DELETE', `${base}/${withDate.json.id}`, { token: owner.token })
  t.equal(del.status, 204)
  t.equal(del.text, '')
  t.equal(await fetchWith(h, 'acme/app', withDate.json.token, 'c4'), 128, 'revoked through the API: its next git request fails')
  const twice = await curl(h.url, 'DELETE', `${base}/${withDate.json.id}`, { token: owner.token })
  t.equal(twice.status, 400)

  const audit = (await h.admin.listAudit()).filter(e => e.actor === `token:${owner.id}`).map(e => e.action)
  t.same(audit, ['token.rotated', 'token.rotated', 'token.revoked'], 'every API change names the acting token')
})

t.test('group tokens: list, rotate and revoke under /groups/:id by a group owner', async t => {
  const h = await startGitward(t)
  await h.createProject('acme/sub/app')
  const owner = await h.mint({ group: 'acme', role: 'owner', scopes: ['api', 'read_repository', 'write_repository'] })
  await seed(h, 'acme/sub/app', owner.token)
  const mirror = await h.mint({ group: 'acme/sub', role: 'reporter', scopes: ['read_repository'], name: 'mirror' })
  const base = '/api/v4/groups/acme%2Fsub/access_tokens'
  const list = await curl(h.url, 'GET', base, { token: owner.token })
  t.same(list.list.map(x => x.name), ['mirror'], "a group's own tokens only")
  const n = list.list[0]!.id
  const rotated = await curl(h.url, 'POST', `${base}/${n}/rotate`, { token: owner.token })
  t.equal(rotated.status, 200, rotated.text)
  h.tokens.push(rotated.json.token)
  t.equal(await fetchWith(h, 'acme/sub/app', mirror.token, 'g1'), 128)
  t.equal(await fetchWith(h, 'acme/sub/app', rotated.json.token, 'g2'), 0)
  t.equal((await curl(h.url, 'DELETE', `${base}/${rotated.json.id}`, { token: owner.token })).status, 204)
  t.equal(await fetchWith(h, 'acme/sub/app', rotated.json.token, 'g3'), 128)
})

t.test('self: info, rotate (api or self_rotate), revoke; a rotated-away token is refused and revokes nothing', async t => {
  const h = await startGitward(t)
  await h.createProject('acme/app')
  const job = await h.mint({ project: 'acme/app', role: 'developer', scopes: ['read_repository', 'write_repository', 'self_rotate'], expiresAt: '2026-06-20', name: 'ci job' })
  await seed(h, 'acme/app', job.token)

  const info = await curl(h.url, 'GET', '/api/v4/personal_access_tokens/self', { token: job.token })
  t.match(info.json, { gitward_id: job.id, name: 'ci job', scopes: ['read_repository', 'write_repository', 'self_rotate'], expires_at: '2026-06-20' })
  const underProject = await curl(h.url, 'GET', '/api/v4/projects/acme%2Fapp/access_tokens/self', { token: job.token })
  t.same(underProject.json, info.json, '`self` under the project path')
  const underOther = await curl(h.url, 'GET', '/api/v4/groups/acme/access_tokens/self', { token: job.token })
  t.equal(underOther.status, 404, 'a project token is not a token of its group')

  const r1 = await curl(h.url, 'POST', '/api/v4/personal_access_tokens/self/rotate', { token: job.token })
  t.equal(r1.status, 200, r1.text)
  h.tokens.push(r1.json.token)
  t.match(r1.json, { name: 'ci job', expires_at: '2026-06-22', scopes: ['read_repository', 'write_repository', 'self_rotate'] })
  t.equal(await fetchWith(h, 'acme/app', r1.json.token, 's1'), 0)

  // The old secret again: refused, and the new token is untouched.
  const replay = await curl(h.url, 'POST', '/api/v4/personal_access_tokens/self/rotate', { token: job.token })
  t.equal(replay.status, 401)
  t.equal(await fetchWith(h, 'acme/app', job.token, 's2'), 128)
  t.equal(await fetchWith(h, 'acme/app', r1.json.token, 's3'), 0, 'replaying a rotated-away token revokes nothing further')

  const r2 = await curl(h.url, 'POST', '/api/v4/projects/acme%2Fapp/access_tokens/self/rotate', { token: r1.json.token, auth: 'bearer', json: { expires_at: '2026-08-01' } })
  t.equal(r2.status, 200, r2.text)
  h.tokens.push(r2.json.token)
  t.equal(r2.json.expires_at, '2026-08-01', 'a token may extend its own life (within the lifetime policy)')
  const far = await curl(h.url, 'POST', '/api/v4/personal_access_tokens/self/rotate', { token: r2.json.token, json: { expires_at: '2028-01-01' } })
  t.equal(far.status, 400, 'past max_token_lifetime_days')
  t.match(far.json.error, /max_token_lifetime_days/)

  const gone = await curl(h.url, 'DELETE', '/api/v4/personal_access_tokens/self', { token: r2.json.token })
  t.equal(gone.status, 204)
  t.equal(await fetchWith(h, 'acme/app', r2.json.token, 's4'), 128)
  t.equal((await curl(h.url, 'GET', '/api/v4/personal_access_tokens/self', { token: r2.json.token })).status, 401)

  const plain = await h.mint({ project: 'acme/app', scopes: ['read_repository'] })
  const noScope = await curl(h.url, 'POST', '/api/v4/personal_access_tokens/self/rotate', { token: plain.token })
  t.equal(noScope.status, 403, 'self-rotation needs api or self_rotate')
  t.match(noScope.json.message, /^403 Forbidden - the token needs the api or self_rotate scope/)
  t.match((await curl(h.url, 'GET', '/api/v4/personal_access_tokens/self', { token: plain.token })).json, { gitward_id: plain.id }, 'any valid token reads itself')
})

t.test('CI job rotating its own token in three lines of shell (README)', async t => {
  const h = await startGitward(t)
  await h.createProject('acme/app')
  const job = await h.mint({ project: 'acme/app', scopes: ['read_repository', 'self_rotate'] })
  const { execFile } = await import('node:child_process')
  const script = [
    'NEW=$(curl -fsS -X POST -H "PRIVATE-TOKEN: $GITWARD_TOKEN" "$GITWARD_URL/api/v4/personal_access_tokens/self/rotate" | jq -r .token)',
    'test -n "$NEW" && test "$NEW" != null',
    'printf %s "$NEW"',
  ].join('\n')
  const out = await new Promise<{ code: number; stdout: string }>(resolve =>
    execFile('sh', ['-ec', script], { env: { PATH: process.env['PATH'] ?? '', GITWARD_TOKEN: job.token, GITWARD_URL: h.url } }, (e, stdout) =>
      resolve({ code: e === null ? 0 : 1, stdout }),
    ),
  )
  t.equal(out.code, 0)
  h.tokens.push(out.stdout)
  t.match(out.stdout, /^gwpat-/)
  t.equal((await curl(h.url, 'GET', '/api/v4/personal_access_tokens/self', { token: out.stdout })).status, 200)
})

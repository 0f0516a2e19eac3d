// The HTTP API end to end with curl against a real gitward: reading
// projects, groups and their tokens, pagination, authentication and the
// shape of errors.
import t from 'tap'
import { startGitward } from '../helpers/servers/gitward.js'
import { curl } from '../helpers/api/curl.js'
import { groupNumber } from '../../src/admin/group-number.js'

t.test('projects and groups: by number or URL-encoded path, GitLab fields', async t => {
  const h = await startGitward(t)
  await h.createProject('acme/sub/app')
  const reader = await h.mint({ group: 'acme', role: 'reporter', scopes: ['read_api'] })

  const byPath = await curl(h.url, 'GET', '/api/v4/projects/acme%2Fsub%2Fapp', { token: reader.token })
  t.equal(byPath.status, 200)
  t.match(byPath.headers['content-type'], /^application\/json/)
  t.match(byPath.json, {
    id: 1,
    path: 'app',
    path_with_namespace: 'acme/sub/app',
    visibility: 'private',
    default_branch: 'main',
    http_url_to_repo: `${h.url}/acme/sub/app.git`,
    namespace: { full_path: 'acme/sub', id: groupNumber('acme/sub') },
  })
  const byId = await curl(h.url, 'GET', '/api/v4/projects/1', { token: reader.token, auth: 'bearer' })
  t.same(byId.json, byPath.json, 'the number names the same project')

  const g = await curl(h.url, 'GET', '/api/v4/groups/acme%2Fsub', { token: reader.token })
  t.equal(g.status, 200)
  t.match(g.json, { id: groupNumber('acme/sub'), path: 'sub', full_path: 'acme/sub', parent_id: groupNumber('acme') })
  const gById = await curl(h.url, 'GET', `/api/v4/groups/${groupNumber('acme/sub')}`, { token: reader.token })
  t.same(gById.json, g.json, "a group's derived number names it too")

  for (const path of ['/api/v4/projects/acme%2Fnope', '/api/v4/projects/999', '/api/v4/projects/..%2Fetc']) {
    const r = await curl(h.url, 'GET', path, { token: reader.token })
    t.equal(r.status, 404, path)
    t.same(r.json, { message: '404 Project Not Found' }, path)
  }
  const other = await curl(h.url, 'GET', '/api/v4/groups/other', { token: reader.token })
  t.same([other.status, other.json], [404, { message: '404 Group Not Found' }], 'a group the token does not cover is not found')
  const unknownRoute = await curl(h.url, 'GET', '/api/v4/users', { token: reader.token })
  t.same([unknownRoute.status, unknownRoute.json], [404, { message: '404 Not Found' }])
})

t.test('authentication: PRIVATE-TOKEN or Bearer; anything else 401 with GitLab\'s body', async t => {
  const h = await startGitward(t)
  await h.createProject('acme/app')
  const tok = await h.mint({ project: 'acme/app', scopes: ['read_api'] })
  const revoked = await h.mint({ project: 'acme/app', scopes: ['read_api'] })
  await h.revoke(revoked.id)
  const path = '/api/v4/projects/acme%2Fapp/access_tokens'
  t.equal((await curl(h.url, 'GET', path, { token: tok.token })).status, 200)
  t.equal((await curl(h.url, 'GET', path, { token: tok.token, auth: 'bearer' })).status, 200)
  const cases: Array<[string, Parameters<typeof curl>[3]]> = [
    ['no credentials', {}],
    ['revoked token', { token: revoked.token }],
    ['mistyped token', { token: tok.token.slice(0, -1) + (tok.token.endsWith('a') ? 'b' : 'a') }],
    ['Basic is for git', { headers: { Authorization: `Basic ${Buffer.from(`x:${tok.token}`).toString('base64')}` } }],
    ['two credentials', { token: tok.token, headers: { Authorization: `Bearer ${tok.token}` } }],
  ]
  for (const [name, o] of cases) {
    const r = await curl(h.url, 'GET', path, o)
    t.equal(r.status, 401, name)
    t.same(r.json, { message: '401 Unauthorized' }, name)
  }
  const self = await curl(h.url, 'GET', '/api/v4/personal_access_tokens/self', { token: tok.token })
  t.match(self.json, { gitward_id: tok.id, scopes: ['read_api'], active: true, revoked: false })
  t.notOk('token' in self.json, 'no secret outside create and rotate')
})

t.test('listing: own tokens only, state filter, 120 tokens paginated as GitLab does', async t => {
  const h = await startGitward(t)
  await h.createProject('acme/app')
  const reader = await h.mint({ project: 'acme/app', scopes: ['read_api'], name: 'reader' })
  await h.mint({ group: 'acme', scopes: ['read_api'], name: 'group token' })
  for (let i = 1; i < 120; i++) await h.mint({ project: 'acme/app', scopes: ['read_repository'], name: `t${i}` })
  const gone = await h.mint({ project: 'acme/app', scopes: ['read_repository'], name: 'gone' })
  await h.revoke(gone.id)
  const base = '/api/v4/projects/acme%2Fapp/access_tokens'

  const first = await curl(h.url, 'GET', base, { token: reader.token })
  t.equal(first.status, 200)
  t.equal(first.list.length, 20, 'GitLab default per_page')
  t.match(first.headers, { 'x-total': '121', 'x-total-pages': '7', 'x-page': '1', 'x-per-page': '20', 'x-next-page': '2', 'x-prev-page': '' })
  t.match(first.headers['link'], /<http:\/\/127\.0\.0\.1:\d+\/api\/v4\/projects\/acme%2Fapp\/access_tokens\?page=2&per_page=20>; rel="next"/)
  t.match(first.headers['link'], /page=7&per_page=20>; rel="last"/)
  t.notMatch(first.headers['link'], /rel="prev"/)

  const seen = new Set<number>()
  let url: string | undefined = `${base}?per_page=100`
  let pages = 0
  while (url !== undefined) {
    const r = await curl(h.url, 'GET', url, { token: reader.token })
    pages++
    for (const tok of r.list) seen.add(tok.id)
    const next = /<([^>]+)>; rel="next"/.exec(r.headers['link'] ?? '')
    url = next === null ? undefined : next[1]!.slice(h.url.length)
  }
  t.equal(pages, 2)
  t.equal(seen.size, 121, 'every token once, following Link')
  const capped = await curl(h.url, 'GET', `${base}?per_page=1000&page=2`, { token: reader.token })
  t.match(capped.headers, { 'x-per-page': '100', 'x-page': '2', 'x-next-page': '', 'x-prev-page': '1' })
  t.equal(capped.list.length, 21)

  const active = await curl(h.url, 'GET', `${base}?state=active&per_page=100&page=2`, { token: reader.token })
  t.equal(active.headers['x-total'], '120')
  const inactive = await curl(h.url, 'GET', `${base}?state=inactive`, { token: reader.token })
  t.same(inactive.list.map(x => [x.name, x.active, x.revoked]), [['gone', false, true]])
  const bad = await curl(h.url, 'GET', `${base}?state=sleeping`, { token: reader.token })
  t.same([bad.status, bad.json], [400, { error: 'state is invalid' }])

  const one = await curl(h.url, 'GET', `${base}/${first.list[0]!.id}`, { token: reader.token })
  t.same(one.json, first.list[0], 'GET one token is its list entry')
  t.same((await curl(h.url, 'GET', `${base}/99999`, { token: reader.token })).status, 404)
  t.same((await curl(h.url, 'GET', `${base}/abc`, { token: reader.token })).json, { error: 'token_id is invalid' })
})

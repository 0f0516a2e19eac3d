// Where the API is served: the public listener by default, nowhere with
// api_enabled = false, and only on api_listen when that is set.
import t from 'tap'
import { startGitward } from '../helpers/servers/gitward.js'
import { curl } from '../helpers/api/curl.js'
import { request, infoRefsUrl } from '../helpers/http/request.js'

const SELF = '/api/v4/personal_access_tokens/self'

t.test('api_enabled = false: /api/ is a path like any other (404, plain text)', async t => {
  const h = await startGitward(t, { config: { api_enabled: 'false' } })
  await h.createProject('acme/app')
  const tok = await h.mint({ project: 'acme/app', scopes: ['api'] })
  const r = await curl(h.url, 'GET', SELF, { token: tok.token })
  t.equal(r.status, 404)
  t.match(r.headers['content-type'], /^text\/plain/)
  t.equal(h.app.apiUrl, null)
})

t.test('api_listen: the API there only; the public listener serves git and answers /api/ with 404', async t => {
  const h = await startGitward(t, { config: { api_listen: '127.0.0.1:0' } })
  await h.createProject('acme/app')
  const tok = await h.mint({ project: 'acme/app', scopes: ['api', 'read_repository'] })
  const apiUrl = h.app.apiUrl
  t.ok(apiUrl !== null && apiUrl !== h.url, `a separate address (${apiUrl})`)
  t.equal((await curl(apiUrl!, 'GET', SELF, { token: tok.token })).status, 200)
  t.equal((await curl(h.url, 'GET', SELF, { token: tok.token })).status, 404, 'not on the public listener')
  t.equal((await request(infoRefsUrl(h.url, 'acme/app', 'git-upload-pack'), { token: tok.token })).status, 200, 'git on the public listener')
  t.equal((await request(infoRefsUrl(apiUrl!, 'acme/app', 'git-upload-pack'), { token: tok.token })).status, 404, 'no git on the API listener')
})

t.test('metrics count API requests under service="api"', async t => {
  const h = await startGitward(t, { config: { metrics_allow: '127.0.0.1' } })
  await h.createProject('acme/app')
  const tok = await h.mint({ project: 'acme/app', scopes: ['read_api'] })
  t.equal((await curl(h.url, 'GET', SELF, { token: tok.token })).status, 200)
  t.equal((await curl(h.url, 'GET', SELF)).status, 401)
  const page = await request(`${h.url}/-/metrics`)
  t.match(page.body, /gitward_requests_total\{service="api",decision="allow",status_class="2xx"\} 1/)
  t.match(page.body, /gitward_requests_total\{service="api",decision="deny:no-credentials",status_class="4xx"\} 1/)
})

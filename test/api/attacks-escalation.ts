// Privilege escalation through the HTTP API: every way a token could try to
// mint, renew or remove something beyond its own grant, each refused with
// nothing changed. (The rules: src/admin/delegated-grant.ts.)
import t from 'tap'
import { startGitward, type Harness } from '../helpers/servers/gitward.js'
import { curl, type CurlAnswer } from '../helpers/api/curl.js'
import { setProjectTokenCreation } from '../../src/admin/group-settings.js'
import { holdDatabase } from '../helpers/store/db-lock.js'
import { request, infoRefsUrl } from '../helpers/http/request.js'

const P = '/api/v4/projects/acme%2Fapp/access_tokens'
const mintBody = { name: 'x', scopes: ['read_repository'], access_level: 30, expires_at: '2026-07-01' }

async function tokenCount(h: Harness): Promise<number> {
  return (await h.admin.listTokens({ includeRevoked: true })).length
}

t.test('each escalation attempt is refused and mints nothing', async t => {
  const h = await startGitward(t)
  await h.createProject('acme/app')
  await h.createProject('acme/other')
  const owner = await h.mint({ project: 'acme/app', role: 'owner', scopes: ['api', 'read_repository'], expiresAt: '2026-08-01', name: 'owner' })
  const maintainer = await h.mint({ project: 'acme/app', role: 'maintainer', scopes: ['api', 'read_repository', 'write_repository'], name: 'maintainer' })
  const readApiOwner = await h.mint({ project: 'acme/app', role: 'owner', scopes: ['read_api', 'read_repository'], name: 'read_api owner' })
  const strong = await h.mint({ project: 'acme/app', role: 'developer', scopes: ['read_repository', 'write_repository'], name: 'strong' })
  const list = await curl(h.url, 'GET', P, { token: owner.token })
  const strongNumber = list.list.find(x => x.gitward_id === strong.id)!.id
  const before = await tokenCount(h)

  const attempts: Array<[string, Promise<CurlAnswer>, number, RegExp]> = [
    ['higher role (maintainer asks for owner)', curl(h.url, 'POST', P, { token: maintainer.token, json: { ...mintBody, access_level: 50 } }), 403, /owner role/],
    ['token without owner minting', curl(h.url, 'POST', P, { token: maintainer.token, json: mintBody }), 403, /owner role; this token is a maintainer/],
    ['extra scope', curl(h.url, 'POST', P, { token: owner.token, json: { ...mintBody, scopes: ['read_repository', 'write_repository'] } }), 400, /write_repository are not among/],
    ['later expiry', curl(h.url, 'POST', P, { token: owner.token, json: { ...mintBody, expires_at: '2026-09-01' } }), 400, /no later than the calling token's own expiry, 2026-08-01/],
    ['other project', curl(h.url, 'POST', '/api/v4/projects/acme%2Fother/access_tokens', { token: owner.token, json: mintBody }), 404, /Project Not Found/],
    ['other project by number', curl(h.url, 'POST', '/api/v4/projects/2/access_tokens', { token: owner.token, json: mintBody }), 404, /Project Not Found/],
    ['group token from a project token', curl(h.url, 'POST', '/api/v4/groups/acme/access_tokens', { token: owner.token, json: mintBody }), 403, /project token cannot create, rotate or revoke group tokens/],
    ['read_api writing: create', curl(h.url, 'POST', P, { token: readApiOwner.token, json: mintBody }), 403, /needs the api scope/],
    ['read_api writing: rotate', curl(h.url, 'POST', `${P}/${strongNumber}/rotate`, { token: readApiOwner.token }), 403, /needs the api scope/],
    ['read_api writing: revoke', curl(h.url, 'DELETE', `${P}/${strongNumber}`, { token: readApiOwner.token }), 403, /needs the api scope/],
    ['rotating a stronger token renews more than the caller has', curl(h.url, 'POST', `${P}/${strongNumber}/rotate`, { token: owner.token }), 400, /write_repository are not among/],
    ['git-only token reading', curl(h.url, 'GET', P, { token: strong.token }), 403, /read_api or api scope/],
  ]
  for (const [name, attempt, status, message] of attempts) {
    const r = await attempt
    t.equal(r.status, status, `${name}: ${r.text}`)
    t.match(r.json.message ?? r.json.error, message, name)
  }
  t.equal(await tokenCount(h), before, 'nothing was minted')
  const revoked = (await h.admin.listTokens({ includeRevoked: true })).filter(x => x.revokedAt !== null)
  t.same(revoked, [], 'nothing was rotated or revoked')

  const inherits = await curl(h.url, 'POST', P, { token: owner.token, json: { name: 'inherits', scopes: ['read_repository'] } })
  t.equal(inherits.status, 201)
  h.tokens.push(inherits.json.token)
  t.equal(inherits.json.expires_at, '2026-08-01', "without expires_at, a minted token gets the caller's own expiry")
})

t.test('a group owner reaches only its own group; the project-token creation switch applies', async t => {
  const h = await startGitward(t)
  await h.createProject('acme/app')
  await h.createProject('other/app')
  const sub = await h.mint({ group: 'acme/sub', role: 'owner', scopes: ['api', 'read_repository'] })
  const top = await h.mint({ group: 'acme', role: 'owner', scopes: ['api', 'read_repository'] })
  for (const [name, path] of [['sibling project', P], ['parent group', '/api/v4/groups/acme/access_tokens'], ['other group', '/api/v4/groups/other/access_tokens']] as const) {
    const r = await curl(h.url, 'POST', path, { token: sub.token, json: mintBody })
    t.equal(r.status, 404, name)
  }
  await setProjectTokenCreation({ store: h.admin }, { group: 'acme', value: 'disabled' }, { user: 'test' })
  const off = await curl(h.url, 'POST', P, { token: top.token, json: mintBody })
  t.equal(off.status, 403)
  t.match(off.json.message, /project token creation is disabled for the group "acme"/)
  const groupStill = await curl(h.url, 'POST', '/api/v4/groups/acme/access_tokens', { token: top.token, json: mintBody })
  t.equal(groupStill.status, 201, 'group tokens are not affected by the switch')
  h.tokens.push(groupStill.json.token)
})

t.test('the ban list covers the API: failures there ban the address for git too, and the reverse', async t => {
  const h = await startGitward(t, { config: { ban_max_failures: '3' } })
  await h.createProject('acme/app')
  const good = await h.mint({ project: 'acme/app', scopes: ['read_api', 'read_repository'] })
  const wrong = good.token.slice(0, -1) + (good.token.endsWith('a') ? 'b' : 'a')
  for (let i = 0; i < 3; i++) t.equal((await curl(h.url, 'GET', '/api/v4/personal_access_tokens/self', { token: wrong })).status, 401)
  const banned = await curl(h.url, 'GET', '/api/v4/personal_access_tokens/self', { token: good.token })
  t.equal(banned.status, 403)
  t.match(banned.json.message, /Too many failed authentication attempts/)
  const git = await request(infoRefsUrl(h.url, 'acme/app', 'git-upload-pack'), { token: good.token })
  t.equal(git.status, 403, 'the same ban for git')
  const lines = h.logText().split('\n').filter(l => l.includes('"msg":"request"') && l.includes('"service":"api"'))
  t.equal(lines.length, 4, 'one log line per API request')
  t.match(lines[3], /"decision":"deny:banned"/)
})

t.test('a busy database is 503 with Retry-After on the API, never 401', async t => {
  const h = await startGitward(t)
  await h.createProject('acme/app')
  const owner = await h.mint({ project: 'acme/app', role: 'owner', scopes: ['api', 'read_repository'] })
  t.equal((await curl(h.url, 'GET', P, { token: owner.token })).status, 200)
  const holder = await holdDatabase(h.db, 'write-transaction', "UPDATE tokens SET name = name WHERE id = 'none'")
  t.teardown(() => holder.release())
  const r = await curl(h.url, 'POST', P, { token: owner.token, json: mintBody })
  await holder.release()
  t.equal(r.status, 503, r.text)
  t.equal(r.headers['retry-after'], '5')
  t.match(r.json.message, /^503 Service Unavailable/)
  t.equal((await curl(h.url, 'GET', P, { token: owner.token })).status, 200, 'and the token still works afterwards')
})

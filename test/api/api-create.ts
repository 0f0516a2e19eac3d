// Minting through the HTTP API end to end: curl mints, git uses the token at
// once; JSON and form bodies; bad values are 400 with one sentence.
import t from 'tap'
import { join } from 'node:path'
import { startGitward, makeWorkingCopy } from '../helpers/servers/gitward.js'
import { curl } from '../helpers/api/curl.js'

t.test('a project owner mints a token that clones and pushes at once', async t => {
  const h = await startGitward(t)
  await h.createProject('acme/app')
  const owner = await h.mint({ project: 'acme/app', role: 'owner', scopes: ['api', 'read_repository', 'write_repository'] })
  const r = await curl(h.url, 'POST', '/api/v4/projects/acme%2Fapp/access_tokens', {
    token: owner.token,
    json: { name: 'deploy', scopes: ['read_repository', 'write_repository'], access_level: 30, expires_at: '2026-07-01', unknown_field: 'ignored' },
  })
  t.equal(r.status, 201, r.text)
  h.tokens.push(r.json.token)
  t.match(r.json, { name: 'deploy', scopes: ['read_repository', 'write_repository'], access_level: 30, expires_at: '2026-07-01', active: true, revoked: false })
  t.type(r.json.id, 'number')
  t.match(r.json.token, /^gwpat-[0-9a-z]{12}_/)

  const wc = await makeWorkingCopy(h, 'wc')
  const push = await h.git(['push', h.repoUrl('acme/app', r.json.token), 'main'], { cwd: wc })
  t.equal(push.code, 0, push.stderr)
  const clone = await h.git(['clone', '-q', h.repoUrl('acme/app', r.json.token), join(h.dir, 'clone')])
  t.equal(clone.code, 0, clone.stderr)

  const audit = await h.admin.listAudit()
  const created = audit.find(e => e.action === 'token.created' && e.target === r.json.gitward_id)
  t.equal(created?.actor, `token:${owner.id}`, 'the audit actor is the calling token')
})

t.test('form bodies with scopes[]; default access level 40; group tokens from a group owner', async t => {
  const h = await startGitward(t)
  await h.createProject('acme/app')
  const groupOwner = await h.mint({ group: 'acme', role: 'owner', scopes: ['api', 'read_repository'] })
  const r = await curl(h.url, 'POST', '/api/v4/groups/acme/access_tokens', {
    token: groupOwner.token,
    form: [['name', 'mirror'], ['scopes[]', 'read_repository'], ['scopes[]', 'api']],
  })
  t.equal(r.status, 201, r.text)
  h.tokens.push(r.json.token)
  t.match(r.json, { name: 'mirror', scopes: ['api', 'read_repository'], access_level: 40, group_path: 'acme' })
  const p = await curl(h.url, 'POST', '/api/v4/projects/acme%2Fapp/access_tokens', {
    token: groupOwner.token,
    form: [['name', 'ci'], ['scopes', 'read_repository']],
  })
  t.equal(p.status, 201, 'a group owner mints project tokens under it')
  h.tokens.push(p.json.token)
  const clone = await h.git(['clone', '-q', h.repoUrl('acme/app', r.json.token), join(h.dir, 'clone')])
  t.equal(clone.code, 0, clone.stderr)
})

t.test('bad values: 400 and one sentence; too large: 413; nothing minted', async t => {
  const h = await startGitward(t)
  await h.createProject('acme/app')
  const owner = await h.mint({ project: 'acme/app', role: 'owner', scopes: ['api', 'read_repository'] })
  const path = '/api/v4/projects/acme%2Fapp/access_tokens'
  const table: Array<[string, unknown, RegExp]> = [
    ['nothing', {}, /^name is missing, scopes is missing$/],
    ['bad access level', { name: 'x', scopes: ['read_repository'], access_level: 45 }, /^access_level must be one of 10, 20, 30, 40, 50$/],
    ['unknown scope', { name: 'x', scopes: ['sudo'] }, /unknown scope "sudo"/],
    ['bad date', { name: 'x', scopes: ['read_repository'], expires_at: '01/07/2026' }, /YYYY-MM-DD/],
    ['past date', { name: 'x', scopes: ['read_repository'], expires_at: '2026-01-01' }, /not after today/],
    ['empty scopes', { name: 'x', scopes: [] }, /^scopes is invalid$/],
  ]
  for (const [name, body, message] of table) {
    const r = await curl(h.url, 'POST', path, { token: owner.token, json: body })
    t.equal(r.status, 400, name)
    t.match(r.json?.error, message, name)
  }
  const notJson = await curl(h.url, 'POST', path, { token: owner.token, raw: { type: 'application/json', body: '{"name":' } })
  t.same([notJson.status, notJson.json], [400, { error: 'the request body is not valid JSON.' }])
  const xml = await curl(h.url, 'POST', path, { token: owner.token, raw: { type: 'application/xml', body: '<x/>' } })
  t.equal(xml.status, 415)
  const huge = await curl(h.url, 'POST', path, { token: owner.token, json: { name: 'x', scopes: ['read_repository'], pad: 'x'.repeat(20_000) } })
  t.equal(huge.status, 413)
  const list = await curl(h.url, 'GET', path, { token: owner.token })
  t.equal(list.list.length, 1, 'only the owner token exists')
})

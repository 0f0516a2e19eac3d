// Attacks on what a valid token is bound to and on what a request names:
// a token must reach exactly its project (or its group's projects), never a
// sibling whose name shares a prefix, a repository nested in another's path
// or a symlink out of the repository root; a read token must never become a
// push through service or query tricks; and nothing outside the five git
// smart-HTTP requests (dumb-HTTP files, WebDAV, other methods) is served.
import t from 'tap'
import { mkdirSync, renameSync, rmSync, symlinkSync } from 'node:fs'
import { join } from 'node:path'
import { startGitward, makeWorkingCopy } from '../helpers/servers/gitward.js'
import { deleteRefBody } from '../helpers/http/git-payloads.js'
import { advertise, basicAuth, send } from '../helpers/http/request.js'
import { httpBytes, rawRequest } from '../helpers/http/raw.js'
import { bareRepo, refsOf, requestLines, settle, watch } from '../helpers/observe.js'

const h = await startGitward(t, { config: { ban_enabled: 'false' } })
const port = h.app.port
const projects = ['acme/app', 'acme/other', 'acme-evil/app', 'acme/app-evil', 'acme/sub/deep', 'acme/subway/app', 'acmex/app']
for (const p of projects) await h.createProject(p)

// Every project gets one commit on main, pushed with a group-wide
// maintainer token, so reads and writes below have something to hit.
const root = await h.mint({ group: 'acme', name: 'setup' })
const rootEvil = await h.mint({ group: 'acme-evil', name: 'setup evil' })
const rootX = await h.mint({ group: 'acmex', name: 'setup x' })
const wc = await makeWorkingCopy(h, 'wc')
for (const p of projects) {
  const tok = p.startsWith('acme-evil/') ? rootEvil.token : p.startsWith('acmex/') ? rootX.token : root.token
  const r = await h.git(['push', '-q', h.repoUrl(p, tok), 'main'], { cwd: wc })
  if (r.code !== 0) throw new Error(`setup push to ${p} failed: ${r.stderr}`)
}
// The refs every test below watches: the project a reader could push to and
// the siblings a prefix bug would expose.
const watched = ['acme/app', 'acme-evil/app', 'acme/subway/app']
const mainSha = (await refsOf(h, 'acme/app')).split(' ')[1]?.trim() ?? ''

const projectToken = await h.mint({ project: 'acme/app', name: 'project rw' })
const groupToken = await h.mint({ group: 'acme', name: 'group rw' })
const subgroupToken = await h.mint({ group: 'acme/sub', name: 'subgroup rw' })
const readToken = await h.mint({ project: 'acme/app', scopes: ['read_repository'], role: 'reporter', name: 'read only' })

async function pushStatus(project: string, tok: string): Promise<number> {
  return (await advertise(port, project, 'git-receive-pack', basicAuth(tok))).status
}
async function pullStatus(project: string, tok: string): Promise<number> {
  return (await advertise(port, project, 'git-upload-pack', basicAuth(tok))).status
}

t.test('binding: a project token reaches its project only', async t => {
  t.equal(await pullStatus('acme/app', projectToken.token), 200, 'its own project')
  const w = await watch(h, watched)
  for (const p of ['acme/other', 'acme-evil/app', 'acme/app-evil', 'acme/sub/deep', 'acmex/app']) {
    t.equal(await pullStatus(p, projectToken.token), 404, `pull ${p}: 404`)
    t.equal(await pushStatus(p, projectToken.token), 404, `push ${p}: 404`)
  }
  await w.untouched(t, 'project token on other projects')
})

t.test('binding: a group token covers its subgroups but not a sibling sharing its prefix', async t => {
  t.equal(await pullStatus('acme/app', groupToken.token), 200)
  t.equal(await pullStatus('acme/sub/deep', groupToken.token), 200, 'a project in a subgroup')
  const w = await watch(h, watched)
  t.equal(await pullStatus('acme-evil/app', groupToken.token), 404, 'acme does not cover acme-evil')
  t.equal(await pushStatus('acme-evil/app', groupToken.token), 404)
  t.equal(await pullStatus('acmex/app', groupToken.token), 404, 'acme does not cover acmex')
  await w.untouched(t, 'group token on a prefix sibling')
})

t.test('binding: a subgroup token covers its subgroup only', async t => {
  t.equal(await pullStatus('acme/sub/deep', subgroupToken.token), 200)
  const w = await watch(h, watched)
  t.equal(await pullStatus('acme/subway/app', subgroupToken.token), 404, 'acme/sub does not cover acme/subway')
  t.equal(await pullStatus('acme/app', subgroupToken.token), 404, 'nor its parent group')
  t.equal(await pushStatus('acme/app', subgroupToken.token), 404)
  await w.untouched(t, 'subgroup token outside its subgroup')
})

t.test('binding: a real push with a project token to a prefix sibling changes nothing', async t => {
  const w = await watch(h, watched)
  const r = await h.git(['push', h.repoUrl('acme-evil/app', projectToken.token), 'main:refs/heads/stolen'], { cwd: wc })
  t.not(r.code, 0, 'git push fails')
  await w.untouched(t, 'push to acme-evil/app')
})

t.test('binding: nested repository paths under a registered project', async t => {
  const w = await watch(h, watched)
  // Only acme/app is registered; these name something inside or below it.
  const cases: Array<[string, number]> = [
    ['/acme/app.git/sub/info/refs?service=git-upload-pack', 400],
    ['/acme/app.git/sub.git/info/refs?service=git-upload-pack', 400],
    ['/acme/app/sub/info/refs?service=git-upload-pack', 404],
    ['/acme/app/sub.git/info/refs?service=git-receive-pack', 404],
    ['/acme/app.git/objects/info/refs?service=git-upload-pack', 400],
    ['/acme/app.git/.git/info/refs?service=git-upload-pack', 400],
    ['/acme.git/app/info/refs?service=git-upload-pack', 400],
    ['/acme/info/refs?service=git-upload-pack', 404],
  ]
  for (const [path, status] of cases) {
    const r = await send(port, path, { headers: [['Authorization', basicAuth(groupToken.token)]] })
    t.equal(r.status, status, `${path}: ${status}`)
  }
  await w.untouched(t, 'nested repository paths')
})

t.test('symlinks: repositories that resolve outside the repository root are not served', async t => {
  // A secret repository outside the root, with a commit of its own.
  const outside = join(h.dir, 'outside')
  mkdirSync(outside)
  const secret = join(outside, 'secret.git')
  await h.git(['init', '-q', '--bare', '-b', 'main', secret])
  const swc = await makeWorkingCopy(h, 'secret-wc', { 'SECRET.txt': 'do not serve\n' })
  t.equal((await h.git(['push', '-q', secret, 'main'], { cwd: swc })).code, 0)

  // acme/linked.git is a symlink to it; evil/ is a symlinked parent directory.
  await h.createProject('acme/linked')
  rmSync(bareRepo(h, 'acme/linked'), { recursive: true })
  symlinkSync(secret, bareRepo(h, 'acme/linked'))
  await h.createProject('evil/secret')
  renameSync(join(h.repos, 'evil'), join(h.dir, 'evil-original'))
  symlinkSync(outside, join(h.repos, 'evil'))
  const evilToken = await h.mint({ group: 'evil' })

  for (const [project, tok] of [['acme/linked', groupToken.token], ['evil/secret', evilToken.token]] as const) {
    const before = requestLines(h).length
    const r = await advertise(port, project, 'git-upload-pack', basicAuth(tok))
    t.equal(r.status, 404, `${project}: 404`)
    t.notMatch(r.body, /refs\/heads\/main/, `${project}: no ref advertised`)
    const clone = await h.git(['clone', '-q', h.repoUrl(project, tok), `clone-${project.replace('/', '-')}`])
    t.not(clone.code, 0, `${project}: git clone fails`)
    await settle(h)
    t.equal(h.app.backend?.activeProcesses(), 0)
    t.ok(requestLines(h).length > before)
    t.match(h.logText(), /outside the repository root/, 'the backend logged why')
  }
})

t.test('dumb-HTTP files are never served, even with a valid token', async t => {
  const w = await watch(h, watched)
  const paths = [
    '/acme/app.git/HEAD',
    '/acme/app.git/config',
    '/acme/app.git/description',
    '/acme/app.git/packed-refs',
    '/acme/app.git/refs/heads/main',
    '/acme/app.git/info/refs',
    '/acme/app.git/info/refs?',
    '/acme/app.git/info/alternates',
    '/acme/app.git/objects/info/packs',
    '/acme/app.git/objects/info/alternates',
    `/acme/app.git/objects/${mainSha.slice(0, 2)}/${mainSha.slice(2)}`,
    '/acme/app.git/hooks/pre-receive',
    '/acme/app/HEAD',
    '/acme/app.git/',
    '/acme/app.git',
  ]
  for (const path of paths) {
    const r = await send(port, path, { headers: [['Authorization', basicAuth(groupToken.token)]] })
    t.ok(r.status === 404 || r.status === 400, `${path}: ${r.status} (404 or 400)`)
    t.notMatch(r.body, /ref: refs\/heads|\[core\]|P pack-|[0-9a-f]{40}/, `${path}: no repository content`)
  }
  await w.untouched(t, 'dumb-HTTP paths')
})

t.test('WebDAV and other methods are refused on every git route', async t => {
  const w = await watch(h, watched)
  const routes = ['/acme/app.git/info/refs?service=git-upload-pack', '/acme/app.git/info/refs?service=git-receive-pack', '/acme/app.git/git-receive-pack', '/acme/app.git/git-upload-pack']
  const methods = ['PROPFIND', 'PROPPATCH', 'MKCOL', 'PUT', 'DELETE', 'OPTIONS', 'TRACE', 'LOCK', 'UNLOCK', 'MOVE', 'COPY', 'PATCH']
  for (const route of routes) {
    for (const method of methods) {
      // POST routes refuse GET/HEAD too; info/refs refuses POST.
      const r = await send(port, route, { method, headers: [['Authorization', basicAuth(groupToken.token)], ['Content-Type', 'application/x-git-receive-pack-request']], body: method === 'PUT' || method === 'PROPFIND' ? deleteRefBody(mainSha, 'refs/heads/main') : undefined })
      if (r.status !== 405) t.fail(`${method} ${route}: ${r.status}, expected 405`)
    }
  }
  t.equal((await send(port, routes[0] ?? '', { method: 'POST', headers: [['Authorization', basicAuth(groupToken.token)]], body: 'x' })).status, 405, 'POST to info/refs')
  t.equal((await send(port, routes[2] ?? '', { method: 'GET', headers: [['Authorization', basicAuth(groupToken.token)]] })).status, 405, 'GET of git-receive-pack')
  // WebDAV on the repository directory itself is not a git route at all.
  for (const method of ['PROPFIND', 'MKCOL', 'PUT', 'DELETE']) {
    const r = await send(port, '/acme/app.git/', { method, headers: [['Authorization', basicAuth(groupToken.token)]] })
    t.ok([400, 404, 405].includes(r.status), `${method} on the repository directory: ${r.status}`)
  }
  await w.untouched(t, 'WebDAV and other methods')
})

t.test('methods Node itself refuses or handles apart: CONNECT, lower-case, unknown tokens', async t => {
  const w = await watch(h, watched)
  const connect = await rawRequest(port, httpBytes(['CONNECT 127.0.0.1:22 HTTP/1.1', 'Host: 127.0.0.1:22', `Authorization: ${basicAuth(groupToken.token)}`]))
  t.equal(connect.status, 405, 'CONNECT (a tunnel request) gets 405')
  const connectPath = await rawRequest(port, httpBytes(['CONNECT /acme/app.git/git-receive-pack HTTP/1.1', 'Host: x']))
  t.ok([400, 405].includes(connectPath.status), `CONNECT with a path: ${connectPath.status}`)
  const lower = await rawRequest(port, httpBytes(['get /acme/app.git/info/refs?service=git-upload-pack HTTP/1.1', 'Host: x', `Authorization: ${basicAuth(groupToken.token)}`]))
  t.ok([400, 405].includes(lower.status), `lower-case get: ${lower.status}`)
  const odd = await rawRequest(port, httpBytes(['GIT /acme/app.git/info/refs?service=git-upload-pack HTTP/1.1', 'Host: x', `Authorization: ${basicAuth(groupToken.token)}`]))
  t.ok([400, 405].includes(odd.status), `an invented method: ${odd.status}`)
  t.equal((await send(port, '/-/health')).status, 200, 'the server still answers')
  await w.untouched(t, 'CONNECT and odd methods')
})

t.test('service confusion: a read-only token never gets the receive-pack advertisement', async t => {
  t.equal(await pullStatus('acme/app', readToken.token), 200, 'the read token pulls')
  const w = await watch(h, watched)
  t.equal(await pushStatus('acme/app', readToken.token), 403, 'the push advertisement is a write: 403')
  const queries = [
    'service=git-upload-pack&service=git-receive-pack',
    'service=git-receive-pack&service=git-upload-pack',
    'service=git-upload-pack;service=git-receive-pack',
    'service=git-upload-pack&x=1',
    'service=git%2Dreceive-pack',
    'service=git-receive%2dpack',
    'service=%67it-receive-pack',
    'service=git-upload-pack%00',
    'service=git-upload-pack+',
    'service=GIT-RECEIVE-PACK',
    'Service=git-upload-pack',
    'service=git-upload-archive',
    'service=git-upload-pack%26service%3Dgit-receive-pack',
    'service[]=git-receive-pack',
    'service=',
  ]
  for (const q of queries) {
    const r = await send(port, `/acme/app.git/info/refs?${q}`, { headers: [['Authorization', basicAuth(readToken.token)]] })
    t.equal(r.status, 400, `?${q}: 400`)
    t.notMatch(r.body, /report-status|git-receive-pack advertisement|# service=git-receive-pack/, `?${q}: no receive-pack advertisement`)
  }
  // The same tricks with a write token are refused too: the gate never
  // forwards a query it cannot read exactly one way.
  for (const q of queries.slice(0, 3)) {
    const r = await send(port, `/acme/app.git/info/refs?${q}`, { headers: [['Authorization', basicAuth(groupToken.token)]] })
    t.equal(r.status, 400, `write token, ?${q}: 400`)
  }
  await w.untouched(t, 'service query tricks')
})

t.test('service confusion: content types that do not match the service are refused', async t => {
  const w = await watch(h, watched)
  const body = deleteRefBody(mainSha, 'refs/heads/main')
  const cases: Array<[string, string, string, number]> = [
    ['read token, receive-pack with the upload-pack type', 'git-receive-pack', 'application/x-git-upload-pack-request', 415],
    ['write token, receive-pack with the upload-pack type', 'git-receive-pack', 'application/x-git-upload-pack-request', 415],
    ['read token, upload-pack with the receive-pack type', 'git-upload-pack', 'application/x-git-receive-pack-request', 415],
    ['read token, receive-pack with a parameterised type', 'git-receive-pack', 'application/x-git-receive-pack-request; charset=utf-8', 415],
    ['read token, receive-pack with no type', 'git-receive-pack', '', 415],
    ['read token, receive-pack with the right type', 'git-receive-pack', 'application/x-git-receive-pack-request', 403],
  ]
  for (const [name, service, type, status] of cases) {
    const tok = name.startsWith('write') ? groupToken.token : readToken.token
    const headers: Array<[string, string]> = [['Authorization', basicAuth(tok)]]
    if (type !== '') headers.push(['Content-Type', type])
    const r = await send(port, `/acme/app.git/${service}`, { method: 'POST', headers, body })
    t.equal(r.status, status, `${name}: ${status}`)
  }
  const q = await send(port, '/acme/app.git/git-receive-pack?service=git-upload-pack', { method: 'POST', headers: [['Authorization', basicAuth(readToken.token)], ['Content-Type', 'application/x-git-receive-pack-request']], body })
  t.equal(q.status, 400, 'a query on a POST: 400')
  await w.untouched(t, 'content-type confusion')
})

t.test('service confusion: a receive-pack body sent to upload-pack changes no ref', async t => {
  const before = await refsOf(h, 'acme/app')
  const r = await send(port, '/acme/app.git/git-upload-pack', { method: 'POST', headers: [['Authorization', basicAuth(readToken.token)], ['Content-Type', 'application/x-git-upload-pack-request']], body: deleteRefBody(mainSha, 'refs/heads/main') })
  // upload-pack rejects the body before writing a byte: a plain 502 from
  // the backend, not a cut connection.
  t.equal(r.status, 502, 'git upload-pack refused the body')
  await settle(h)
  t.equal(await refsOf(h, 'acme/app'), before, 'refs unchanged')
})

t.test('a real git push with a read-only token changes nothing', async t => {
  const w = await watch(h, watched)
  const r = await h.git(['push', h.repoUrl('acme/app', readToken.token), 'main:refs/heads/from-reader'], { cwd: wc })
  t.not(r.code, 0)
  t.match(r.stderr, /needs the write_repository or api scope/)
  await w.untouched(t, 'push with a read token')
})

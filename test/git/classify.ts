import t from 'tap'
import type { IncomingHttpHeaders } from 'node:http'
import { classify } from '../../src/git/classify.js'
import { MAX_URL_BYTES } from '../../src/git/request-path.js'

const UPLOAD = { 'content-type': 'application/x-git-upload-pack-request' }
const RECEIVE = { 'content-type': 'application/x-git-receive-pack-request' }
const ARCHIVE = { 'content-type': 'application/x-git-upload-archive-request' }

t.test('accepts every smart-HTTP form, with and without .git, and forwards a canonical URL', async t => {
  type Row = [method: string, suffix: string, headers: IncomingHttpHeaders, kind: string, service: string, access: string, forward: string]
  const rows: Row[] = []
  for (const project of ['acme/app', 'acme/sub/app', 'solo', 'a.b/c_d/e-f']) {
    for (const dotGit of ['', '.git']) {
      const base = `/${project}${dotGit}`
      for (const method of ['GET', 'HEAD']) {
        rows.push([method, `${base}/info/refs?service=git-upload-pack`, {}, 'advertisement', 'git-upload-pack', 'read', `/${project}.git/info/refs?service=git-upload-pack`])
        rows.push([method, `${base}/info/refs?service=git-receive-pack`, {}, 'advertisement', 'git-receive-pack', 'write', `/${project}.git/info/refs?service=git-receive-pack`])
      }
      rows.push(['POST', `${base}/git-upload-pack`, UPLOAD, 'rpc', 'git-upload-pack', 'read', `/${project}.git/git-upload-pack`])
      rows.push(['POST', `${base}/git-receive-pack`, RECEIVE, 'rpc', 'git-receive-pack', 'write', `/${project}.git/git-receive-pack`])
      rows.push(['POST', `${base}/git-upload-archive`, ARCHIVE, 'rpc', 'git-upload-archive', 'read', `/${project}.git/git-upload-archive`])
    }
  }
  for (const [method, url, headers, kind, service, access, forward] of rows) {
    const c = classify(method, url, headers)
    t.same(
      c,
      { ok: true, kind, service, access, project: forward.slice(1, forward.indexOf('.git/')), forwardUrl: forward },
      `${method} ${url}`,
    )
  }
})

t.test('content type is compared case-insensitively on the media type', async t => {
  for (const ct of ['APPLICATION/X-GIT-UPLOAD-PACK-REQUEST', 'application/x-git-upload-pack-request ', 'Application/X-Git-Upload-Pack-Request']) {
    const c = classify('POST', '/acme/app.git/git-upload-pack', { 'content-type': ct })
    t.equal(c.ok && c.forwardUrl, '/acme/app.git/git-upload-pack', ct)
  }
})

t.test('unreserved characters escaped in the path decode once to a canonical project', async t => {
  const c = classify('GET', '/acme/%61pp.git/info/refs?service=git-upload-pack', {})
  t.same(c.ok && [c.project, c.forwardUrl], ['acme/app', '/acme/app.git/info/refs?service=git-upload-pack'])
})

// Each row is an attack or a non-git request, named for what it tries.
type Refused = [name: string, method: string, url: string, headers: IncomingHttpHeaders, status: number, message?: RegExp]
const refused: Refused[] = [
  // Traversal and encoding tricks.
  ['dot-dot traversal', 'GET', '/acme/../etc/info/refs?service=git-upload-pack', {}, 400, /"\."/],
  ['dot-dot as the whole repo', 'GET', '/../info/refs?service=git-upload-pack', {}, 400, /"\."/],
  ['encoded dot-dot', 'GET', '/acme/%2e%2e/secret/info/refs?service=git-upload-pack', {}, 400, /"\."/],
  ['mixed-case encoded dot-dot', 'POST', '/acme/%2E%2e/git-upload-pack', UPLOAD, 400, /"\."/],
  ['single dot segment', 'GET', '/acme/./app/info/refs?service=git-upload-pack', {}, 400, /"\."/],
  ['hidden segment', 'GET', '/acme/.ssh/info/refs?service=git-upload-pack', {}, 400, /"\."/],
  ['encoded slash', 'GET', '/acme%2fapp/info/refs?service=git-upload-pack', {}, 400, /not allowed/],
  ['encoded slash in suffix', 'GET', '/acme/app/info%2frefs?service=git-upload-pack', {}, 400, /not allowed/],
  ['double-encoded slash', 'GET', '/acme%252fapp/info/refs?service=git-upload-pack', {}, 400, /not allowed/],
  ['double-encoded dot-dot', 'GET', '/acme/%252e%252e/info/refs?service=git-upload-pack', {}, 400, /not allowed/],
  ['raw backslash', 'GET', '/acme\\..\\etc/info/refs?service=git-upload-pack', {}, 400, /not allowed/],
  ['encoded backslash', 'GET', '/acme%5c..%5cetc/info/refs?service=git-upload-pack', {}, 400, /not allowed/],
  ['leading double slash', 'GET', '//acme/app/info/refs?service=git-upload-pack', {}, 400, /"\/\/"/],
  ['inner double slash', 'POST', '/acme//app/git-upload-pack', UPLOAD, 400, /"\/\/"/],
  ['double slash before suffix', 'GET', '/acme/app//info/refs?service=git-upload-pack', {}, 400, /"\/"/],
  ['encoded NUL', 'GET', '/acme/app%00.git/info/refs?service=git-upload-pack', {}, 400, /control/],
  ['raw NUL', 'GET', '/acme/app\u0000/info/refs?service=git-upload-pack', {}, 400, /control/],
  ['encoded CR LF', 'POST', '/acme/app%0d%0a/git-receive-pack', RECEIVE, 400, /control/],
  ['encoded DEL', 'POST', '/acme/app%7f/git-receive-pack', RECEIVE, 400, /control/],
  ['encoded C1 control', 'POST', '/acme/app%c2%85/git-receive-pack', RECEIVE, 400, /control/],
  ['overlong UTF-8 dot', 'GET', '/acme/%c0%ae%c0%ae/info/refs?service=git-upload-pack', {}, 400, /malformed/],
  ['lone percent', 'GET', '/acme/app%/info/refs?service=git-upload-pack', {}, 400, /malformed/],
  ['bad hex escape', 'GET', '/acme/app%zz/info/refs?service=git-upload-pack', {}, 400, /malformed/],
  ['truncated escape', 'POST', '/acme/app%2/git-upload-pack', UPLOAD, 400, /malformed/],
  ['non-ASCII project name', 'GET', '/acme/%c3%a9/info/refs?service=git-upload-pack', {}, 400, /letters, digits/],
  ['space in project', 'GET', '/acme/a%20b/info/refs?service=git-upload-pack', {}, 400, /letters, digits/],
  ['option-like segment', 'POST', '/acme/-upload-pack/git-upload-pack', UPLOAD, 400, /"-"/],
  ['trailing slash', 'GET', '/acme/app.git/info/refs/?service=git-upload-pack', {}, 404],
  ['trailing slash after rpc', 'POST', '/acme/app.git/git-upload-pack/', UPLOAD, 404],
  ['double .git', 'GET', '/acme/app.git.git/info/refs?service=git-upload-pack', {}, 400, /"\.git"/],
  ['nested repository', 'GET', '/a/b.git/c/info/refs?service=git-upload-pack', {}, 400, /"\.git"/],
  ['nested repository rpc', 'POST', '/a/b.git/c/git-receive-pack', RECEIVE, 400, /"\.git"/],
  ['bare .git', 'GET', '/.git/info/refs?service=git-upload-pack', {}, 400, /empty/],
  ['no repository', 'GET', '/info/refs?service=git-upload-pack', {}, 400, /empty/],
  ['no repository rpc', 'POST', '/git-upload-pack', UPLOAD, 400, /empty/],
  ['too many segments', 'POST', '/' + Array.from({ length: 21 }, () => 'x').join('/') + '/git-upload-pack', UPLOAD, 400, /20 segments/],
  ['absolute-form URL', 'GET', 'http://evil.example/acme/app/info/refs?service=git-upload-pack', {}, 400, /starting with "\/"/],
  ['asterisk-form', 'OPTIONS', '*', {}, 400, /starting with "\/"/],
  ['relative path', 'GET', 'acme/app/info/refs?service=git-upload-pack', {}, 400, /starting with "\/"/],
  ['empty URL', 'GET', '', {}, 400, /starting with "\/"/],
  ['fragment', 'GET', '/acme/app/info/refs?service=git-upload-pack#x', {}, 400, /"#"/],
  ['fragment in path', 'POST', '/acme/app#/git-receive-pack', RECEIVE, 400, /"#"/],
  ['overlong URL', 'GET', '/acme/' + 'a'.repeat(MAX_URL_BYTES) + '/info/refs?service=git-upload-pack', {}, 414],

  // Query tricks: git-http-backend takes the LAST service=, decoded.
  ['duplicate service, receive last', 'GET', '/acme/app/info/refs?service=git-upload-pack&service=git-receive-pack', {}, 400, /exactly/],
  ['duplicate service, upload last', 'GET', '/acme/app/info/refs?service=git-receive-pack&service=git-upload-pack', {}, 400, /exactly/],
  ['same service twice', 'GET', '/acme/app/info/refs?service=git-upload-pack&service=git-upload-pack', {}, 400, /exactly/],
  ['extra parameter after', 'GET', '/acme/app/info/refs?service=git-upload-pack&x=1', {}, 400, /exactly/],
  ['extra parameter before', 'GET', '/acme/app/info/refs?x=1&service=git-upload-pack', {}, 400, /exactly/],
  ['empty service', 'GET', '/acme/app/info/refs?service=', {}, 400, /exactly/],
  ['bare service name', 'GET', '/acme/app/info/refs?service', {}, 400, /exactly/],
  ['upper-case name', 'GET', '/acme/app/info/refs?SERVICE=git-upload-pack', {}, 400, /exactly/],
  ['upper-case value', 'GET', '/acme/app/info/refs?service=GIT-UPLOAD-PACK', {}, 400, /exactly/],
  ['semicolon separator', 'GET', '/acme/app/info/refs?service=git-upload-pack;service=git-receive-pack', {}, 400, /exactly/],
  ['encoded hyphen in value', 'GET', '/acme/app/info/refs?service=git%2Dreceive-pack', {}, 400, /exactly/],
  ['encoded name', 'GET', '/acme/app/info/refs?%73ervice=git-upload-pack', {}, 400, /exactly/],
  ['encoded ampersand', 'GET', '/acme/app/info/refs?service=git-upload-pack%26service=git-receive-pack', {}, 400, /exactly/],
  ['plus as space', 'GET', '/acme/app/info/refs?service=git-upload-pack+', {}, 400, /exactly/],
  ['trailing ampersand', 'GET', '/acme/app/info/refs?service=git-upload-pack&', {}, 400, /exactly/],
  ['leading ampersand', 'GET', '/acme/app/info/refs?&service=git-upload-pack', {}, 400, /exactly/],
  ['empty query', 'GET', '/acme/app/info/refs?', {}, 400, /exactly/],
  ['unknown service', 'GET', '/acme/app/info/refs?service=git-upload-archive', {}, 400, /exactly/],
  ['arbitrary program', 'GET', '/acme/app/info/refs?service=git-shell', {}, 400, /exactly/],
  ['second question mark', 'GET', '/acme/app/info/refs??service=git-upload-pack', {}, 400, /exactly/],
  ['query on upload-pack POST', 'POST', '/acme/app/git-upload-pack?service=git-receive-pack', UPLOAD, 400, /query/],
  ['empty query on receive-pack POST', 'POST', '/acme/app/git-receive-pack?', RECEIVE, 400, /query/],

  // Wrong methods on git routes.
  ...['PUT', 'DELETE', 'PROPFIND', 'MKCOL', 'OPTIONS', 'TRACE', 'CONNECT', 'PATCH', 'get', 'head', 'POST'].map(
    (m): Refused => [`${m} on info/refs`, m, '/acme/app/info/refs?service=git-upload-pack', UPLOAD, 405, /GET and HEAD/],
  ),
  ...['GET', 'HEAD', 'PUT', 'DELETE', 'PROPFIND', 'OPTIONS', 'post'].map(
    (m): Refused => [`${m} on git-receive-pack`, m, '/acme/app.git/git-receive-pack', RECEIVE, 405, /only POST/],
  ),
  ['GET on upload-pack', 'GET', '/acme/app.git/git-upload-pack', {}, 405, /only POST/],
  ['GET on upload-archive', 'GET', '/acme/app.git/git-upload-archive', {}, 405, /only POST/],

  // Wrong content types.
  ['no content type', 'POST', '/acme/app/git-upload-pack', {}, 415, /Content-Type/],
  ['receive type on upload-pack', 'POST', '/acme/app/git-upload-pack', RECEIVE, 415, /Content-Type/],
  ['upload type on receive-pack', 'POST', '/acme/app/git-receive-pack', UPLOAD, 415, /Content-Type/],
  ['upload type on upload-archive', 'POST', '/acme/app/git-upload-archive', UPLOAD, 415, /Content-Type/],
  ['parameter on type', 'POST', '/acme/app/git-upload-pack', { 'content-type': 'application/x-git-upload-pack-request; charset=utf-8' }, 415, /Content-Type/],
  ['form type', 'POST', '/acme/app/git-receive-pack', { 'content-type': 'application/x-www-form-urlencoded' }, 415, /Content-Type/],
  ['empty type', 'POST', '/acme/app/git-receive-pack', { 'content-type': '' }, 415, /Content-Type/],
  ['prefix of type', 'POST', '/acme/app/git-receive-pack', { 'content-type': 'application/x-git-receive-pack' }, 415, /Content-Type/],

  // Dumb HTTP and other repository files.
  ['dumb info/refs', 'GET', '/acme/app.git/info/refs', {}, 404, /dumb/],
  ['HEAD file', 'GET', '/acme/app.git/HEAD', {}, 404],
  ['loose object', 'GET', '/acme/app.git/objects/ab/' + 'c'.repeat(38), {}, 404],
  ['pack file', 'GET', '/acme/app.git/objects/pack/pack-' + 'a'.repeat(40) + '.pack', {}, 404],
  ['info/packs', 'GET', '/acme/app.git/objects/info/packs', {}, 404],
  ['info/alternates', 'GET', '/acme/app.git/objects/info/alternates', {}, 404],
  ['info/http-alternates', 'GET', '/acme/app.git/objects/info/http-alternates', {}, 404],
  ['config', 'GET', '/acme/app.git/config', {}, 404],
  ['hook', 'GET', '/acme/app.git/hooks/pre-receive', {}, 404],
  ['description', 'GET', '/acme/app.git/description', {}, 404],
  ['packed-refs', 'GET', '/acme/app.git/packed-refs', {}, 404],
  ['a ref', 'GET', '/acme/app.git/refs/heads/main', {}, 404],
  ['upper-case service path', 'POST', '/acme/app.git/GIT-UPLOAD-PACK', UPLOAD, 404],
  ['other git program', 'POST', '/acme/app.git/git-shell', UPLOAD, 404],
  ['info/refs with a path parameter', 'GET', '/acme/app.git/info/refs;x?service=git-upload-pack', {}, 404],
  ['root', 'GET', '/', {}, 404],
  ['unknown top-level path', 'GET', '/favicon.ico', {}, 404],
  ['unknown path under a group', 'GET', '/acme/app', {}, 404],
]

t.test('refuses hostile and non-git requests with the documented status', async t => {
  t.ok(refused.length >= 40)
  for (const [name, method, url, headers, status, message] of refused) {
    const c = classify(method, url, headers)
    t.equal(c.ok, false, `${name}: refused`)
    if (c.ok) continue
    t.equal(c.status, status, `${name}: status`)
    if (message !== undefined) t.match(c.message, message, `${name}: message`)
    t.notMatch(c.message, /\n/, `${name}: one line`)
  }
})

t.test('a refusal never echoes the request URL or method', async t => {
  for (const [name, method, url, headers] of refused) {
    const c = classify(method, url, headers)
    if (c.ok) continue
    if (url.length > 12) t.notOk(c.message.includes(url), name)
    t.notOk(c.message.includes('PROPFIND'), name)
  }
})

t.test('the URL limit counts bytes, not characters', async t => {
  const status = (url: string): number | undefined => {
    const c = classify('GET', url, {})
    return c.ok ? undefined : c.status
  }
  t.equal(status('/' + 'a'.repeat(MAX_URL_BYTES - 1)), 404, 'exactly the limit is read')
  t.equal(status('/' + 'a'.repeat(MAX_URL_BYTES)), 414, 'one byte more is too long')
  // "é" is 2 bytes in UTF-8: half as many characters reach the limit.
  t.equal(status('/' + '\u00e9'.repeat(MAX_URL_BYTES / 2)), 414)
  t.equal(status('/' + '\u00e9'.repeat(MAX_URL_BYTES / 2 - 1)), 404)
})

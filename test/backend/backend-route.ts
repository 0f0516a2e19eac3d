import t from 'tap'
import {
  parseBackendRoute,
  routeMethod,
  routePathInfo,
  routeQueryString,
} from '../../src/backend/backend-route.js'

t.test('accepts exactly the canonical smart-HTTP requests', async t => {
  const table: Array<[string, string, object]> = [
    ['GET', '/acme/app.git/info/refs?service=git-upload-pack', { kind: 'advertisement', project: 'acme/app', service: 'git-upload-pack' }],
    ['GET', '/acme/app.git/info/refs?service=git-receive-pack', { kind: 'advertisement', project: 'acme/app', service: 'git-receive-pack' }],
    ['POST', '/acme/app.git/git-upload-pack', { kind: 'rpc', project: 'acme/app', service: 'git-upload-pack' }],
    ['POST', '/acme/app.git/git-receive-pack', { kind: 'rpc', project: 'acme/app', service: 'git-receive-pack' }],
    ['POST', '/acme/app.git/git-upload-archive', { kind: 'rpc', project: 'acme/app', service: 'git-upload-archive' }],
    ['POST', '/a/b/c/d.git/git-upload-pack', { kind: 'rpc', project: 'a/b/c/d', service: 'git-upload-pack' }],
  ]
  for (const [method, url, want] of table) {
    const route = parseBackendRoute(method, url)
    t.same(route, want, `${method} ${url}`)
    if (route) {
      // Round trip: the CGI values rebuild the same URL.
      const q = routeQueryString(route)
      t.equal(routePathInfo(route) + (q === '' ? '' : `?${q}`), url)
      t.equal(routeMethod(route), method)
    }
  }
})

t.test('refuses everything else, including dumb HTTP and traversal', async t => {
  const table: Array<[string, string]> = [
    ['GET', '/acme/app.git/info/refs'], // dumb ref list
    ['GET', '/acme/app.git/HEAD'],
    ['GET', '/acme/app.git/objects/info/packs'],
    ['GET', '/acme/app.git/objects/12/3456789012345678901234567890123456789a'],
    ['GET', '/acme/app.git/info/refs?service=git-upload-archive'],
    ['GET', '/acme/app.git/info/refs?service=git-upload-pack&x=1'],
    ['GET', '/acme/app.git/info/refs?x=1&service=git-upload-pack'],
    ['GET', '/acme/app.git/info/refs?service=git-upload-pack#frag'],
    ['POST', '/acme/app.git/info/refs?service=git-upload-pack'],
    ['GET', '/acme/app.git/git-upload-pack'],
    ['PUT', '/acme/app.git/git-receive-pack'],
    ['POST', '/acme/app.git/git-upload-pack?service=git-upload-pack'],
    ['POST', '/acme/app.git/git-http-backend'],
    ['POST', '/acme/app/git-upload-pack'], // no .git
    ['POST', '/acme/app.git.git/git-upload-pack'], // would open app.git.git
    ['POST', '/acme/../etc.git/git-upload-pack'],
    ['POST', '/acme/%2e%2e/etc.git/git-upload-pack'],
    ['POST', '/acme/.hidden.git/git-upload-pack'],
    ['POST', '/acme/-rf.git/git-upload-pack'],
    ['POST', '//acme/app.git/git-upload-pack'],
    ['POST', '/acme//app.git/git-upload-pack'],
    ['POST', '/acme/x.git/app.git/git-upload-pack'],
    ['POST', '/.git/git-upload-pack'],
    ['POST', 'acme/app.git/git-upload-pack'],
    ['POST', 'http://evil/acme/app.git/git-upload-pack'],
    ['POST', '/acme/app.git/git-upload-pack/'],
    ['POST', ''],
  ]
  for (const [method, url] of table) t.equal(parseBackendRoute(method, url), undefined, `${method} ${url}`)
})

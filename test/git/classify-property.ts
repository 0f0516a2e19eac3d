// Property tests: requests built from a grammar that mixes valid parts with
// hostile fragments. The oracle is a small model of git-http-backend's own
// routing, applied both to the URL gitward forwards and to the raw URL as a
// web server would hand it to git-http-backend (path decoded once, query
// untouched). Whatever the gate accepts, both must run the same service.
import t from 'tap'
import fc from 'fast-check'
import path from 'node:path'
import { classify } from '../../src/git/classify.js'

// ---- a model of git-http-backend (git 2.39 http-backend.c) -----------------
// It decodes a query with %XX and "+" as space, splits on "&" only, and for a
// repeated name keeps the LAST value.
function backendDecode(s: string): string {
  let out = ''
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!
    if (c === '+') out += ' '
    else if (c === '%' && /^[0-9a-fA-F]{2}$/.test(s.slice(i + 1, i + 3))) {
      out += String.fromCharCode(parseInt(s.slice(i + 1, i + 3), 16))
      i += 2
    } else out += c
  }
  return out
}

function backendService(query: string): string | undefined {
  let service: string | undefined
  for (const part of query.split('&')) {
    const eq = part.indexOf('=')
    const name = backendDecode(eq === -1 ? part : part.slice(0, eq))
    if (name === 'service') service = eq === -1 ? '' : backendDecode(part.slice(eq + 1))
  }
  return service
}

/** Which program git-http-backend runs for a request, or null for none. */
function backendRuns(method: string, pathInfo: string, query: string): string | null {
  const m = method === 'HEAD' ? 'GET' : method
  if (m === 'GET' && /\/info\/refs$/.test(pathInfo)) {
    const service = backendService(query)
    // Smart advertisement only for a service it knows; otherwise dumb refs.
    if (service === 'git-upload-pack' || service === 'git-receive-pack') return service
    return null
  }
  if (m === 'POST') {
    for (const s of ['git-upload-pack', 'git-receive-pack', 'git-upload-archive']) {
      if (pathInfo.endsWith('/' + s)) return s
    }
  }
  return null
}

/** Split a URL the way a web server does before running the CGI. */
function asWebServer(url: string): { pathInfo: string; query: string } | undefined {
  const q = url.indexOf('?')
  const rawPath = q === -1 ? url : url.slice(0, q)
  try {
    return { pathInfo: decodeURIComponent(rawPath), query: q === -1 ? '' : url.slice(q + 1) }
  } catch {
    return undefined // the web server itself would refuse it
  }
}

// ---- the request grammar ----------------------------------------------------
const segmentFragment = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('acme', 'app', 'sub', 'a.b', 'c_d', 'e-f', 'app.git') },
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      'info', 'refs', 'git-upload-pack', 'git-receive-pack', 'git-upload-archive',
      '%67it-receive-pack', 'git-receive-pack%00', 'info%2frefs', 'git%2dreceive-pack',
    ),
  },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '..', '.', '%2e%2e', '%2E', '%2f', '%2F', '%252f', '%252e%252e', '\\', '%5c', '', '%00', '%0a',
      '%c0%ae', '%', '%zz', '.git', '-x', '%20', ';', '?', '#', '%3f', '%23', '%e9', '%c3%a9',
    ),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 6 }) },
)
const segment = fc.array(segmentFragment, { minLength: 1, maxLength: 2 }).map(parts => parts.join(''))
const suffix = fc.constantFrom(
  '/info/refs', '/git-upload-pack', '/git-receive-pack', '/git-upload-archive', '/info/refs/', '/HEAD', '', '/objects/info/packs',
)
const param = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom('service=git-upload-pack', 'service=git-receive-pack') },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      'service=git%2Dreceive-pack', '%73ervice=git-receive-pack', 'service=', 'service', 'x=1',
      'SERVICE=git-receive-pack', 'service=git-receive-pack+', 'service=git-upload-pack%26service=git-receive-pack',
      'service=git-upload-pack;service=git-receive-pack', 'service=git%2dupload-pack', '',
    ),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 8 }) },
)
const query = fc.oneof(
  { weight: 2, arbitrary: fc.constant('') },
  {
    weight: 5,
    arbitrary: fc
      .tuple(fc.array(param, { minLength: 1, maxLength: 3 }), fc.constantFrom('&', '&', ';'))
      .map(([ps, sep]) => '?' + ps.join(sep)),
  },
)
const prefix = fc.constantFrom('/', '/', '/', '//', 'http://h/', '')
const url = fc
  .tuple(prefix, fc.array(segment, { minLength: 1, maxLength: 4 }), suffix, query, fc.constantFrom('', '', '', '#f'))
  .map(([p, segs, s, q, frag]) => p + segs.join('/') + s + q + frag)
const method = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('GET', 'HEAD', 'POST') },
  { weight: 1, arbitrary: fc.constantFrom('PUT', 'get', 'post', 'PROPFIND', 'OPTIONS') },
)
const contentType = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.constantFrom(
      'application/x-git-upload-pack-request',
      'application/x-git-receive-pack-request',
      'application/x-git-upload-archive-request',
    ),
  },
  { weight: 1, arbitrary: fc.constantFrom('text/plain', 'application/x-git-receive-pack-request; x=1', '') },
)
const hostileRequest = fc.record({ method, url, contentType })

// A valid request of each of the five forms, then zero to two hostile
// fragments spliced in at random places: most edits break it, some do not,
// and the ones that do not are exactly what the property has to hold for.
const validName = fc.constantFrom('acme', 'app', 'sub', 'a.b', 'c_d', 'e-f', 'x1')
const form = fc.constantFrom(
  { method: 'GET', route: '/info/refs?service=git-upload-pack', ct: '' },
  { method: 'HEAD', route: '/info/refs?service=git-upload-pack', ct: '' },
  { method: 'GET', route: '/info/refs?service=git-receive-pack', ct: '' },
  { method: 'POST', route: '/git-upload-pack', ct: 'application/x-git-upload-pack-request' },
  { method: 'POST', route: '/git-receive-pack', ct: 'application/x-git-receive-pack-request' },
  { method: 'POST', route: '/git-upload-archive', ct: 'application/x-git-upload-archive-request' },
)
const splice = fc.constantFrom(
  '&service=git-receive-pack', '&service=git-upload-pack', '?service=git-receive-pack', '&x=1', ';service=git-receive-pack',
  '%2d', '%2f', '%252f', '/..', '/.', '//', '\\', '%5c', '%00', '%2e%2e', '%c0%ae', '.git', '/git-receive-pack',
  '/info/refs', '#', '%', '+', '%61', '%41', 'A', '-', '/',
)
// Where to splice: anywhere, or at the very end (where a second `service=`
// does its damage).
const edit = fc.tuple(fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), fc.constant(1)), splice)
const mutatedRequest = fc
  .tuple(fc.array(validName, { minLength: 1, maxLength: 3 }), fc.boolean(), form, fc.array(edit, { maxLength: 2 }))
  .map(([names, dotGit, f, edits]) => {
    let u = '/' + names.join('/') + (dotGit ? '.git' : '') + f.route
    for (const [at, frag] of edits) {
      const i = Math.floor(at * u.length)
      u = u.slice(0, i) + frag + u.slice(i)
    }
    return { method: f.method, url: u, contentType: f.ct }
  })

// A valid repository path with a query from the hostile grammar.
const hostileQuery = fc
  .tuple(fc.array(validName, { minLength: 1, maxLength: 3 }), fc.constantFrom('', '.git'), query, method)
  .map(([names, dotGit, q, m]) => ({ method: m, url: '/' + names.join('/') + dotGit + '/info/refs' + q, contentType: '' }))

const request = fc.oneof(
  { weight: 1, arbitrary: hostileRequest },
  { weight: 1, arbitrary: hostileQuery },
  { weight: 2, arbitrary: mutatedRequest },
  { weight: 1, arbitrary: fc.record({ method, url: mutatedRequest.map(r => r.url), contentType }) },
)

t.test('gate and git-http-backend always agree on the service, so no write passes as a read', async t => {
  let accepted = 0
  let acceptedReads = 0
  fc.assert(
    fc.property(request, ({ method, url, contentType }) => {
      const c = classify(method, url, { 'content-type': contentType })
      if (!c.ok) return true
      accepted++
      if (c.access === 'read') acceptedReads++

      const q = c.forwardUrl.indexOf('?')
      const forwarded = backendRuns(
        method,
        q === -1 ? c.forwardUrl : c.forwardUrl.slice(0, q),
        q === -1 ? '' : c.forwardUrl.slice(q + 1),
      )
      const raw = asWebServer(url)
      const direct = raw === undefined ? null : backendRuns(method, raw.pathInfo, raw.query)

      if (c.access === 'read' && (forwarded === 'git-receive-pack' || direct === 'git-receive-pack')) return false
      // Stronger: both readings run exactly the service the gate classified.
      return forwarded === c.service && direct === c.service
    }),
    { numRuns: 2000 },
  )
  // The grammar must actually reach accepted requests, or the property is empty.
  t.ok(accepted > 100, `accepted ${accepted} of 2000`)
  t.ok(acceptedReads > 30, `accepted reads ${acceptedReads}`)
})

t.test('the model itself sees the attacks the gate refuses', async t => {
  // If these did not hold, the property above could pass for the wrong reason.
  t.equal(backendRuns('GET', '/a/info/refs', 'service=git-upload-pack&service=git-receive-pack'), 'git-receive-pack')
  t.equal(backendRuns('GET', '/a/info/refs', 'service=git%2Dreceive-pack'), 'git-receive-pack')
  t.equal(backendRuns('HEAD', '/a/info/refs', '%73ervice=git-receive-pack'), 'git-receive-pack')
  t.equal(backendRuns('POST', '/a/git-receive-pack', ''), 'git-receive-pack')
  for (const u of [
    '/a/info/refs?service=git-upload-pack&service=git-receive-pack',
    '/a/info/refs?service=git%2Dreceive-pack',
    '/a/info/refs?%73ervice=git-receive-pack',
  ]) {
    t.equal(classify('GET', u, {}).ok, false, u)
  }
})

t.test('no accepted request names a repository outside the repositories root', async t => {
  const root = path.resolve('/srv/git/repositories')
  let accepted = 0
  fc.assert(
    fc.property(request, ({ method, url, contentType }) => {
      const c = classify(method, url, { 'content-type': contentType })
      if (!c.ok) return true
      accepted++
      const resolved = path.resolve(root, c.project + '.git')
      // Exactly the project's own directory: no "..", no absolute part, no
      // collapsed separators.
      return resolved.startsWith(root + '/') && resolved === root + '/' + c.project + '.git'
    }),
    { numRuns: 2000 },
  )
  t.ok(accepted > 100, `accepted ${accepted} of 2000`)
})

t.test('arbitrary strings never make classify throw', async t => {
  fc.assert(
    fc.property(fc.string({ maxLength: 64 }), fc.string({ maxLength: 64 }), fc.string({ maxLength: 8 }), (m, u, ct) => {
      const c = classify(m, u, { 'content-type': ct })
      return c.ok ? c.forwardUrl.startsWith('/') : [400, 404, 405, 414, 415].includes(c.status)
    }),
    { numRuns: 2000 },
  )
  t.pass('no throw')
})

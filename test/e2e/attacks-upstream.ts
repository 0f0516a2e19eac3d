// A misbehaving upstream (an external git-http-backend server behind
// gitward): one that dies halfway through a response must cut the client's
// response too (a client left waiting for bytes that never come is a hung
// clone and a held connection); one that refuses connections, hangs or talks
// garbage is a 502; and after each, gitward keeps serving.
import t from 'tap'
import http from 'node:http'
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net'
import { startGitward } from '../helpers/servers/gitward.js'
import { basicAuth } from '../helpers/http/request.js'
import { assertNever } from '../../src/assert-never.js'

type Mode = 'ok' | 'die-mid-body' | 'die-mid-chunked' | 'hang' | 'garbage'
let mode: Mode = 'ok'
const upstreamSockets = new Set<Socket>()
const upstream = http.createServer((req, res) => {
  req.resume()
  const current = mode
  switch (current) {
    case 'ok':
      res.writeHead(200, { 'Content-Type': 'application/x-git-upload-pack-advertisement' })
      res.end('001e# service=git-upload-pack\n0000')
      return
    case 'die-mid-body':
      res.writeHead(200, { 'Content-Type': 'application/x-git-upload-pack-result', 'Content-Length': '100000' })
      res.write(Buffer.alloc(5000, 'P'), () => setTimeout(() => res.socket?.destroy(), 50))
      return
    case 'die-mid-chunked':
      res.writeHead(200, { 'Content-Type': 'application/x-git-upload-pack-result' })
      res.write(Buffer.alloc(5000, 'P'), () => setTimeout(() => res.socket?.destroy(), 50))
      return
    case 'hang':
      return
    case 'garbage':
      res.socket?.end('SSH-2.0-OpenSSH_9.2\r\nnot http at all\r\n\r\n')
      return
    default:
      assertNever(current, 'mode')
  }
})
upstream.on('connection', s => {
  upstreamSockets.add(s)
  s.on('close', () => upstreamSockets.delete(s))
})
await new Promise<void>(resolve => upstream.listen(0, '127.0.0.1', resolve))
t.teardown(
  () =>
    new Promise<void>(resolve => {
      for (const s of upstreamSockets) s.destroy()
      upstream.close(() => resolve())
    }),
)

const h = await startGitward(t, {
  config: { upstream: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`, upstream_timeout_ms: '1000', ban_enabled: 'false' },
})
const port = h.app.port
await h.createProject('acme/app')
const { token } = await h.mint({ project: 'acme/app' })

interface Outcome {
  status: number
  bytes: number
  complete: boolean
  error?: string
}

/** One request through gitward; resolves however the response ends (bounded). */
function fetchThrough(path: string, method = 'GET'): Promise<Outcome> {
  return new Promise(resolve => {
    const headers: Record<string, string> = { Authorization: basicAuth(token) }
    if (method === 'POST') {
      headers['Content-Type'] = 'application/x-git-upload-pack-request'
      headers['Content-Length'] = '4'
    }
    const req = http.request({ host: '127.0.0.1', port, path, method, headers, agent: false, timeout: 15_000 }, res => {
      let bytes = 0
      let settled = false
      const done = (error?: string): void => {
        if (settled) return
        settled = true
        resolve({ status: res.statusCode ?? 0, bytes, complete: res.complete, ...(error === undefined ? {} : { error }) })
      }
      res.on('data', (c: Buffer) => (bytes += c.length))
      res.on('end', () => done())
      res.on('aborted', () => done('aborted'))
      res.on('error', e => done(e.message))
      res.on('close', () => done('closed'))
    })
    req.on('timeout', () => req.destroy(new Error('timeout: the response hung')))
    req.on('error', e => resolve({ status: 0, bytes: 0, complete: false, error: e.message }))
    req.end(method === 'POST' ? '0000' : undefined)
  })
}

const ADV = '/acme/app.git/info/refs?service=git-upload-pack'
const RPC = '/acme/app.git/git-upload-pack'

t.test('the upstream works', async t => {
  mode = 'ok'
  const r = await fetchThrough(ADV)
  t.equal(r.status, 200)
  t.ok(r.complete)
})

for (const [dying, label] of [['die-mid-body', 'a Content-Length body'], ['die-mid-chunked', 'a chunked body']] as const) {
  t.test(`an upstream that dies halfway through ${label}: the client's response is cut, not left hanging`, async t => {
    mode = dying
    const r = await fetchThrough(RPC, 'POST')
    t.not(r.error, 'timeout: the response hung', 'the response ended within the bound')
    t.notOk(r.complete, `the response is marked incomplete (${JSON.stringify(r)})`)
    t.ok(r.bytes < 100_000, 'the client did not get a full body')
    mode = 'ok'
    const after = await fetchThrough(ADV)
    t.equal(after.status, 200, 'gitward keeps serving')
    t.ok(after.complete)
  })
}

t.test('an upstream that never answers: 502 after upstream_timeout_ms, then gitward keeps serving', async t => {
  mode = 'hang'
  const r = await fetchThrough(ADV)
  t.equal(r.status, 502, JSON.stringify(r))
  mode = 'ok'
  t.equal((await fetchThrough(ADV)).status, 200)
})

t.test('an upstream that answers garbage: 502, then gitward keeps serving', async t => {
  mode = 'garbage'
  const r = await fetchThrough(ADV)
  t.equal(r.status, 502, JSON.stringify(r))
  mode = 'ok'
  t.equal((await fetchThrough(ADV)).status, 200)
})

t.test('an upstream that refuses connections: 502, and /-/health says so', async t => {
  // A port that was just bound and released: nothing listens there.
  const closed: Server = createServer()
  await new Promise<void>(resolve => closed.listen(0, '127.0.0.1', resolve))
  const deadPort = (closed.address() as AddressInfo).port
  await new Promise<void>(resolve => closed.close(() => resolve()))
  const g = await startGitward(t, { config: { upstream: `http://127.0.0.1:${deadPort}`, ban_enabled: 'false' } })
  await g.createProject('acme/app')
  const m = await g.mint({ project: 'acme/app' })
  const r = await new Promise<number>((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port: g.app.port, path: ADV, headers: { Authorization: basicAuth(m.token) }, agent: false }, res => {
        res.resume()
        resolve(res.statusCode ?? 0)
      })
      .on('error', reject)
  })
  t.equal(r, 502)
  const health = await new Promise<number>((resolve, reject) => {
    http.get({ host: '127.0.0.1', port: g.app.port, path: '/-/health', agent: false }, res => {
      res.resume()
      resolve(res.statusCode ?? 0)
    }).on('error', reject)
  })
  t.equal(health, 503, 'health reports the unreachable backend')
  const anonymous = await new Promise<number>((resolve, reject) => {
    http.get({ host: '127.0.0.1', port: g.app.port, path: ADV, agent: false }, res => {
      res.resume()
      resolve(res.statusCode ?? 0)
    }).on('error', reject)
  })
  t.equal(anonymous, 401, 'a refused request is still a 401, decided before any upstream contact')
})

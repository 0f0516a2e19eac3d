// The forward step streams to the upstream, accepts a body stream that the
// gate has already started reading (a later rule check reads the start of a
// receive-pack body before deciding), cuts the client when the upstream dies
// mid-response, and answers 502 when the upstream is down.
import t, { type Test } from 'tap'
import http from 'node:http'
import { PassThrough } from 'node:stream'
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { createForwarder } from '../../src/front/forwarder.js'
import { silentLogger } from '../../src/log/logger.js'

async function listen(handler: http.RequestListener): Promise<{ server: http.Server; port: number }> {
  const server = http.createServer(handler)
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return { server, port: (server.address() as AddressInfo).port }
}

async function front(t: Test, upstreamPort: number, onRequest: (req: http.IncomingMessage, res: http.ServerResponse, f: ReturnType<typeof createForwarder>) => void) {
  const f = createForwarder({ target: { kind: 'url', url: `http://127.0.0.1:${upstreamPort}` }, logger: silentLogger, upstreamTimeoutMs: 5000 })
  const { server, port } = await listen((req, res) => onRequest(req, res, f))
  t.teardown(() => {
    f.close()
    server.closeAllConnections()
    server.close()
  })
  return port
}

const post = (port: number, body: string) =>
  new Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }>((resolve, reject) => {
    const req = http.request({ port, host: '127.0.0.1', method: 'POST', path: '/raw/../path?x=1', headers: { 'content-type': 'text/plain' } }, res => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', c => (text += c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, headers: res.headers }))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(body)
  })

t.test('forwards the given URL and headers, and a body already started', async t => {
  const seen: Array<{ url?: string; headers: http.IncomingHttpHeaders; body: string }> = []
  const up = await listen((req, res) => {
    let body = ''
    req.setEncoding('utf8')
    req.on('data', c => (body += c))
    req.on('end', () => {
      seen.push({ url: req.url, headers: req.headers, body })
      res.end('echo:' + body)
    })
  })
  t.teardown(() => up.server.close())
  const port = await front(t, up.port, (req, res, f) => {
    // Read the first chunk ourselves, as a ref-update check would, then hand
    // over a stream that replays it followed by the rest.
    req.once('readable', () => {
      const head = req.read() as Buffer | null
      const body = new PassThrough()
      if (head !== null) body.write(Buffer.concat([Buffer.from('[inspected]'), head]))
      req.pipe(body)
      f.forward(req, res, { url: '/acme/app.git/git-receive-pack', headers: { 'content-type': 'text/plain', 'transfer-encoding': 'chunked', 'x-added': 'yes' }, body })
    })
  })
  const r = await post(port, 'pack-bytes')
  t.equal(r.status, 200)
  t.equal(r.body, 'echo:[inspected]pack-bytes')
  t.equal(seen[0]?.url, '/acme/app.git/git-receive-pack', 'the canonical URL, not the raw one')
  t.equal(seen[0]?.headers['x-added'], 'yes')
  t.equal(seen[0]?.headers['content-type'], 'text/plain')
})

t.test('an upstream that dies mid-response cuts the client instead of leaving it hanging', async t => {
  const up = await listen((_req, res) => {
    res.writeHead(200, { 'content-length': '1000000' })
    res.write('x'.repeat(1000))
    setTimeout(() => res.socket?.destroy(), 50)
  })
  t.teardown(() => up.server.close())
  const port = await front(t, up.port, (req, res, f) => f.forward(req, res, { url: '/x', headers: {} }))
  const outcome = await new Promise<string>(resolve => {
    const req = http.request({ port, host: '127.0.0.1', method: 'GET', path: '/' }, res => {
      res.on('data', () => {})
      res.on('end', () => resolve('ended'))
      res.on('error', () => resolve('cut'))
      res.on('aborted', () => resolve('cut'))
    })
    req.on('error', () => resolve('cut'))
    req.end()
  })
  t.equal(outcome, 'cut')
})

t.test('an upstream that is down gives a plain 502', async t => {
  const closed = await listen(() => {})
  const deadPort = closed.port
  await new Promise<void>(r => closed.server.close(() => r()))
  const port = await front(t, deadPort, (req, res, f) => f.forward(req, res, { url: '/x', headers: {} }))
  const r = await post(port, '')
  t.equal(r.status, 502)
  t.match(r.headers['content-type'], /^text\/plain; charset=utf-8/)
  t.match(r.body, /The git backend is unavailable/)
})

t.test('an upstream silent past upstream_timeout_ms gives a 502', async t => {
  const up = await listen(() => {
    // never answers
  })
  t.teardown(() => {
    up.server.closeAllConnections()
    up.server.close()
  })
  const f = createForwarder({ target: { kind: 'url', url: `http://127.0.0.1:${up.port}` }, logger: silentLogger, upstreamTimeoutMs: 300 })
  const { server, port } = await listen((req, res) => f.forward(req, res, { url: '/x', headers: {} }))
  t.teardown(() => {
    f.close()
    server.closeAllConnections()
    server.close()
  })
  const r = await post(port, '')
  t.equal(r.status, 502)
})

t.test('a client that leaves mid-answer stops the upstream request', async t => {
  let upstreamClosed: () => void = () => {}
  const closedUpstream = new Promise<void>(resolve => (upstreamClosed = resolve))
  const up = await listen((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream' })
    res.write('x'.repeat(1000))
    res.on('close', () => upstreamClosed())
  })
  t.teardown(() => {
    up.server.closeAllConnections()
    up.server.close()
  })
  const port = await front(t, up.port, (req, res, f) => f.forward(req, res, { url: '/x', headers: {} }))
  await new Promise<void>(resolve => {
    const req = http.request({ port, host: '127.0.0.1', method: 'GET', path: '/' }, res => {
      res.once('data', () => {
        req.destroy()
        resolve()
      })
    })
    req.on('error', () => {})
    req.end()
  })
  await closedUpstream
  t.pass('the upstream saw its request end')
})

t.test("hop-by-hop headers of the upstream's answer are not relayed; the others are", async t => {
  const up = await listen((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/x-git-upload-pack-advertisement', 'cache-control': 'no-cache', 'keep-alive': 'timeout=99', 'x-extra': 'kept' })
    res.end('body')
  })
  t.teardown(() => up.server.close())
  const port = await front(t, up.port, (req, res, f) => f.forward(req, res, { url: '/x', headers: {} }))
  const r = await post(port, '')
  t.equal(r.status, 200)
  t.equal(r.body, 'body')
  t.equal(r.headers['content-type'], 'application/x-git-upload-pack-advertisement')
  t.equal(r.headers['x-extra'], 'kept')
  t.not(r.headers['keep-alive'], 'timeout=99')
})

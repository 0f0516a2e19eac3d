// The one plain-text responder: the same headers whoever answers (gate or
// embedded backend), a line git can print as "remote: …".
import t from 'tap'
import http from 'node:http'
import { sendText } from '../../src/http/plain-text.js'

async function answer(method: string, respond: (res: http.ServerResponse) => void): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  const server = http.createServer((_req, res) => respond(res))
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', () => resolve()))
  const port = (server.address() as { port: number }).port
  try {
    return await new Promise((resolve, reject) => {
      http
        .request({ host: '127.0.0.1', port, method, agent: false }, res => {
          let body = ''
          res.setEncoding('utf8')
          res.on('data', (d: string) => (body += d))
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
        })
        .on('error', reject)
        .end()
    })
  } finally {
    server.close()
  }
}

t.test('one line, never cached, never sniffed', async t => {
  const r = await answer('GET', res => sendText(res, 404, 'Repository not found.'))
  t.equal(r.status, 404)
  t.equal(r.body, 'Repository not found.\n')
  t.equal(r.headers['content-type'], 'text/plain; charset=utf-8')
  t.equal(r.headers['content-length'], String(Buffer.byteLength(r.body)))
  t.equal(r.headers['cache-control'], 'no-store')
  t.equal(r.headers['x-content-type-options'], 'nosniff')
  t.equal(r.headers['www-authenticate'], undefined)
})

t.test('challenge, Retry-After and Connection: close on request', async t => {
  const r = await answer('GET', res => sendText(res, 401, 'Who are you?\n', { challenge: true, retryAfter: 3, close: true }))
  t.equal(r.body, 'Who are you?\n', 'a trailing newline is not doubled')
  t.equal(r.headers['www-authenticate'], 'Basic realm="gitward"')
  t.equal(r.headers['retry-after'], '3')
  t.equal(r.headers['connection'], 'close')
})

t.test('HEAD gets the headers without the body', async t => {
  const r = await answer('HEAD', res => sendText(res, 200, 'ok'))
  t.equal(r.status, 200)
  t.equal(r.body, '')
  t.equal(r.headers['content-length'], '3')
})

t.test('after the headers have gone out, the connection is cut instead', async t => {
  const outcome = await new Promise<string>(resolve => {
    const server = http.createServer((_req, res) => {
      res.writeHead(200)
      res.write('partial')
      sendText(res, 500, 'too late')
    })
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port
      http
        .get({ host: '127.0.0.1', port, agent: false }, res => {
          res.resume()
          res.on('end', () => resolve('ended'))
          res.on('error', () => resolve('cut'))
          res.on('aborted', () => resolve('cut'))
        })
        .on('error', () => resolve('cut'))
    })
    t.teardown(() => server.close())
  })
  t.equal(outcome, 'cut')
})

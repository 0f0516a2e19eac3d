#!/usr/bin/env node
// The benchmark's "node-pipe": the smallest Node gate one could write in
// front of the same nginx — Basic auth checked against one SHA-256 digest,
// then http.request and two pipe() calls. No classification, no rules, no
// log, no limits. It measures what forwarding through a Node process costs
// by itself, so gitward --upstream can be compared with a plain stream pipe
// in the same run (issue 15's external-upstream target).
//
//   GITWARD_PIPE_DIGEST=<sha256 hex of the password> node test/bench/node-pipe.mjs --upstream URL [--port 0]
//
// Prints "node-pipe is listening on http://127.0.0.1:PORT" on stderr; stops
// on SIGTERM or SIGINT. Loopback only.
import { createHash, timingSafeEqual } from 'node:crypto'
import http from 'node:http'
import { parseArgs } from 'node:util'

const { values } = parseArgs({ options: { upstream: { type: 'string' }, port: { type: 'string', default: '0' } } })
const digest = Buffer.from(process.env.GITWARD_PIPE_DIGEST ?? '', 'hex')
if (values.upstream === undefined || digest.length !== 32) {
  process.stderr.write('usage: GITWARD_PIPE_DIGEST=<hex> node-pipe.mjs --upstream URL [--port PORT]\n')
  process.exit(2)
}
const upstream = new URL(values.upstream)
const agent = new http.Agent({ keepAlive: true, maxSockets: 512 })

const allowed = authorization => {
  const m = /^Basic ([A-Za-z0-9+/=]+)$/.exec(authorization ?? '')
  if (m === null) return false
  const decoded = Buffer.from(m[1], 'base64').toString('utf8')
  const password = decoded.slice(decoded.indexOf(':') + 1)
  return timingSafeEqual(createHash('sha256').update(password).digest(), digest)
}

const server = http.createServer((req, res) => {
  if (!allowed(req.headers.authorization)) {
    res.writeHead(401, { 'www-authenticate': 'Basic realm="pipe"', 'content-type': 'text/plain' })
    res.end('Authentication required\n')
    return
  }
  const { authorization: _, ...headers } = req.headers
  const out = http.request({ hostname: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers, agent }, answer => {
    res.writeHead(answer.statusCode ?? 502, answer.headers)
    answer.pipe(res)
  })
  out.on('error', () => res.destroy())
  res.on('close', () => {
    if (!res.writableFinished) out.destroy()
  })
  req.pipe(out)
})
server.listen(Number(values.port), '127.0.0.1', () => {
  process.stderr.write(`node-pipe is listening on http://127.0.0.1:${server.address().port}\n`)
})
const stop = () => server.close(() => agent.destroy())
process.on('SIGTERM', stop)
process.on('SIGINT', stop)

// An external upstream must answer; any HTTP answer will do (the doctor sends
// no credentials and asks for no repository), only silence is a failure.
import http from 'node:http'
import https from 'node:https'
import { fail, ok, type CheckResult } from './check-result.js'

export function checkUpstream(upstream: string, timeoutMs = 3000): Promise<CheckResult> {
  const socketPath = upstream.startsWith('unix:') ? upstream.slice('unix:'.length) : null
  const url = socketPath === null ? new URL(upstream) : null
  const lib = url?.protocol === 'https:' ? https : http
  return new Promise(resolve => {
    const req = lib.request(
      socketPath !== null
        ? { socketPath, path: '/', method: 'GET', timeout: timeoutMs, headers: { Host: 'localhost' } }
        : { host: url?.hostname, port: url?.port, path: '/', method: 'GET', timeout: timeoutMs, agent: false },
      res => {
        res.resume()
        resolve(ok('upstream.reachable', `${upstream} answers (HTTP ${res.statusCode ?? '?'})`))
      },
    )
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)))
    req.on('error', (e: NodeJS.ErrnoException) =>
      resolve(fail('upstream.reachable', `${upstream} cannot be reached (${e.code ?? e.message})`, 'start the upstream web server, or correct upstream')),
    )
    req.end()
  })
}

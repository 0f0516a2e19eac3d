// The metrics listener (metrics_listen): a separate plain-HTTP address that
// answers GET /-/metrics and nothing else. It is meant for a loopback or
// management-network address that only Prometheus reaches; the public
// listener serves the page only to metrics_allow addresses.
import http from 'node:http'
import type { Logger } from '../log/logger.js'
import { GitwardError } from '../errors.js'
import { METRICS_PATH, sendMetricsPage } from './metrics-page.js'
import { sendText } from '../http/plain-text.js'

export interface MetricsServer {
  listen(host: string, port: number): Promise<{ host: string; port: number }>
  close(): Promise<void>
}

export function createMetricsServer(o: { render: () => Promise<{ contentType: string; body: string }>; logger: Logger }): MetricsServer {
  const server = http.createServer({ requestTimeout: 30_000, headersTimeout: 10_000, keepAliveTimeout: 5000 }, (req, res) => {
    req.on('error', () => {})
    if (req.url !== METRICS_PATH || (req.method !== 'GET' && req.method !== 'HEAD')) {
      sendText(res, 404, 'Not found.')
      return
    }
    sendMetricsPage(res, o.render, o.logger)
  })
  server.on('clientError', (_e, socket) => socket.destroy())
  return {
    listen: (host, port) =>
      new Promise((resolve, reject) => {
        server.once('error', (e: NodeJS.ErrnoException) =>
          reject(new GitwardError('LISTEN_FAILED', `Cannot listen for metrics on ${host}:${port}: ${e.code ?? e.message}; check metrics_listen.`)),
        )
        server.listen(port, host, () => {
          const a = server.address()
          resolve(typeof a === 'object' && a !== null ? { host: a.address, port: a.port } : { host, port })
        })
      }),
    close: () =>
      new Promise<void>(resolve => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

// Writes the Prometheus exposition text, for the metrics listener and for
// allowed addresses on the public listener alike.
import type { ServerResponse } from 'node:http'
import type { Logger } from '../log/logger.js'
import { sendText } from '../http/plain-text.js'

export const METRICS_PATH = '/-/metrics'

export function sendMetricsPage(
  res: ServerResponse,
  render: () => Promise<{ contentType: string; body: string }>,
  logger: Logger,
): void {
  render().then(
    ({ contentType, body }) => {
      if (res.destroyed) return
      const bytes = Buffer.from(body, 'utf8')
      res.writeHead(200, { 'Content-Type': contentType, 'Content-Length': bytes.length, 'Cache-Control': 'no-store' })
      res.end(res.req?.method === 'HEAD' ? undefined : bytes)
    },
    (error: unknown) => {
      logger.error('metrics could not be collected', { error })
      sendText(res, 500, 'The metrics could not be collected; the server log has details.')
    },
  )
}

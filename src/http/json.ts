// JSON answers (the HTTP API's): application/json, never cached, never
// sniffed. The counterpart of plain-text.ts for clients that parse bodies.
import type { ServerResponse } from 'node:http'

export interface JsonResponseOptions {
  /** Seconds, for 503 and 429. */
  retryAfter?: number
  /** Close the connection after answering (a refused request body is not read). */
  close?: boolean
  /** More headers (pagination). */
  headers?: Record<string, string | number>
  /** The X-Request-Id header, when the caller has not set it on `res` already. */
  requestId?: string
}

/** `body` undefined: no body at all (204). */
export function sendJson(res: ServerResponse, status: number, body: unknown, options: JsonResponseOptions = {}): void {
  if (res.headersSent || res.destroyed) {
    res.destroy()
    return
  }
  const payload = body === undefined ? null : Buffer.from(JSON.stringify(body), 'utf8')
  const headers: Record<string, string | number> = {
    ...options.headers,
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  }
  if (payload !== null) {
    headers['Content-Type'] = 'application/json'
    headers['Content-Length'] = payload.length
  }
  if (options.retryAfter !== undefined) headers['Retry-After'] = options.retryAfter
  if (options.close === true) headers['Connection'] = 'close'
  if (options.requestId !== undefined) headers['X-Request-Id'] = options.requestId
  res.writeHead(status, headers)
  res.end(res.req?.method === 'HEAD' || payload === null ? undefined : payload)
}

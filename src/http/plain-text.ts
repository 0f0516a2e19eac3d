// Every answer gitward writes itself — a refusal at the gate, a 404 or 503
// from the embedded backend, a health check — goes out through this one
// function: text/plain; charset=utf-8, one line, which git prints to its user
// as "remote: <line>". Never cached (a 401 or 503 is about this moment), never
// sniffed as anything but text.
import type { ServerResponse } from 'node:http'

export const REALM = 'gitward'

export interface TextResponseOptions {
  /** Add `WWW-Authenticate: Basic realm="gitward"` (401 only). */
  challenge?: boolean
  /** Seconds, for 503 and 429. */
  retryAfter?: number
  /** Close the connection after answering (a refused request body is not read). */
  close?: boolean
  /** The X-Request-Id header, when the caller has not set it on `res` already. */
  requestId?: string
}

export function sendText(res: ServerResponse, status: number, message: string, options: TextResponseOptions = {}): void {
  // Too late for a status line: cutting the connection is the only way left
  // to tell the client its response is incomplete.
  if (res.headersSent || res.destroyed) {
    res.destroy()
    return
  }
  const body = Buffer.from(message.endsWith('\n') ? message : message + '\n', 'utf8')
  const headers: Record<string, string | number> = {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': body.length,
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  }
  if (options.challenge === true) headers['WWW-Authenticate'] = `Basic realm="${REALM}"`
  if (options.retryAfter !== undefined) headers['Retry-After'] = options.retryAfter
  if (options.close === true) headers['Connection'] = 'close'
  if (options.requestId !== undefined) headers['X-Request-Id'] = options.requestId
  res.writeHead(status, headers)
  res.end(res.req?.method === 'HEAD' ? undefined : body)
}

// Forwards an authorized request upstream with http-proxy-3, streaming both
// ways with backpressure. The caller hands over the canonical URL and the
// complete header set; nothing of the client's request line or headers is
// forwarded unless it is in that set.
//
// The body source is a parameter: a later rule check can read the start of a
// receive-pack body (the ref-update commands), decide, and hand the stream it
// has started reading to forward() as `body`.
import http from 'node:http'
import https from 'node:https'
import type { ClientRequest, IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http'
import { connect } from 'node:net'
import type { Readable } from 'node:stream'
import { createProxyServer } from 'http-proxy-3'
import type { Logger } from '../log/logger.js'
import { sendText } from '../http/plain-text.js'

export type UpstreamTarget = { kind: 'socket'; path: string } | { kind: 'url'; url: string }

export interface ForwarderOptions {
  target: UpstreamTarget
  logger: Logger
  /** An upstream response silent for this long is abandoned. */
  upstreamTimeoutMs: number
}

export interface ForwardRequest {
  url: string
  headers: OutgoingHttpHeaders
  /** Body stream to send instead of `req` (already partly read, or counted). */
  body?: Readable
}

export interface Forwarder {
  forward(req: IncomingMessage, res: ServerResponse, request: ForwardRequest): void
  /** True when the upstream accepts a connection. */
  reachable(timeoutMs: number): Promise<boolean>
  close(): void
}

export function createForwarder(options: ForwarderOptions): Forwarder {
  const { target, logger } = options
  // Keep-alive to the upstream: no TCP or socket set-up per request.
  const agentOptions = { keepAlive: true, maxSockets: 512, maxFreeSockets: 64 }
  const agent =
    target.kind === 'url' && target.url.startsWith('https:')
      ? new https.Agent(agentOptions)
      : new http.Agent(agentOptions)
  const proxyTarget =
    target.kind === 'socket'
      ? { socketPath: target.path, host: 'localhost', port: 80, protocol: 'http:' }
      : target.url
  const proxy = createProxyServer({
    target: proxyTarget,
    agent,
    xfwd: false,
    // The Host is already gitward's choice (upstream-headers.ts), for socket
    // and URL targets alike; the proxy must not substitute its own.
    changeOrigin: false,
    proxyTimeout: options.upstreamTimeoutMs,
  })

  // Without this a proxy-level error would be thrown as an 'error' event.
  proxy.on('error', (error, _req, res) => {
    logger.warn('upstream error', { error })
    if ('writeHead' in res) upstreamFailed(res)
    else res.destroy()
  })

  // The upstream request of each client request, so a body that fails (cut
  // off, or over the gate's size limit) can abort it: the upstream would
  // otherwise wait for the rest until its timeout.
  const upstreamRequests = new WeakMap<IncomingMessage, ClientRequest>()
  proxy.on('proxyReq', (proxyReq, req) => {
    upstreamRequests.set(req, proxyReq)
  })

  proxy.on('proxyRes', (proxyRes, _req, res) => {
    // An upstream that dies mid-response must not leave the client waiting
    // for bytes that will never come: cut the client connection too.
    proxyRes.on('close', () => {
      if (!proxyRes.complete) res.destroy()
    })
    proxyRes.on('error', () => res.destroy())
  })

  function upstreamFailed(res: ServerResponse): void {
    if (res.headersSent) res.destroy()
    else sendText(res, 502, 'The git backend is unavailable; try again later or tell the server administrator.', { close: true })
  }

  function forward(req: IncomingMessage, res: ServerResponse, request: ForwardRequest): void {
    // The request line and headers become exactly what the gate built.
    req.url = request.url
    req.headers = request.headers as IncomingMessage['headers']
    const body = request.body
    body?.once('error', () => {
      upstreamRequests.get(req)?.destroy()
    })
    void proxy.web(req, res, body === undefined ? {} : { buffer: body }, (error: Error) => {
      logger.warn('upstream request failed', { error, url: request.url })
      upstreamFailed(res)
    })
  }

  function reachable(timeoutMs: number): Promise<boolean> {
    return new Promise(resolve => {
      const socket =
        target.kind === 'socket'
          ? connect(target.path)
          : (() => {
              const u = new URL(target.url)
              const port = Number(u.port === '' ? (u.protocol === 'https:' ? 443 : 80) : u.port)
              return connect(port, u.hostname.replace(/^\[|\]$/g, ''))
            })()
      const done = (ok: boolean): void => {
        socket.destroy()
        resolve(ok)
      }
      socket.setTimeout(timeoutMs, () => done(false))
      socket.once('connect', () => done(true))
      socket.once('error', () => done(false))
    })
  }

  return {
    forward,
    reachable,
    close: () => {
      proxy.close()
      agent.destroy()
    },
  }
}

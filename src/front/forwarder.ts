// Forwards an authorized request upstream over one keep-alive connection
// pool, streaming both ways with backpressure: the request body is piped to
// the upstream request, the upstream response is piped to the client. The
// caller hands over the canonical URL and the complete header set; nothing
// of the client's request line or headers is forwarded unless it is in that
// set, and of the upstream's answer only hop-by-hop framing is dropped.
//
// A plain pipe, not a proxy library: it is all gitward needs, and every
// failure is handled here in one place (docs/performance.md measured the
// difference in memory and per-request cost).
//
// The body source is a parameter: a later rule check can read the start of a
// receive-pack body (the ref-update commands), decide, and hand the stream it
// has started reading to forward() as `body`.
import http from 'node:http'
import https from 'node:https'
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http'
import { connect } from 'node:net'
import type { Readable } from 'node:stream'
import type { Logger } from '../log/logger.js'
import { sendText } from '../http/plain-text.js'
import { HOP_BY_HOP_HEADERS } from '../http/hop-by-hop.js'

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


const MSG_UNAVAILABLE = 'The git backend is unavailable; try again later or tell the server administrator.'

export function createForwarder(options: ForwarderOptions): Forwarder {
  const { target, logger } = options
  // Keep-alive to the upstream: no TCP or socket set-up per request.
  const agentOptions = { keepAlive: true, maxSockets: 512, maxFreeSockets: 64 }
  const secure = target.kind === 'url' && target.url.startsWith('https:')
  const agent = secure ? new https.Agent(agentOptions) : new http.Agent(agentOptions)
  const request = secure ? https.request : http.request
  // Where each request goes: a socket path, or the URL's host, port and
  // path prefix (the canonical URL is appended to it).
  const base: http.RequestOptions =
    target.kind === 'socket'
      ? { socketPath: target.path }
      : (() => {
          const u = new URL(target.url)
          return {
            protocol: u.protocol,
            hostname: u.hostname.replace(/^\[|\]$/g, ''),
            port: u.port === '' ? (secure ? 443 : 80) : Number(u.port),
          }
        })()
  const prefix = target.kind === 'url' ? new URL(target.url).pathname.replace(/\/+$/, '') : ''

  function upstreamFailed(res: ServerResponse): void {
    if (res.headersSent) res.destroy()
    else sendText(res, 502, MSG_UNAVAILABLE, { close: true })
  }

  function forward(req: IncomingMessage, res: ServerResponse, forwarded: ForwardRequest): void {
    const body = forwarded.body ?? req
    let failed = false
    const fail = (what: string, error: Error): void => {
      if (failed) return
      failed = true
      logger.warn(what, { error, url: forwarded.url })
      upstreamFailed(res)
    }
    const upstream = request({
      ...base,
      agent,
      method: req.method ?? 'GET',
      path: prefix + forwarded.url,
      // Exactly the gate's header set, Host included (upstream-headers.ts);
      // only a caller that chose none gets the target's own.
      headers: forwarded.headers,
      setHost: forwarded.headers['host'] === undefined,
    })
    // An upstream silent for this long, before or during its answer, is abandoned.
    upstream.setTimeout(options.upstreamTimeoutMs, () => {
      upstream.destroy(new Error(`the upstream was silent for ${options.upstreamTimeoutMs} ms`))
    })
    upstream.on('error', error => {
      // Before the answer: 502. During it: the client is cut (fail() sees
      // headersSent), so it cannot take a partial pack for a whole one.
      if (!res.writableEnded) fail('upstream request failed', error)
    })
    upstream.on('response', (answer: IncomingMessage) => {
      const headers = Object.create(null) as OutgoingHttpHeaders
      for (const [name, value] of Object.entries(answer.headers)) {
        if (value !== undefined && !HOP_BY_HOP_HEADERS.has(name)) headers[name] = value
      }
      try {
        res.writeHead(answer.statusCode ?? 502, answer.statusMessage, headers)
      } catch (error) {
        answer.destroy()
        fail('upstream answer could not be relayed', error as Error)
        return
      }
      // An upstream that dies mid-response must not leave the client waiting
      // for bytes that will never come: cut the client connection too.
      answer.on('error', () => res.destroy())
      answer.on('close', () => {
        if (!answer.complete) res.destroy()
      })
      // One write to the client per turn of the event loop: a read from the
      // upstream often holds several chunks of its chunked encoding, and
      // writing each on its own costs a system call apiece
      // (docs/performance.md). Added before pipe(), so it corks first.
      let corked = false
      const uncork = (): void => {
        corked = false
        res.uncork()
      }
      answer.on('data', () => {
        if (corked) return
        corked = true
        res.cork()
        process.nextTick(uncork)
      })
      answer.pipe(res)
    })
    // The client left, or the gate answered on its own (a negotiation body
    // over its limit): nobody reads the answer any more, so the upstream
    // request (and the git process behind it) is stopped.
    res.once('close', () => {
      if (!res.writableFinished) upstream.destroy()
    })
    // A body that fails (cut off, or over the gate's size limit) never ends:
    // the upstream would wait for the rest until its timeout.
    body.once('error', () => upstream.destroy())
    body.pipe(upstream)
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
      agent.destroy()
    },
  }
}

// The listening socket: HTTP or HTTPS, with limits and timeouts that fit git
// traffic. A clone or push may take hours, so there is no total-time limit
// (Node's default requestTimeout of 300 s would cut long pushes with a 408):
// only slow headers and idle connections are cut.
import http from 'node:http'
import https from 'node:https'
import type { Socket } from 'node:net'
import type { Logger } from '../log/logger.js'
import type { Gate } from './gate.js'
import { sendText } from '../http/plain-text.js'
import { GitwardError } from '../errors.js'

export interface PublicServerOptions {
  gate: Gate
  logger: Logger
  tls: { cert: Buffer; key: Buffer } | null
  maxHeaderBytes: number
  maxHeaders: number
  maxConnections: number
  headersTimeoutMs: number
  idleTimeoutMs: number
  keepAliveTimeoutMs: number
}

export interface PublicServer {
  readonly server: http.Server
  listen(host: string, port: number): Promise<{ host: string; port: number }>
  /** Swap in a renewed certificate without dropping connections. */
  reloadTls(tls: { cert: Buffer; key: Buffer }): void
  /** Requests still being answered. */
  inFlight(): number
  /** Stop accepting; wait up to graceMs for in-flight requests; then cut the rest. */
  shutdown(graceMs: number): Promise<{ cut: number }>
}

function listenError(e: NodeJS.ErrnoException, host: string, port: number): GitwardError {
  const where = `${host.includes(':') ? `[${host}]` : host}:${port}`
  const why =
    e.code === 'EADDRINUSE'
      ? 'the address is already in use; stop the other program or choose another --listen'
      : e.code === 'EACCES'
        ? 'permission denied; ports below 1024 need CAP_NET_BIND_SERVICE'
        : e.code === 'EADDRNOTAVAIL'
          ? 'no network interface has that address'
          : `the system refused (${e.code ?? e.message})`
  return new GitwardError('LISTEN_FAILED', `Cannot listen on ${where}: ${why}.`)
}

export function createPublicServer(o: PublicServerOptions): PublicServer {
  const serverOptions: http.ServerOptions = {
    maxHeaderSize: o.maxHeaderBytes,
    requestTimeout: 0,
    headersTimeout: o.headersTimeoutMs,
    // Node enforces headersTimeout only when it sweeps its connections, every
    // 30 s by default: a slow-header (slowloris) client would keep its socket
    // for up to 30 s whatever headers_timeout_ms says. Sweep at a quarter of
    // the timeout, so a slow client is cut within 1.25 × the configured time.
    connectionsCheckingInterval: Math.min(30_000, Math.max(250, Math.floor(o.headersTimeoutMs / 4))),
    keepAliveTimeout: o.keepAliveTimeoutMs,
    // Reject ambiguous framings (e.g. both Content-Length and Transfer-Encoding).
    insecureHTTPParser: false,
  }
  const server: http.Server =
    o.tls === null
      ? http.createServer(serverOptions)
      : // A client that connects and never finishes the handshake is dropped
        // after 10 s (Node's default is 120 s).
        https.createServer({ ...serverOptions, cert: o.tls.cert, key: o.tls.key, handshakeTimeout: 10_000 })

  // One more than allowed, so the gate can see that the limit was exceeded.
  server.maxHeadersCount = o.maxHeaders + 1
  server.maxConnections = o.maxConnections
  // Idle limit per connection; traffic in either direction resets it.
  server.timeout = o.idleTimeoutMs

  // Every raw connection, including TLS ones still in their handshake, which
  // the HTTP layer does not know about yet: shutdown must be able to cut them.
  const sockets = new Set<Socket>()
  server.on('connection', (socket: Socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
  })

  let inFlight = 0
  let idle: (() => void) | null = null
  const track = (res: http.ServerResponse): void => {
    inFlight++
    res.on('close', () => {
      inFlight--
      if (inFlight === 0) idle?.()
    })
  }

  server.on('request', (req, res) => {
    track(res)
    o.gate(req, res, false)
  })
  // Decide before telling the client to send its body: a refused push never
  // uploads its pack.
  server.on('checkContinue', (req, res) => {
    track(res)
    o.gate(req, res, true)
  })
  server.on('checkExpectation', (_req, res) => {
    sendText(res, 417, 'Only "Expect: 100-continue" is supported.', { close: true })
  })
  // CONNECT asks the server to become a TCP tunnel (to any host:port). Node
  // hands it to this event, not to 'request', and without a listener drops
  // the connection with no answer; say no explicitly instead.
  server.on('connect', (_req: http.IncomingMessage, socket: Socket) => {
    o.logger.info('malformed request refused', { code: 'CONNECT', status: '405' })
    socket.on('error', () => {})
    socket.end(`HTTP/1.1 405 Method Not Allowed\r\nAllow: GET, HEAD, POST\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\nContent-Length: 34\r\n\r\nThis server is not an HTTP proxy.\n`)
  })
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    // A response already streaming on this connection must not get an error
    // page spliced into it: just close.
    const streaming = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent === true
    if (!socket.writable || streaming) {
      socket.destroy()
      return
    }
    const status =
      error.code === 'HPE_HEADER_OVERFLOW'
        ? '431 Request Header Fields Too Large'
        : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? '408 Request Timeout'
          : '400 Bad Request'
    o.logger.info('malformed request refused', { code: error.code, status: status.slice(0, 3) })
    socket.end(`HTTP/1.1 ${status}\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\nContent-Length: 24\r\n\r\nThe request is invalid.\n`)
  })
  server.on('tlsClientError', (error: Error) => {
    o.logger.debug('TLS handshake failed', { error })
  })

  return {
    server,
    listen: (host, port) =>
      new Promise((resolve, reject) => {
        // The same function is added and removed: off() compares listeners by
        // identity, so removing `reject` would leave this one behind.
        const failed = (e: NodeJS.ErrnoException): void => reject(listenError(e, host, port))
        server.once('error', failed)
        server.listen(port, host, () => {
          server.off('error', failed)
          const a = server.address()
          resolve(typeof a === 'object' && a !== null ? { host: a.address, port: a.port } : { host, port })
        })
      }),
    reloadTls: tls => {
      if (server instanceof https.Server) server.setSecureContext({ cert: tls.cert, key: tls.key })
    },
    inFlight: () => inFlight,
    shutdown: async graceMs => {
      const closed = new Promise<void>(resolve => server.close(() => resolve()))
      server.closeIdleConnections()
      if (inFlight > 0) {
        await new Promise<void>(resolve => {
          const timer = setTimeout(resolve, graceMs)
          idle = () => {
            clearTimeout(timer)
            resolve()
          }
        })
      }
      const cut = inFlight
      server.closeAllConnections()
      for (const socket of sockets) socket.destroy()
      await closed
      return { cut }
    },
  }
}

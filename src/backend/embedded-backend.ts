// The embedded git-http-backend: an HTTP server inside the gitward process
// that runs one `git http-backend` CGI process per request and streams both
// directions. It trusts the `x-gitward-remote-user` header, so it listens on a
// Unix socket in a directory only gitward's user can enter; the front is the
// only client that can reach it.
import { spawn as nodeSpawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { chmod, mkdtemp, rm } from 'node:fs/promises'
import http from 'node:http'
import { Transform, type Readable } from 'node:stream'
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http'
import { isIP } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { GitwardError, isGitwardError } from '../errors.js'
import type { Logger } from '../log/logger.js'
import { parseBackendRoute, type BackendRoute } from './backend-route.js'
import { buildCgiEnv, requestContentEncoding } from './cgi-env.js'
import { CgiResponseParser, type CgiHead } from './cgi-response-parser.js'
import { createConcurrencyLimiter, type Release, type WaitOutcome } from '../limits/concurrency-limiter.js'
import { checkRepositoryContainment, describeRefusal } from './repository-containment.js'

export interface EmbeddedBackendOptions {
  /** Directory holding `<group>/<project>.git` repositories. */
  reposRoot: string
  /** The git program (default `git`, looked up in `pathEnv`). */
  gitBinary?: string
  logger: Logger
  /** Git processes that may run at once. */
  maxProcesses: number
  /** Longest wait for a free process slot before answering 503. */
  queueTimeoutMs: number
  /** Longest queue of waiting requests (default 4 × maxProcesses). */
  maxQueue?: number
  /** Bytes git may buffer for one request (GIT_HTTP_MAX_REQUEST_BUFFER). */
  maxRequestBuffer: number
  /** A private, empty HOME for git, so no user's config is read. */
  homeDir: string
  /** PATH for git and its hooks (default `/usr/local/bin:/usr/bin:/bin`). */
  pathEnv?: string
  spawn?: typeof nodeSpawn
  /** Time between SIGTERM and SIGKILL when a git process must stop (default 5000). */
  killGraceMs?: number
  /** Told how each wait for a process slot ended (metrics). */
  onQueueWait?: (outcome: WaitOutcome, waitedMs: number) => void
}

export interface EmbeddedBackend {
  /** Listen on a fresh private Unix socket: mkdtemp dir with mode 0700, socket chmod 0600. */
  listenPrivate(parentDir?: string): Promise<{ socketPath: string }>
  /** Listen on TCP (loopback only; used by the benchmark's "direct" mode and tests). */
  listenTcp(host: string, port: number): Promise<{ port: number }>
  /** Number of git processes currently running. */
  activeProcesses(): number
  /** Stop listening, end running git processes, remove the socket directory. */
  close(): Promise<void>
  /**
   * The request handler itself, for in-process use: the front can hand a
   * request straight to it (no socket, no second HTTP parse). `body`, when
   * given, is read instead of `req` (a stream the front has already started
   * reading or is counting).
   */
  handler: (req: IncomingMessage, res: ServerResponse, body?: Readable) => void
}

export const DEFAULT_PATH_ENV = '/usr/local/bin:/usr/bin:/bin'
const DEFAULT_KILL_GRACE_MS = 5000
/** How much of a git process's stderr is kept for the log. */
const STDERR_LOG_BYTES = 4096
// sockaddr_un.sun_path is 108 bytes on Linux, including the terminating NUL.
const MAX_SOCKET_PATH = 107

// Framing belongs to the connection to the front, not to git's reply.
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'proxy-authenticate',
  'proxy-connection',
])

function sendPlain(res: ServerResponse, status: number, text: string, extra: OutgoingHttpHeaders = {}): void {
  if (res.headersSent || res.destroyed) {
    res.destroy()
    return
  }
  const body = text + '\n'
  res.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-cache',
    ...extra,
  })
  res.end(body)
}

function responseHeaders(head: CgiHead): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = Object.create(null)
  for (const [name, values] of Object.entries(head.headers)) {
    if (!HOP_BY_HOP.has(name)) out[name] = values.length === 1 ? values[0] : values
  }
  return out
}

const isLoopback = (host: string): boolean =>
  (isIP(host) === 4 && host.startsWith('127.')) || host === '::1'

/** Keeps the first `limit` bytes of a stream and counts the rest. */
function tail(limit: number): { add(chunk: Buffer): void; text(): string; dropped(): number } {
  const kept: Buffer[] = []
  let keptBytes = 0
  let dropped = 0
  return {
    add(chunk) {
      const room = limit - keptBytes
      if (room > 0) {
        const part = chunk.length <= room ? chunk : chunk.subarray(0, room)
        kept.push(Buffer.from(part))
        keptBytes += part.length
      }
      dropped += Math.max(0, chunk.length - Math.max(0, room))
    },
    text: () => Buffer.concat(kept).toString('utf8').trimEnd(),
    dropped: () => dropped,
  }
}

export function createEmbeddedBackend(options: EmbeddedBackendOptions): EmbeddedBackend {
  const {
    reposRoot,
    logger,
    homeDir,
    maxRequestBuffer,
    gitBinary = 'git',
    pathEnv = DEFAULT_PATH_ENV,
    spawn = nodeSpawn,
    killGraceMs = DEFAULT_KILL_GRACE_MS,
  } = options
  const problems: string[] = []
  if (!path.isAbsolute(reposRoot)) problems.push('the repository root must be an absolute path')
  if (!path.isAbsolute(homeDir)) problems.push('the backend home directory must be an absolute path')
  if (!Number.isSafeInteger(maxRequestBuffer) || maxRequestBuffer <= 0) {
    problems.push('the request buffer must be a positive whole number of bytes')
  }
  if (!(killGraceMs >= 0)) problems.push('the kill grace period must not be negative')
  if (problems.length > 0) {
    throw new GitwardError('INVALID_CONFIG', `The embedded backend is misconfigured: ${problems.join('; ')}.`)
  }
  const limiter = createConcurrencyLimiter({
    maxConcurrent: options.maxProcesses,
    queueTimeoutMs: options.queueTimeoutMs,
    ...(options.maxQueue === undefined ? {} : { maxQueue: options.maxQueue }),
    ...(options.onQueueWait === undefined ? {} : { onWaitEnd: options.onQueueWait }),
  })

  /** Running git processes, each with a way to stop it and a promise for its end. */
  const running = new Map<ChildProcess, { stop: () => void; closed: Promise<void> }>()
  const servers: http.Server[] = []
  const socketDirs: string[] = []
  let closing = false

  /**
   * SIGTERM to the whole process group, SIGKILL after the grace period.
   * `isClosed` turns true once git and every process holding its pipes are
   * gone; until then the group id still names our processes.
   */
  function terminate(child: ChildProcess, isClosed: () => boolean, closed: Promise<void>): void {
    const pid = child.pid
    if (pid === undefined || isClosed()) return
    // git http-backend starts upload-pack or receive-pack, which start
    // pack-objects or index-pack. They share the process group created by
    // `detached: true`, so one signal reaches the whole tree.
    const signal = (sig: NodeJS.Signals): void => {
      try {
        process.kill(-pid, sig)
      } catch {
        // ESRCH: the group is already gone.
      }
    }
    signal('SIGTERM')
    const timer = setTimeout(() => signal('SIGKILL'), killGraceMs)
    void closed.then(() => clearTimeout(timer))
  }

  function runGit(req: IncomingMessage, res: ServerResponse, body: Readable, route: BackendRoute, release: Release, log: Logger): void {
    const env = buildCgiEnv({
      projectRoot: reposRoot,
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
      socketAddress: req.socket.remoteAddress,
      pathEnv,
      homeDir,
      maxRequestBuffer,
    })
    let child: ChildProcess
    try {
      child = spawn(gitBinary, ['http-backend'], {
        env,
        cwd: homeDir,
        shell: false,
        stdio: ['pipe', 'pipe', 'pipe'],
        // Its own process group, so a disconnect can stop every process
        // git starts for this request, not only the first one.
        detached: true,
      })
    } catch (err) {
      release()
      throw err
    }
    const stdin = child.stdin
    const stdout = child.stdout
    const stderr = child.stderr
    if (stdin === null || stdout === null || stderr === null) {
      release()
      throw new GitwardError('UPSTREAM_FAILED', 'The git backend process has no standard streams.')
    }

    let isClosed = false
    let resolveClosed = (): void => {}
    const closed = new Promise<void>(resolve => (resolveClosed = resolve))
    let stopping = false
    const stop = (): void => {
      if (stopping) return
      stopping = true
      terminate(child, () => isClosed, closed)
    }
    running.set(child, { stop, closed })

    const errors = tail(STDERR_LOG_BYTES)
    const parser = new CgiResponseParser()
    let headSent = false
    let bodyEnded = false
    let failure: unknown = null
    let clientGone = false
    let exit: { code: number | null; signal: NodeJS.Signals | null } | null = null
    let settled = false

    // Answer once git has exited and its output has been read (or given up on).
    const settle = (): void => {
      if (settled || exit === null) return
      if (!bodyEnded && failure === null && !clientGone) return
      settled = true
      const ok = exit.code === 0 && failure === null && bodyEnded
      const fields = {
        project: route.project,
        service: route.service,
        exitCode: exit.code,
        signal: exit.signal,
        ...(errors.text() === '' ? {} : { stderr: errors.text(), stderrDropped: errors.dropped() }),
      }
      if (clientGone) {
        log.info('client went away; git process stopped', fields)
        return
      }
      if (!ok) log.warn('git http-backend failed', { ...fields, ...(failure === null ? {} : { error: failure }) })
      else if (errors.text() !== '') log.warn('git http-backend wrote to stderr', fields)
      if (!headSent && ok && pendingHead !== null) {
        // A complete reply with an empty body.
        if (sendHead()) res.end()
      } else if (!headSent) {
        sendPlain(res, 502, 'The git backend failed.')
      } else if (ok) {
        res.end()
      } else {
        // Headers (and part of the body) are out: cutting the connection is
        // the only way to tell the client the response is incomplete.
        res.destroy()
      }
    }

    child.on('error', err => {
      // Spawn failures (ENOENT, EACCES) arrive here; 'close' follows.
      failure ??= err
    })
    child.on('close', (code, signal) => {
      isClosed = true
      exit = { code, signal }
      running.delete(child)
      release()
      resolveClosed()
      settle()
    })

    // The request body goes to git with backpressure. git may stop reading
    // early (an error reply, a refused push); EPIPE then only ends the copy.
    stdin.on('error', err => log.debug('git stdin closed early', { error: err }))
    body.on('error', err => {
      // The body will never end (cut off, or over the front's size limit):
      // git would wait for the rest forever.
      log.debug('request stream error', { error: err })
      stdin.destroy()
      stop()
    })
    body.pipe(stdin)

    // stderr is drained completely (a full pipe would block git) but only
    // its start is kept.
    stderr.on('data', (chunk: Buffer) => errors.add(chunk))
    stderr.on('error', () => {})

    stdout.on('error', err => {
      failure ??= err
    })
    parser.on('error', err => {
      failure ??= err
      stop()
      settle()
    })
    // The status line goes out with the first byte of the body, not when git
    // prints its headers: git http-backend prints them before it runs the
    // service, so a service that fails at once (a malformed request) can
    // still be answered with a plain 502 instead of a cut connection.
    let pendingHead: CgiHead | null = null
    let firstByte: Transform | null = null
    const sendHead = (): boolean => {
      if (headSent || pendingHead === null || clientGone) return headSent
      try {
        res.writeHead(pendingHead.status, responseHeaders(pendingHead))
      } catch (err) {
        parser.destroy(err as Error)
        return false
      }
      headSent = true
      return true
    }
    parser.once('head', (head: CgiHead) => {
      if (clientGone) return
      pendingHead = head
      firstByte = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          if (!sendHead()) {
            callback()
            return
          }
          callback(null, chunk)
        },
      })
      firstByte.on('error', () => {})
      // The body is complete once the last byte has been handed to `res`.
      firstByte.on('end', () => {
        bodyEnded = true
        settle()
      })
      // end: false — the response is ended only after git's exit status is
      // known, so a crash mid-pack is not reported as a complete reply.
      parser.pipe(firstByte).pipe(res, { end: false })
    })
    // A reply without a head never ends normally (the parser errors instead).
    stdout.pipe(parser)

    res.on('error', err => log.debug('response stream error', { error: err }))
    res.once('close', () => {
      // Closed before git's reply was settled — the client left, or the
      // front answered on its own (a negotiation body over its limit): either
      // way nobody reads git's output any more.
      if (settled) return
      // The front (or a direct client) is gone: nobody will read the rest,
      // so the git process tree is stopped and its slot freed.
      clientGone = true
      body.unpipe(stdin)
      stdin.destroy()
      firstByte?.unpipe(res)
      // Drain and discard what git still writes, so it is never blocked on
      // a full pipe while the signal is on its way.
      stdout.unpipe(parser)
      parser.destroy()
      stdout.resume()
      stop()
      settle()
    })
  }

  async function serve(req: IncomingMessage, res: ServerResponse, body: Readable): Promise<void> {
    // Handed over in-process, the response may already be closed.
    let clientGone = res.destroyed
    res.once('close', () => {
      clientGone = true
    })
    const route = parseBackendRoute(req.method ?? '', req.url ?? '')
    if (route === undefined) {
      // Dumb-HTTP paths, other methods and anything else outside the closed
      // set never reach git.
      sendPlain(res, 404, 'Not found.')
      return
    }
    const log = logger.child({ project: route.project, service: route.service })
    if (requestContentEncoding(req.headers) === 'unsupported') {
      sendPlain(res, 415, 'The request body uses a Content-Encoding git cannot read.')
      return
    }
    const containment = await checkRepositoryContainment(reposRoot, route.project)
    if (!containment.ok) {
      const reason = describeRefusal(containment.reason)
      if (containment.reason === 'missing') log.debug('repository not served', { reason })
      else log.warn('repository not served', { reason })
      sendPlain(res, 404, 'Repository not found.')
      return
    }
    if (clientGone) return
    // A client that leaves while queued gives up its place in the queue.
    const abort = new AbortController()
    const onClose = (): void => abort.abort(new GitwardError('UPSTREAM_FAILED', 'The client went away.'))
    res.once('close', onClose)
    let release: Release
    try {
      release = await limiter.acquire(abort.signal)
    } catch (err) {
      if (abort.signal.aborted) return
      if (isGitwardError(err) && err.code === 'OVERLOADED') {
        log.warn('backend overloaded; request refused', { active: limiter.active(), queued: limiter.queued() })
        sendPlain(res, 503, 'The git backend is busy; try again shortly.', { 'retry-after': '1' })
        return
      }
      throw err
    } finally {
      res.off('close', onClose)
    }
    if (clientGone || closing) {
      release()
      if (!clientGone) sendPlain(res, 503, 'The git backend is shutting down.', { 'retry-after': '1' })
      return
    }
    runGit(req, res, body, route, release, log)
  }

  const handler = (req: IncomingMessage, res: ServerResponse, body?: Readable): void => {
    serve(req, res, body ?? req).catch(err => {
      logger.error('embedded backend request failed', { error: err })
      if (res.headersSent) res.destroy()
      else sendPlain(res, 500, 'The git backend failed.')
    })
  }

  function startServer(listen: (server: http.Server, done: (err?: Error) => void) => void): Promise<http.Server> {
    const server = http.createServer(
      {
        // A large push may take longer than Node's default five minutes;
        // the front applies the client-facing limits.
        requestTimeout: 0,
        keepAliveTimeout: 30_000,
      },
      handler,
    )
    return new Promise((resolve, reject) => {
      server.once('error', reject)
      listen(server, err => {
        server.off('error', reject)
        if (err) {
          reject(err)
          return
        }
        server.on('error', error => logger.error('embedded backend server error', { error }))
        servers.push(server)
        resolve(server)
      })
    })
  }

  return {
    handler,

    async listenPrivate(parentDir = tmpdir()) {
      if (closing) throw new GitwardError('UPSTREAM_FAILED', 'The embedded backend is closed.')
      // mkdtemp creates the directory 0700; the chmod states it. Nobody else
      // can enter it, which also covers the moment between the socket's
      // creation (with the process umask) and its chmod to 0600.
      const dir = await mkdtemp(path.join(parentDir, 'gitward-backend-'))
      const socketPath = path.join(dir, 'backend.sock')
      try {
        await chmod(dir, 0o700)
        if (Buffer.byteLength(socketPath) > MAX_SOCKET_PATH) {
          throw new GitwardError(
            'INVALID_CONFIG',
            `The backend socket path ${socketPath} is longer than ${MAX_SOCKET_PATH} bytes; ` +
              'use a shorter runtime directory.',
          )
        }
        const server = await startServer((s, done) => {
          s.listen(socketPath, () => done())
        })
        socketDirs.push(dir)
        try {
          await chmod(socketPath, 0o600)
        } catch (err) {
          servers.splice(servers.indexOf(server), 1)
          server.close()
          throw err
        }
      } catch (err) {
        await rm(dir, { recursive: true, force: true })
        throw err
      }
      logger.debug('embedded backend listening', { socketPath })
      return { socketPath }
    },

    async listenTcp(host, port) {
      if (closing) throw new GitwardError('UPSTREAM_FAILED', 'The embedded backend is closed.')
      // The backend believes x-gitward-remote-user; reachable from another
      // machine, anyone could claim an identity and push.
      if (!isLoopback(host)) {
        throw new GitwardError(
          'INVALID_CONFIG',
          `The embedded backend listens on loopback addresses only, not ${host}.`,
        )
      }
      const server = await startServer((s, done) => {
        s.listen(port, host, () => done())
      })
      const address = server.address()
      if (address === null || typeof address === 'string') {
        throw new GitwardError('UPSTREAM_FAILED', 'The embedded backend has no TCP address.')
      }
      return { port: address.port }
    },

    activeProcesses: () => running.size,

    async close() {
      closing = true
      const stopped = servers.map(
        server =>
          new Promise<void>(resolve => {
            server.close(() => resolve())
            server.closeIdleConnections()
          }),
      )
      const children = [...running.values()]
      for (const c of children) c.stop()
      await Promise.all(children.map(c => c.closed))
      // Every git process is gone; whatever connection is still open has
      // nothing more coming.
      for (const server of servers) server.closeAllConnections()
      await Promise.all(stopped)
      servers.length = 0
      await Promise.all(socketDirs.splice(0).map(dir => rm(dir, { recursive: true, force: true })))
    },
  }
}

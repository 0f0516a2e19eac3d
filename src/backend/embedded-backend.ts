// The embedded backend: an HTTP server inside the gitward process that
// serves git's smart HTTP protocol by running one git process per request
// (git-upload-pack or git-receive-pack, chosen by git-service.ts) and
// streaming both directions (each request is one GitExchange,
// src/backend/git-exchange.ts). It trusts the `x-gitward-remote-user`
// header, so it listens on a Unix socket in a directory only gitward's user
// can enter; the front is the only client that can reach it.
import { spawn as nodeSpawn } from 'node:child_process'
import { chmod, mkdtemp, rm } from 'node:fs/promises'
import http from 'node:http'
import type { Readable } from 'node:stream'
import zlib from 'node:zlib'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { isIP } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { GitwardError } from '../errors.js'
import { sendText } from '../http/plain-text.js'
import { createConcurrencyLimiter, type WaitOutcome } from '../limits/concurrency-limiter.js'
import type { Logger } from '../log/logger.js'
import { parseBackendRoute } from './backend-route.js'
import { isGzip, MSG_UNSUPPORTED_ENCODING, requestContentEncoding } from '../git/request-headers.js'
import { buildGitEnv } from './git-env.js'
import { GitExchange, type ExchangeDeps } from './git-exchange.js'
import { planService, type GitService } from './git-service.js'
import type { ServicePrograms } from './git-service-programs.js'
import { checkRepositoryContainment, describeRefusal } from './repository-containment.js'

export interface EmbeddedBackendOptions {
  /** Directory holding `<group>/<project>.git` repositories. */
  reposRoot: string
  /** The git program (default `git`, looked up in `pathEnv`). */
  gitBinary?: string
  /**
   * git-upload-pack and git-receive-pack themselves (in git's exec path,
   * git-service-programs.ts). Run directly, a request costs one exec less
   * than `git upload-pack`, whose wrapper only finds and runs this same
   * program. Default: `gitBinary upload-pack` and `gitBinary receive-pack`.
   */
  servicePrograms?: ServicePrograms
  logger: Logger
  /** Git processes that may run at once. */
  maxProcesses: number
  /** Longest wait for a free process slot before answering 503. */
  queueTimeoutMs: number
  /** Longest queue of waiting requests (default 4 × maxProcesses). */
  maxQueue?: number
  /** A private, empty HOME for git, so no user's config is read. */
  homeDir: string
  /** gitward's hooks directory (hooks-dir.ts), for pushes the gate wants checked. */
  hooksDir?: string
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
// sockaddr_un.sun_path is 108 bytes on Linux, including the terminating NUL.
const MAX_SOCKET_PATH = 107

const isLoopback = (host: string): boolean =>
  (isIP(host) === 4 && host.startsWith('127.')) || host === '::1'

export function createEmbeddedBackend(options: EmbeddedBackendOptions): EmbeddedBackend {
  const {
    reposRoot,
    logger,
    homeDir,
    gitBinary = 'git',
    pathEnv = DEFAULT_PATH_ENV,
    spawn = nodeSpawn,
    killGraceMs = DEFAULT_KILL_GRACE_MS,
  } = options
  const problems: string[] = []
  if (!path.isAbsolute(reposRoot)) problems.push('the repository root must be an absolute path')
  if (!path.isAbsolute(homeDir)) problems.push('the backend home directory must be an absolute path')
  if (!(killGraceMs >= 0)) problems.push('the kill grace period must not be negative')
  if (problems.length > 0) {
    throw new GitwardError('INVALID_CONFIG', `The embedded backend is misconfigured: ${problems.join('; ')}.`)
  }

  const servers: http.Server[] = []
  const socketDirs: string[] = []
  let closing = false
  const exchangeDeps: ExchangeDeps = {
    limiter: createConcurrencyLimiter({
      maxConcurrent: options.maxProcesses,
      queueTimeoutMs: options.queueTimeoutMs,
      ...(options.maxQueue === undefined ? {} : { maxQueue: options.maxQueue }),
      ...(options.onQueueWait === undefined ? {} : { onWaitEnd: options.onQueueWait }),
    }),
    spawnGit: ({ program, args, env, cwd }) =>
      spawn(program, args, {
        env,
        cwd,
        shell: false,
        stdio: ['pipe', 'pipe', 'pipe'],
        // Its own process group, so a disconnect can stop every process
        // git starts for this request, not only the first one.
        detached: true,
      }),
    killGraceMs,
    processes: new Set(),
    isClosing: () => closing,
  }

  /** The program and its arguments for a service: git's own one, or the git wrapper. */
  function programFor(service: GitService, args: string[]): { program: string; args: string[] } {
    const direct = options.servicePrograms?.[service]
    return direct === undefined ? { program: gitBinary, args: [service, ...args] } : { program: direct, args }
  }

  async function serve(req: IncomingMessage, res: ServerResponse, body: Readable): Promise<void> {
    const route = parseBackendRoute(req.method ?? '', req.url ?? '')
    if (route === undefined) {
      // Dumb-HTTP paths, other methods and anything else outside the closed
      // set never reach git.
      sendText(res, 404, 'Not found.')
      return
    }
    const log = logger.child({ project: route.project, service: route.service })
    const encoding = requestContentEncoding(req.headers)
    if (encoding === 'unsupported') {
      sendText(res, 415, MSG_UNSUPPORTED_ENCODING)
      return
    }
    const containment = await checkRepositoryContainment(reposRoot, route.project)
    if (!containment.ok) {
      const reason = describeRefusal(containment.reason)
      if (containment.reason === 'missing') log.debug('repository not served', { reason })
      else log.warn('repository not served', { reason })
      sendText(res, 404, 'Repository not found.')
      return
    }
    const env = buildGitEnv({
      projectRoot: reposRoot,
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
      socketAddress: req.socket.remoteAddress,
      pathEnv,
      homeDir,
      hooksDir: options.hooksDir,
    })
    // In git http-backend's order: the repository, then the service, then
    // the request's type; read from the environment, whose values are
    // already checked, as git http-backend reads them.
    const plan = planService(route, { contentType: env.CONTENT_TYPE, remoteUser: env.REMOTE_USER, gitProtocol: env.GIT_PROTOCOL })
    if (!plan.ok) {
      sendText(res, plan.status, plan.message)
      return
    }
    const { call } = plan
    const command = { ...programFor(call.service, call.args), env, cwd: containment.realGitDir }
    // git http-backend inflated a gzip body for the service; so does the
    // backend. (Through the front, a negotiation body arrives inflated
    // already and a push body as git sent it.)
    const input = isGzip(encoding) ? inflate(body) : body
    await new GitExchange({ res, body: input, route, command, head: call.head, preamble: call.preamble, log }, exchangeDeps).run()
  }

  /** The body, inflated; a stream that errors when the body is cut off or is not gzip. */
  function inflate(body: Readable): Readable {
    const gunzip = zlib.createGunzip()
    body.on('error', err => gunzip.destroy(err))
    body.pipe(gunzip)
    return gunzip
  }

  const handler = (req: IncomingMessage, res: ServerResponse, body?: Readable): void => {
    serve(req, res, body ?? req).catch(err => {
      logger.error('embedded backend request failed', { error: err })
      sendText(res, 500, 'The git backend failed.')
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

    activeProcesses: () => exchangeDeps.processes.size,

    async close() {
      closing = true
      const stopped = servers.map(
        server =>
          new Promise<void>(resolve => {
            server.close(() => resolve())
            server.closeIdleConnections()
          }),
      )
      const groups = [...exchangeDeps.processes]
      for (const group of groups) group.stop()
      await Promise.all(groups.map(group => group.exited))
      // Every git process is gone; whatever connection is still open has
      // nothing more coming.
      for (const server of servers) server.closeAllConnections()
      await Promise.all(stopped)
      servers.length = 0
      await Promise.all(socketDirs.splice(0).map(dir => rm(dir, { recursive: true, force: true })))
    },
  }
}

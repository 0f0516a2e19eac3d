// The composition root: builds every part of a running gitward from a frozen
// config and injected dependencies. Nothing else constructs services, so
// tests can build an app with a manual clock, a cheap hasher or a fake spawn
// and get exactly the production wiring otherwise.
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { spawn as spawnType } from 'node:child_process'
import type { Config } from './config/load.js'
import type { Clock } from './clock.js'
import type { Logger } from './log/logger.js'
import type { RandomBytes } from './auth/token-format.js'
import type { Store } from './store/store.js'
import { GitwardError, isGitwardError } from './errors.js'
import { openStore, requireExistingDatabase } from './store/open-store.js'
import { bcryptHasher, type Hasher } from './auth/hasher.js'
import { VerifiedTokenCache } from './auth/verified-token-cache.js'
import { createConcurrencyLimiter } from './limits/concurrency-limiter.js'
import { createTokenVerifier, type TokenVerifier } from './auth/token-verifier.js'
import { InMemoryBanList } from './auth/ban-list.js'
import { LastUsedRecorder } from './auth/last-used-recorder.js'
import { writeHooksDir } from './backend/hooks-dir.js'
import { createEmbeddedBackend, DEFAULT_PATH_ENV, type EmbeddedBackend, type EmbeddedBackendOptions } from './backend/embedded-backend.js'
import { chooseSpawn } from './backend/posix-spawn.js'
import { findServicePrograms } from './backend/git-service-programs.js'
import { createForwarder, type Forwarder, type UpstreamTarget } from './front/forwarder.js'
import { createRoutingForwarder, type RoutingForwarder } from './front/routing-forwarder.js'
import { createInProcessForwarder } from './front/in-process-forwarder.js'
import { createGate, type ApiEndpoint, type ApiOptions, type GateOptions } from './front/gate.js'
import { createTransferWatch } from './limits/transfer-floor.js'
import { createPublicServer, type PublicServer } from './front/public-server.js'
import type { UpstreamKind } from './front/upstream-headers.js'
import { unreadMetrics, type Metrics } from './metrics/sink.js'
import { createAuditFeed } from './admin/audit-feed.js'
import { listTokens } from './admin/list-tokens.js'
import { GIT_SERVICES } from './git/service.js'
import { createMetricsServer } from './metrics/metrics-server.js'
import { AddressRanges } from './net/address-ranges.js'
import { parseHostPort } from './config/load.js'
import { createRequire } from 'node:module'

// package.json sits one level above both src/ and dist/.
const VERSION = (createRequire(import.meta.url)('../package.json') as { version: string }).version

export interface AppDeps {
  config: Config
  clock: Clock
  random: RandomBytes
  logger: Logger
  /** Defaults to bcrypt with the configured cost. */
  hasher?: Hasher
  /** Spawn used by the embedded backend (tests may wrap it). */
  spawn?: typeof spawnType
  /** Refuse to start when the database file does not exist (default true). */
  requireExistingDatabase?: boolean
  /** Defaults to a fresh registry configured from metrics_per_project. */
  metrics?: Metrics
}

export interface App {
  readonly verifier: TokenVerifier
  readonly store: Store
  /** Where clients connect, e.g. http://127.0.0.1:8080 */
  readonly url: string
  readonly port: number
  readonly backend: EmbeddedBackend | null
  /** Where the metrics listener serves /-/metrics (metrics_listen), or null. */
  readonly metricsUrl: string | null
  /** Where the HTTP API is served (the public url, api_listen's, or null when api_enabled is false). */
  readonly apiUrl: string | null
  /** Requests still being answered (each is logged and counted when it ends). */
  inFlight(): number
  reloadTls(): Promise<void>
  /** Graceful stop: in-flight requests get the configured grace period. */
  stop(): Promise<void>
}

async function readTls(config: Config): Promise<{ cert: Buffer; key: Buffer } | null> {
  if (config.tls_cert === null || config.tls_key === null) return null
  try {
    return { cert: await readFile(config.tls_cert), key: await readFile(config.tls_key) }
  } catch (e) {
    throw new GitwardError(
      'INVALID_CONFIG',
      `The TLS certificate or key cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'}); check tls_cert and tls_key.`,
    )
  }
}

/**
 * The embedded backend exactly as `serve` builds it from the config: its
 * private HOME, its limits and the posix_spawn starter. Also used on its own
 * (without the gate) by the benchmark's "direct" server.
 */
export async function createConfiguredBackend(
  config: Config,
  deps: { logger: Logger; spawn?: typeof spawnType; onQueueWait?: EmbeddedBackendOptions['onQueueWait'] },
): Promise<{ backend: EmbeddedBackend; removeHome: () => Promise<void> }> {
  const home = await mkdtemp(join(tmpdir(), 'gitward-home-'))
  // The pre-receive hook of protected pushes (and the chain to each
  // repository's own hooks), private to this process like HOME itself.
  const hooksDir = await writeHooksDir(join(home, 'hooks'), { node: process.execPath })
  const services = findServicePrograms('git', DEFAULT_PATH_ENV)
  if (!services.ok) deps.logger.warn('git processes start through the git wrapper (one exec more per request)', { reason: services.reason })
  const backend = createEmbeddedBackend({
    reposRoot: config.repos,
    logger: deps.logger.child({ component: 'backend' }),
    maxProcesses: config.backend_max_processes,
    queueTimeoutMs: config.backend_queue_timeout_ms,
    homeDir: home,
    hooksDir,
    ...(services.ok ? { servicePrograms: services.programs } : {}),
    // posix_spawn unless a test injects its own: starting git must not
    // cost more as gitward's memory grows (docs/performance.md).
    spawn: deps.spawn ?? chooseSpawn((msg, fields) => deps.logger.warn(msg, fields)).spawn,
    ...(deps.onQueueWait === undefined ? {} : { onQueueWait: deps.onQueueWait }),
  })
  return { backend, removeHome: () => rm(home, { recursive: true, force: true }) }
}

function upstreamTarget(upstream: string): UpstreamTarget {
  return upstream.startsWith('unix:') ? { kind: 'socket', path: upstream.slice('unix:'.length) } : { kind: 'url', url: upstream }
}

export async function startApp(deps: AppDeps): Promise<App> {
  const { config, clock, random, logger } = deps

  // Fail closed: no database, no service. (The CLI's `--init` creates one.)
  // A PostgreSQL database is created by its administrator (createdb); an
  // instance brings its schema up to date under the migration lock.
  if (deps.requireExistingDatabase !== false) requireExistingDatabase(config.db)
  const tls = await readTls(config)
  const store = await openStore({
    db: config.db,
    clock,
    logger,
    busyTimeoutMs: config.db_busy_timeout_ms,
    poolSize: config.db_pool_size,
    connectTimeoutMs: config.db_connect_timeout_ms,
    statementTimeoutMs: config.db_statement_timeout_ms,
  })
  const cleanups: Array<() => Promise<void> | void> = [() => store.close()]
  const cleanup = async (): Promise<void> => {
    for (const c of cleanups.reverse()) await c()
  }

  try {
    // Metrics nobody can read (no metrics_listen, no metrics_allow) are not
    // kept: no prom-client in memory, no counting on every request.
    const readable = config.metrics_listen !== null || config.metrics_allow.length > 0
    const metrics =
      deps.metrics ??
      (readable
        ? (await import('./metrics/metrics.js')).createMetrics({ perProject: config.metrics_per_project, version: VERSION, services: [...GIT_SERVICES, 'api'] })
        : unreadMetrics)
    const hasher = deps.hasher ?? bcryptHasher(config.bcrypt_cost)
    const verifier = createTokenVerifier({
      prefix: config.token_prefix,
      store,
      hasher,
      clock,
      cache: new VerifiedTokenCache({ maxEntries: config.cache_size, ttlMs: config.cache_ttl_ms, clock, random }),
      limiter: createConcurrencyLimiter({
        maxConcurrent: config.bcrypt_concurrency,
        maxQueue: config.bcrypt_queue,
        // One address runs at most half the compares and waits for at most
        // its own share of the queue: a flood of guesses from one address
        // cannot make a first-use token from another address wait.
        maxConcurrentPerKey: Math.max(1, Math.floor(config.bcrypt_concurrency / 2)),
        maxQueuePerKey: config.bcrypt_queue_per_client,
        queueTimeoutMs: 10_000,
        what: 'token checks',
        onWaitEnd: (outcome, ms) => metrics.sink.queueWait('bcrypt', outcome, ms / 1000),
      }),
    })
    const bans = new InMemoryBanList({
      enabled: config.ban_enabled,
      maxFailures: config.ban_max_failures,
      windowMs: config.ban_window_ms,
      banMs: config.ban_time_ms,
      allowlist: config.ban_allowlist,
      clock,
    })
    const lastUsed = new LastUsedRecorder({ store, clock, logger, flushEveryMs: config.last_used_flush_ms })
    lastUsed.start()
    cleanups.push(() => lastUsed.stop())
    if (config.audit_log_interval_ms > 0) {
      const feed = createAuditFeed({ list: () => store.listAudit(), logger, everyMs: config.audit_log_interval_ms })
      await feed.start()
      cleanups.push(() => feed.stop())
    }

    let backend: EmbeddedBackend | null = null
    let forwarder: Forwarder
    let upstream: UpstreamKind
    let routing: RoutingForwarder | null = null
    if (config.upstream !== null) {
      const target = upstreamTarget(config.upstream)
      const host = config.upstream_host ?? (target.kind === 'socket' ? 'localhost' : new URL(target.url).host)
      forwarder = createForwarder({ target, logger, upstreamTimeoutMs: config.upstream_timeout_ms })
      if (config.route.length > 0) {
        // Path-routed backends: each [[route]] prefix to its own upstream,
        // the default upstream for every other path.
        routing = createRoutingForwarder(
          config.route.map((r, i) => {
            const t = upstreamTarget(r.upstream)
            return {
              prefix: r.prefix,
              name: `route ${i + 1}`,
              upstream: r.upstream,
              forwarder: createForwarder({ target: t, logger, upstreamTimeoutMs: config.upstream_timeout_ms }),
              host: t.kind === 'socket' ? 'localhost' : new URL(t.url).host,
            }
          }),
          { name: 'default', upstream: config.upstream, forwarder, host },
        )
        forwarder = routing
      }
      upstream = {
        kind: 'external',
        identityHeader: config.identity_header,
        tokenIdHeader: config.token_id_header,
        host,
      }
    } else {
      if (!existsSync(config.repos)) {
        throw new GitwardError(
          'REPOSITORY_ERROR',
          `The repositories directory ${config.repos} does not exist; create it (gitward repo create makes it) or set --repos.`,
        )
      }
      const built = await createConfiguredBackend(config, {
        logger,
        onQueueWait: (outcome, ms) => metrics.sink.queueWait('git', outcome, ms / 1000),
        ...(deps.spawn === undefined ? {} : { spawn: deps.spawn }),
      })
      backend = built.backend
      cleanups.push(built.removeHome)
      const b: EmbeddedBackend = backend
      cleanups.push(() => b.close())
      if (config.embedded_transport === 'socket') {
        const { socketPath } = await backend.listenPrivate()
        forwarder = createForwarder({ target: { kind: 'socket', path: socketPath }, logger, upstreamTimeoutMs: config.upstream_timeout_ms })
      } else {
        forwarder = createInProcessForwarder(backend)
      }
      upstream = { kind: 'embedded' }
    }
    const f = forwarder
    cleanups.push(() => f.close())

    let closing = false
    const bootId = random(4).toString('hex')
    let counter = 0
    const metricsAllow = new AddressRanges(config.metrics_allow)
    const perClient = config.backend_max_processes_per_client ?? Math.max(2, Math.floor(config.backend_max_processes / 4))
    const clientGitSlots = createConcurrencyLimiter({
      // Only the per-client share binds here; the total is bounded by the
      // backend itself (embedded) or by the upstream server (external).
      maxConcurrent: config.max_connections,
      maxQueue: config.max_connections,
      maxConcurrentPerKey: perClient,
      maxQueuePerKey: perClient,
      queueTimeoutMs: config.backend_queue_timeout_ms,
      what: 'git operations from one address',
    })
    // The HTTP API, built on its first request: its modules (router,
    // validation, the administrative use cases) are not loaded for git.
    const api: ApiOptions | undefined = config.api_enabled
      ? {
          only: false,
          slots: createConcurrencyLimiter({
            maxConcurrent: 16,
            maxQueue: 64,
            maxConcurrentPerKey: 4,
            maxQueuePerKey: 8,
            queueTimeoutMs: config.backend_queue_timeout_ms,
            what: 'API requests from one address',
          }),
          load: async (): Promise<ApiEndpoint> => {
            const [{ createAdmin }, { createApiEndpoint }] = await Promise.all([import('./admin/admin.js'), import('./api/api-endpoint.js')])
            const admin = createAdmin({
              store,
              clock,
              random,
              hasher: () => hasher,
              tokenPrefix: config.token_prefix,
              maxTokenLifetimeDays: config.max_token_lifetime_days,
              // The API creates no projects: no repository is ever made from here.
              reposRoot: null,
              defaultBranch: config.default_branch,
              defaultBranchProtection: config.default_branch_protection,
              runGit: () => Promise.reject(new Error('the HTTP API runs no git command')),
              logger,
            })
            return createApiEndpoint({ admin: admin.delegated, clock, bodyLimitBytes: 16 * 1024, bodyTimeoutMs: config.negotiation_timeout_ms })
          },
        }
      : undefined
    const gateOptions: GateOptions = {
      clientGitSlots,
      findProject: path => store.findProject(path),
      verifier,
      bans,
      lastUsed,
      forwarder,
      logger,
      clock,
      upstream,
      newRequestId: () => `${bootId}-${(++counter).toString(36)}`,
      health: async () => {
        try {
          await store.ping()
        } catch (e) {
          metrics.sink.databaseError(isGitwardError(e) ? e.code : 'other')
          return { ok: false, message: 'unhealthy: the database is unavailable' }
        }
        if (routing !== null) {
          // One line per backend, named by its place in the config (not by
          // its prefix or address: /-/health is public).
          const states = await Promise.all(routing.backends.map(async b => ({ name: b.name, up: await b.forwarder.reachable(2000) })))
          const lines = states.map(b => `backend ${b.name}: ${b.up ? 'ok' : 'unreachable'}`).join('\n')
          const ok = states.every(b => b.up)
          return { ok, message: `${ok ? 'ok' : 'unhealthy: a git backend is unreachable'}\n${lines}` }
        }
        if (!(await forwarder.reachable(2000))) return { ok: false, message: 'unhealthy: the git backend is unreachable' }
        return { ok: true, message: 'ok' }
      },
      trustedProxies: config.trusted_proxies,
      maxHeaders: config.max_headers,
      maxAuthorizationBytes: 4096,
      maxNegotiationBytes: config.max_negotiation_bytes,
      negotiationTimeoutMs: config.negotiation_timeout_ms,
      pushScreen: { findRefRules: path => store.findRefRules(path), timeoutMs: config.negotiation_timeout_ms },
      transferWatch: createTransferWatch({ minBytesPerS: config.min_transfer_bytes_per_s, windowMs: config.min_transfer_window_ms }),
      tls: tls !== null,
      isClosing: () => closing,
      metrics: metrics.sink,
      ...(config.metrics_allow.length === 0
        ? {}
        : { metricsPage: { allows: (a: string) => metricsAllow.has(a), render: metrics.render } }),
    }
    // With api_listen the API is served there only; the public gate answers /api/ with 404.
    const apiElsewhere = api !== undefined && config.api_listen !== null
    const gate = createGate({ ...gateOptions, ...(api === undefined || apiElsewhere ? {} : { api }) })
    const b = backend
    metrics.watch({
      gitProcesses: () => b?.activeProcesses() ?? 0,
      bannedAddresses: () => bans.bannedCount(),
      tokenChecks: () => verifier.stats,
      pingDatabase: () => store.ping(),
      activeTokenExpiries: async () => (await listTokens({ store, clock }, {})).map(t => t.expiresAt),
      now: () => clock.now(),
    })
    let metricsUrl: string | null = null
    if (config.metrics_listen !== null) {
      const where = parseHostPort(config.metrics_listen) ?? { host: '127.0.0.1', port: 0 }
      const metricsServer = createMetricsServer({ render: metrics.render, logger })
      const a = await metricsServer.listen(where.host, where.port)
      cleanups.push(() => metricsServer.close())
      metricsUrl = `http://${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port}`
    }
    // The public listener and the API's own listener share every limit.
    const listenerOptions = {
      logger,
      tls,
      maxHeaderBytes: config.max_header_bytes,
      maxHeaders: config.max_headers,
      maxConnections: config.max_connections,
      headersTimeoutMs: config.headers_timeout_ms,
      idleTimeoutMs: config.idle_timeout_ms,
      keepAliveTimeoutMs: config.keep_alive_timeout_ms,
    }
    const server: PublicServer = createPublicServer({ gate, ...listenerOptions })
    const address = await server.listen(config.listenHost, config.listenPort)
    let apiUrl: string | null = null
    if (apiElsewhere && config.api_listen !== null) {
      const apiServer = createPublicServer({ gate: createGate({ ...gateOptions, api: { ...api, only: true } }), ...listenerOptions })
      const where = parseHostPort(config.api_listen) ?? { host: '127.0.0.1', port: 0 }
      const a = await apiServer.listen(where.host, where.port)
      cleanups.push(async () => {
        await apiServer.shutdown(config.shutdown_grace_ms)
      })
      apiUrl = `${tls === null ? 'http' : 'https'}://${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port}`
    }
    const hostForUrl = address.host.includes(':') ? `[${address.host}]` : address.host
    const url = `${tls === null ? 'http' : 'https'}://${hostForUrl}:${address.port}`

    let stopped: Promise<void> | null = null
    return {
      verifier,
      store,
      url,
      port: address.port,
      backend,
      metricsUrl,
      apiUrl: apiUrl ?? (api === undefined ? null : url),
      inFlight: () => server.inFlight(),
      reloadTls: async () => {
        const fresh = await readTls(config)
        if (fresh !== null) server.reloadTls(fresh)
      },
      stop: () => {
        stopped ??= (async () => {
          closing = true
          const { cut } = await server.shutdown(config.shutdown_grace_ms)
          if (cut > 0) logger.warn('shutdown grace period over; cut in-flight requests', { cut })
          await cleanup()
        })()
        return stopped
      },
    }
  } catch (e) {
    await cleanup()
    throw e
  }
}

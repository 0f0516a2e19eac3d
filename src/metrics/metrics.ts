// Prometheus metrics. The parts that count (the gate, the queues) are given a
// MetricsSink, one call per counted event, with a no-op default so they work
// without metrics; everything that already keeps its own tally (running git
// processes, bans, bcrypt compares, the database, token expiry dates) is read
// when Prometheus scrapes, from MetricsSources. One private Registry per app:
// no global registry, so two apps in one process (tests) never mix numbers.
//
// Threat: metrics are scraped into systems with wider access than the server
// log. No label carries a token, a token id, a client address or a path a
// client typed: services and decisions come from closed sets, and a project
// label (only with metrics_per_project) is the path of a registered project,
// so its values are bounded by the project count.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client'

export {
  noopMetrics,
  type Metrics,
  type MetricsOptions,
  type MetricsSink,
  type MetricsSources,
  type QueueName,
  type QueueWaitOutcome,
  type RequestObservation,
  type TokenCheckOutcome,
} from './sink.js'
import type { Metrics, MetricsOptions, MetricsSink, MetricsSources } from './sink.js'

const DB_ERROR_CODES: ReadonlySet<string> = new Set(['DB_BUSY', 'DB_UNAVAILABLE'])
// Decisions are made by gitward's own code from closed sets; the pattern is a
// second fence so a future decision string can never grow a label without bound.
const DECISION = /^[a-z]+(?::[A-Za-z0-9_-]{1,40})?$/
const DAY_MS = 86_400_000
export const EXPIRY_WINDOWS_DAYS = [7, 30] as const

// From an info/refs answer (milliseconds) to an hour-long push of a large
// repository over a slow link.
export const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 1800, 3600, 7200]
const WAIT_BUCKETS = [0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]

export const statusClass = (status: number | null): string =>
  status === null || status < 100 || status > 599 ? 'none' : `${Math.floor(status / 100)}xx`

/** Active tokens whose expiry falls within `days` of now (expiry is 00:00 UTC of the date). */
export function expiringWithin(expiries: ReadonlyArray<string | null>, nowMs: number, days: number): number {
  let n = 0
  for (const date of expiries) {
    if (date === null) continue
    const at = Date.parse(`${date}T00:00:00.000Z`)
    if (at > nowMs && at - nowMs <= days * DAY_MS) n++
  }
  return n
}

export function createMetrics(options: MetricsOptions): Metrics {
  const registry = new Registry()
  const registers = [registry]
  let sources: MetricsSources | null = null
  const perProject = options.perProject
  const services: ReadonlySet<string> = new Set(options.services)
  const withProject = (labels: string[]): string[] => (perProject ? [...labels, 'project'] : labels)

  collectDefaultMetrics({ register: registry })

  new Gauge({
    name: 'gitward_build_info',
    help: 'Always 1; the version label names the running gitward.',
    labelNames: ['version'],
    registers,
  }).set({ version: options.version }, 1)

  const requests = new Counter({
    name: 'gitward_requests_total',
    help: 'Requests answered, by git service, decision and status class.',
    labelNames: withProject(['service', 'decision', 'status_class']),
    registers,
  })
  const duration = new Histogram({
    name: 'gitward_request_duration_seconds',
    help: 'Time from the request to its last byte (or the client leaving), by git service.',
    labelNames: ['service'],
    buckets: DURATION_BUCKETS,
    registers,
  })
  const received = new Counter({
    name: 'gitward_received_bytes_total',
    help: 'Bytes received from clients (headers and bodies), by git service.',
    labelNames: withProject(['service']),
    registers,
  })
  const sent = new Counter({
    name: 'gitward_sent_bytes_total',
    help: 'Bytes sent to clients (headers and bodies), by git service.',
    labelNames: withProject(['service']),
    registers,
  })
  const tokenChecks = new Counter({
    name: 'gitward_token_checks_total',
    help: 'Presented tokens by outcome: valid, malformed, unknown, revoked, expired, mismatch, or banned (refused before any check).',
    labelNames: ['outcome'],
    registers,
  })
  new Counter({
    name: 'gitward_bcrypt_compares_total',
    help: 'bcrypt compares run.',
    registers,
    collect() {
      this.reset()
      this.inc(sources?.tokenChecks().compares ?? 0)
    },
  })
  new Counter({
    name: 'gitward_token_cache_hits_total',
    help: 'Token checks answered from the verified-token cache (no bcrypt compare).',
    registers,
    collect() {
      this.reset()
      this.inc(sources?.tokenChecks().cacheHits ?? 0)
    },
  })
  new Counter({
    name: 'gitward_token_cache_misses_total',
    help: 'Token checks the verified-token cache could not answer, so bcrypt ran.',
    registers,
    collect() {
      this.reset()
      this.inc(sources?.tokenChecks().compares ?? 0)
    },
  })
  new Gauge({
    name: 'gitward_git_processes',
    help: 'git processes running now (embedded backend).',
    registers,
    collect() {
      this.set(sources?.gitProcesses() ?? 0)
    },
  })
  const queueWaits = new Counter({
    name: 'gitward_queue_waits_total',
    help: 'Requests that had to wait for a slot, by queue (git, bcrypt) and outcome (granted, timeout, full, aborted).',
    labelNames: ['queue', 'outcome'],
    registers,
  })
  const queueWaitSeconds = new Histogram({
    name: 'gitward_queue_wait_seconds',
    help: 'Time spent waiting for a slot, by queue.',
    labelNames: ['queue'],
    buckets: WAIT_BUCKETS,
    registers,
  })
  new Gauge({
    name: 'gitward_banned_addresses',
    help: 'Client addresses banned now for repeated failed token checks.',
    registers,
    collect() {
      this.set(sources?.bannedAddresses() ?? 0)
    },
  })
  // The database is asked once per scrape: one ping and one query of the
  // active tokens' expiry dates. A registry collects its metrics
  // concurrently, so every metric fed by that work (including the error
  // counter it may increment) awaits the same refresh before it is read.
  let refreshing: Promise<void> | null = null
  const refresh = (): Promise<void> => {
    refreshing ??= (async () => {
      if (sources === null) return
      try {
        await sources.pingDatabase()
        databaseUp.set(1)
      } catch (e) {
        databaseError(codeOf(e))
        databaseUp.set(0)
      }
      let expiries: ReadonlyArray<string | null>
      try {
        expiries = await sources.activeTokenExpiries()
      } catch (e) {
        // Keep the last values; gitward_database_up says why they are stale.
        databaseError(codeOf(e))
        return
      }
      const now = sources.now()
      active.set(expiries.length)
      neverExpiring.set(expiries.filter(d => d === null).length)
      for (const days of EXPIRY_WINDOWS_DAYS) expiring.set({ within_days: String(days) }, expiringWithin(expiries, now, days))
    })().finally(() => {
      refreshing = null
    })
    return refreshing
  }
  const databaseErrors = new Counter({
    name: 'gitward_database_errors_total',
    help: 'Database failures met while answering requests or scrapes, by code (DB_BUSY, DB_UNAVAILABLE, other).',
    labelNames: ['code'],
    registers,
    collect: refresh,
  })
  const databaseError = (code: string): void => databaseErrors.inc({ code: DB_ERROR_CODES.has(code) ? code : 'other' })
  const codeOf = (e: unknown): string =>
    typeof e === 'object' && e !== null && typeof (e as { code?: unknown }).code === 'string' ? (e as { code: string }).code : 'other'
  const databaseUp = new Gauge({
    name: 'gitward_database_up',
    help: '1 when the database answered a ping at this scrape, else 0.',
    registers,
    collect: refresh,
  })
  const active = new Gauge({
    name: 'gitward_tokens_active',
    help: 'Tokens neither revoked nor expired.',
    registers,
    collect: refresh,
  })
  const neverExpiring = new Gauge({
    name: 'gitward_tokens_never_expiring',
    help: 'Active tokens without an expiry date.',
    registers,
    collect: refresh,
  })
  const expiring = new Gauge({
    name: 'gitward_tokens_expiring',
    help: 'Active tokens that stop working within the given number of days (7, 30).',
    labelNames: ['within_days'],
    registers,
    collect: refresh,
  })

  const serviceLabel = (service: string | undefined): string => (service !== undefined && services.has(service) ? service : 'none')

  const sink: MetricsSink = {
    request(o) {
      const service = serviceLabel(o.service)
      const project = perProject ? { project: o.project ?? '' } : {}
      requests.inc({ service, decision: DECISION.test(o.decision) ? o.decision : 'other', status_class: statusClass(o.status), ...project })
      duration.observe({ service }, Math.max(0, o.durationSeconds))
      if (o.bytesIn > 0) received.inc({ service, ...project }, o.bytesIn)
      if (o.bytesOut > 0) sent.inc({ service, ...project }, o.bytesOut)
    },
    tokenCheck: outcome => tokenChecks.inc({ outcome }),
    queueWait(queue, outcome, seconds) {
      queueWaits.inc({ queue, outcome })
      if (outcome !== 'full') queueWaitSeconds.observe({ queue }, Math.max(0, seconds))
    },
    databaseError,
  }

  return {
    sink,
    watch: s => {
      sources = s
    },
    render: async () => ({ contentType: registry.contentType, body: await registry.metrics() }),
  }
}

// What the counting parts of gitward see of the metrics: the sink they call
// and its no-op default. Apart from metrics.ts so that they, and an app whose
// metrics nobody can read, never load prom-client (docs/performance.md).
export type TokenCheckOutcome = 'valid' | 'malformed' | 'banned' | 'unknown' | 'revoked' | 'expired' | 'mismatch'
export type QueueName = 'git' | 'bcrypt'
export type QueueWaitOutcome = 'granted' | 'timeout' | 'full' | 'aborted'

export interface RequestObservation {
  /** The git service; undefined for requests that never named one (health, refusals of shape). */
  service: string | undefined
  /** The gate's decision: allow, deny:<reason>, error, error:<code>, abandoned, health, metrics. */
  decision: string
  /** The status sent, or null when none was (the client left first). */
  status: number | null
  durationSeconds: number
  bytesIn: number
  bytesOut: number
  /** The path of a registered project; never a path only the client named. */
  project: string | undefined
}

/** What the counting parts call. Every method is cheap and never throws. */
export interface MetricsSink {
  request(observation: RequestObservation): void
  tokenCheck(outcome: TokenCheckOutcome): void
  /** A request that had to queue for a slot (git process or bcrypt compare), and how that ended. */
  queueWait(queue: QueueName, outcome: QueueWaitOutcome, seconds: number): void
  /** The database failed or was busy while answering a request. */
  databaseError(code: string): void
}

export const noopMetrics: MetricsSink = {
  request: () => {},
  tokenCheck: () => {},
  queueWait: () => {},
  databaseError: () => {},
}

/** Tallies read at scrape time. */
export interface MetricsSources {
  /** git processes running now (embedded backend; 0 with an external upstream). */
  gitProcesses(): number
  /** Client addresses banned now. */
  bannedAddresses(): number
  /** bcrypt compares run, and verdicts answered from the verified-token cache, since start. */
  tokenChecks(): { compares: number; cacheHits: number }
  /** Rejects when the database does not answer. */
  pingDatabase(): Promise<void>
  /** Expiry dates (YYYY-MM-DD, null = never) of the active tokens: one query. */
  activeTokenExpiries(): Promise<ReadonlyArray<string | null>>
  now(): number
}

export interface Metrics {
  readonly sink: MetricsSink
  /** Read the tallies of a running app from here (called once, by the composition root). */
  watch(sources: MetricsSources): void
  /** The exposition text and its Content-Type. */
  render: () => Promise<{ contentType: string; body: string }>
}

export interface MetricsOptions {
  /** Add a project label (registered projects only). */
  perProject: boolean
  version: string
  /** The closed set of service label values (git's services); anything else is "none". */
  services: readonly string[]
}

/** An app's metrics when nobody can read them (no metrics_listen, no metrics_allow). */
export const unreadMetrics: Metrics = {
  sink: noopMetrics,
  watch: () => {},
  render: async () => ({ contentType: 'text/plain; charset=utf-8', body: '' }),
}

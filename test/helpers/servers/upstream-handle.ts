// What the upstream helpers (nginx-upstream.ts, apache-upstream.ts) return.
// A missing web server is not a test failure: the test skips with `reason`.

export interface RunningUpstream {
  available: true
  /** Base URL without a trailing slash, e.g. http://127.0.0.1:41234 */
  url: string
  port: number
  /**
   * Give `path` (recursively) to the user the CGI runs as, so git
   * http-backend can write into repositories created after start. A no-op
   * when that user is the current one.
   */
  handOver(path: string): void
  /** Stops every process the helper started; safe to call twice. */
  stop(): Promise<void>
}

export interface MissingUpstream {
  available: false
  /** Which binary or module is missing. */
  reason: string
}

export type UpstreamStart = RunningUpstream | MissingUpstream

export interface UpstreamOptions {
  /** GIT_PROJECT_ROOT: the directory holding the bare repositories. */
  reposRoot: string
  /** An empty directory for config, pid, log and temp files. */
  dir: string
}

// Every configuration key, its type, default and meaning, in one table. The
// loader, the example config file and docs/configuration.md all follow it.
import { DEFAULT_TOKEN_PREFIX } from '../auth/token-format.js'
import { branchNameProblem } from '../git/ref-name.js'

export type KeyType =
  /** `check` returns the rule a value breaks, for a sentence after the hint. */
  | { kind: 'string'; pattern?: RegExp; hint?: string; check?: (value: string) => string | undefined }
  | { kind: 'path' }
  /** [[route]] tables: { prefix, upstream }; in the environment "prefix=upstream,prefix=upstream". */
  | { kind: 'routes' }
  /** A SQLite file path (resolved like a path) or a postgres:// / postgresql:// connection string (kept as given). */
  | { kind: 'database' }
  | { kind: 'int'; min: number; max: number }
  | { kind: 'bool' }
  | { kind: 'list' }
  | { kind: 'enum'; values: readonly string[] }
  | { kind: 'url' }
  | { kind: 'hostport' }

export interface KeySpec {
  type: KeyType
  /** null means "not set"; paths are resolved against the working directory. */
  default: string | number | boolean | readonly string[] | null
  doc: string
}

const MINUTE = 60_000

export const SCHEMA = {
  // --- where things are -----------------------------------------------------
  db: { type: { kind: 'database' }, default: 'data/gitward.db', doc: 'SQLite database file (created with mode 0600), or a PostgreSQL connection string postgres://USER@HOST:PORT/DATABASE shared by several instances (see docs/deploy.md).' },
  repos: { type: { kind: 'path' }, default: 'data/repositories', doc: 'Root directory of the bare repositories served by the embedded backend.' },
  upstream: { type: { kind: 'url' }, default: null, doc: 'Forward to this git-http-backend web server instead of the embedded backend: http://127.0.0.1:8081 or unix:/run/git-http/socket.' },
  upstream_host: { type: { kind: 'string', pattern: /^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?$/, hint: 'a host name or address, with an optional :port' }, default: null, doc: 'Host header sent to the external upstream (it picks the virtual host). Default: localhost for unix: sockets, the host[:port] of an http(s) URL. Never the client\'s Host.' },
  route: { type: { kind: 'routes' }, default: [], doc: 'Path-routed backends, external upstream mode only: [[route]] tables with prefix (a project path prefix, matched at segment boundaries, longest first) and upstream (as for upstream); unmatched paths go to upstream. In the environment: GITWARD_ROUTE="acme=http://10.0.0.21:8081,big/mono=unix:/run/git-mono.sock".' },
  embedded_transport: { type: { kind: 'enum', values: ['in-process', 'socket'] }, default: 'in-process', doc: 'How the gate reaches the embedded backend: in-process (a direct call, nothing listens) or socket (HTTP over a private 0600 Unix socket).' },
  default_branch: { type: { kind: 'string', check: branchNameProblem, hint: 'a branch name' }, default: 'main', doc: 'Default branch of repositories created by `gitward repo create`.' },
  default_branch_protection: { type: { kind: 'enum', values: ['full', 'full_after_initial_push', 'developers_can_push', 'none'] }, default: 'full', doc: 'How `gitward repo create` protects a new project\'s default branch: full (maintainers push, nobody force-pushes or deletes it), full_after_initial_push (as full, but anyone who may push makes the first push), developers_can_push (developers push, nobody force-pushes), none. Existing projects keep theirs.' },
  // --- listening ------------------------------------------------------------
  listen: { type: { kind: 'hostport' }, default: '127.0.0.1:8080', doc: 'Address and port to listen on, HOST:PORT ([::1]:PORT for IPv6).' },
  tls_cert: { type: { kind: 'path' }, default: null, doc: 'PEM certificate chain; with tls_key, serve HTTPS. Reloaded on SIGHUP.' },
  tls_key: { type: { kind: 'path' }, default: null, doc: 'PEM private key for tls_cert.' },
  trusted_proxies: { type: { kind: 'list' }, default: [], doc: 'Addresses or CIDR ranges (10.0.0.0/8, fd00::/8) of reverse proxies whose X-Forwarded-For is believed.' },
  // --- tokens ---------------------------------------------------------------
  token_prefix: { type: { kind: 'string', pattern: /^[A-Za-z0-9_-]{0,16}$/, hint: 'up to 16 of A-Z a-z 0-9 _ -' }, default: DEFAULT_TOKEN_PREFIX, doc: 'Prefix of minted tokens. Changing it invalidates existing tokens.' },
  max_token_lifetime_days: { type: { kind: 'int', min: 0, max: 36_500 }, default: 365, doc: 'Longest a new or rotated token may live, in days (0 = no limit). `token create` and `rotate` refuse an expiry further away; without one a token gets the longest allowed (rotate: the old token\'s lifetime, capped), with a notice. Existing tokens are not changed; `gitward doctor` warns about never-expiring ones.' },
  bcrypt_cost: { type: { kind: 'int', min: 4, max: 15 }, default: 10, doc: 'bcrypt cost factor for new token hashes.' },
  cache_size: { type: { kind: 'int', min: 0, max: 10_000_000 }, default: 10_000, doc: 'Verified-token cache entries (0 disables the cache).' },
  cache_ttl_ms: { type: { kind: 'int', min: 0, max: 24 * 60 * MINUTE }, default: 10 * MINUTE, doc: 'How long a bcrypt verdict is remembered. Revocation and expiry are still checked on every request.' },
  bcrypt_concurrency: { type: { kind: 'int', min: 1, max: 64 }, default: 2, doc: 'bcrypt compares running at once; the rest wait in a bounded queue.' },
  bcrypt_queue: { type: { kind: 'int', min: 0, max: 100_000 }, default: 64, doc: 'Compares allowed to wait; beyond it a request gets 503.' },
  bcrypt_queue_per_client: { type: { kind: 'int', min: 0, max: 100_000 }, default: 8, doc: 'Compares one client address may have waiting; beyond it that address gets 503. One address also runs at most half of bcrypt_concurrency (at least 1) at once.' },
  // --- brute-force ban --------------------------------------------------------
  ban_enabled: { type: { kind: 'bool' }, default: true, doc: 'Ban client addresses after repeated failed token checks.' },
  ban_max_failures: { type: { kind: 'int', min: 1, max: 1_000_000 }, default: 30, doc: 'Failed token checks within ban_window_ms that ban an address.' },
  ban_window_ms: { type: { kind: 'int', min: 1000, max: 7 * 24 * 60 * MINUTE }, default: 3 * MINUTE, doc: 'Window in which failures are counted.' },
  ban_time_ms: { type: { kind: 'int', min: 1000, max: 30 * 24 * 60 * MINUTE }, default: 60 * MINUTE, doc: 'How long a ban lasts.' },
  ban_allowlist: { type: { kind: 'list' }, default: [], doc: 'Addresses or CIDR ranges that are never banned.' },
  // --- limits and timeouts ----------------------------------------------------
  max_header_bytes: { type: { kind: 'int', min: 1024, max: 1024 * 1024 }, default: 16 * 1024, doc: 'Largest request header block; larger gets 431.' },
  max_headers: { type: { kind: 'int', min: 8, max: 1000 }, default: 100, doc: 'Most request header lines; more gets 431.' },
  max_connections: { type: { kind: 'int', min: 1, max: 1_000_000 }, default: 1024, doc: 'Concurrent client connections.' },
  max_negotiation_bytes: { type: { kind: 'int', min: 64 * 1024, max: 1024 * 1024 * 1024 }, default: 10 * 1024 * 1024, doc: 'Largest upload-pack / upload-archive request body (negotiation, not packs).' },
  negotiation_timeout_ms: { type: { kind: 'int', min: 1000, max: 10 * MINUTE }, default: 30_000, doc: 'Time an upload-pack / upload-archive request body may take to arrive in full; slower gets 408.' },
  min_transfer_bytes_per_s: { type: { kind: 'int', min: 0, max: 1024 * 1024 * 1024 }, default: 1024, doc: 'Slowest a client may read a response or send a request body, in bytes per second, while gitward waits on it; measured over min_transfer_window_ms, a slower client is cut and its git process ended (0 turns the floor off). The default is far below a 56 kbit/s modem (about 7,000 bytes/s down, 4,200 up).' },
  min_transfer_window_ms: { type: { kind: 'int', min: 1000, max: 10 * MINUTE }, default: 30_000, doc: 'Window over which min_transfer_bytes_per_s is measured; only time spent waiting on the client counts.' },
  backend_max_processes: { type: { kind: 'int', min: 1, max: 4096 }, default: 16, doc: 'Concurrent git processes of the embedded backend.' },
  backend_max_processes_per_client: { type: { kind: 'int', min: 1, max: 4096 }, default: null, doc: 'Concurrent git requests from one client address (embedded or external upstream); as many more may wait. Default: a quarter of backend_max_processes, at least 2.' },
  backend_queue_timeout_ms: { type: { kind: 'int', min: 0, max: 10 * MINUTE }, default: 5000, doc: 'How long a request waits for a backend process slot before 503.' },
  headers_timeout_ms: { type: { kind: 'int', min: 1000, max: 10 * MINUTE }, default: 20_000, doc: 'Time a client has to send its request headers (slow-header clients are closed).' },
  idle_timeout_ms: { type: { kind: 'int', min: 1000, max: 24 * 60 * MINUTE }, default: 10 * MINUTE, doc: 'A connection with no traffic for this long is closed. There is no total-time limit.' },
  keep_alive_timeout_ms: { type: { kind: 'int', min: 0, max: 10 * MINUTE }, default: 5000, doc: 'How long an idle keep-alive client connection is kept.' },
  upstream_timeout_ms: { type: { kind: 'int', min: 1000, max: 24 * 60 * MINUTE }, default: 10 * MINUTE, doc: 'An upstream response silent for this long is abandoned (502).' },
  shutdown_grace_ms: { type: { kind: 'int', min: 0, max: 60 * MINUTE }, default: 30_000, doc: 'On SIGTERM/SIGINT, how long in-flight requests may run before they are cut.' },
  db_busy_timeout_ms: { type: { kind: 'int', min: 0, max: 60_000 }, default: 100, doc: 'How long the server waits on a locked database before answering 503.' },
  db_pool_size: { type: { kind: 'int', min: 1, max: 1000 }, default: 10, doc: 'PostgreSQL only: most connections one instance opens to the database.' },
  db_connect_timeout_ms: { type: { kind: 'int', min: 100, max: 60_000 }, default: 5000, doc: 'PostgreSQL only: how long a request waits for a free (or new) database connection before answering 503.' },
  db_statement_timeout_ms: { type: { kind: 'int', min: 100, max: 10 * MINUTE }, default: 5000, doc: 'PostgreSQL only: a statement running longer is cancelled and the request answered 503.' },
  last_used_flush_ms: { type: { kind: 'int', min: 100, max: 10 * MINUTE }, default: 10_000, doc: 'How often batched last-used times are written.' },
  // --- identity sent upstream -----------------------------------------------
  identity_header: { type: { kind: 'string', pattern: /^[A-Za-z0-9-]{1,64}$/, hint: 'an HTTP header name' }, default: 'X-Gitward-User', doc: 'Header carrying the bot name (for REMOTE_USER) to an external upstream.' },
  token_id_header: { type: { kind: 'string', pattern: /^[A-Za-z0-9-]{1,64}$/, hint: 'an HTTP header name' }, default: 'X-Gitward-Token-Id', doc: 'Header carrying the public token id to an external upstream.' },
  log_level: { type: { kind: 'enum', values: ['debug', 'info', 'warn', 'error'] }, default: 'info', doc: 'Least severe level written.' },
  // --- HTTP API -----------------------------------------------------------------
  api_enabled: { type: { kind: 'bool' }, default: true, doc: 'Serve the GitLab-compatible access-token API under /api/v4/ (docs/api.md). false: /api/ is answered 404 like any other path that is not a repository.' },
  api_listen: { type: { kind: 'hostport' }, default: null, doc: 'Serve the HTTP API only on this separate address, HOST:PORT (e.g. 10.0.0.5:8443), with the same TLS as listen; the public listener then answers /api/ with 404. Not set: the API is on the public listener. Ignored when api_enabled is false.' },
  // --- monitoring ---------------------------------------------------------------
  audit_log_interval_ms: { type: { kind: 'int', min: 0, max: 10 * MINUTE }, default: 5000, doc: 'How often the server looks for new audit entries (changes made with the CLI) and writes each to its log as one JSON line, msg "audit"; 0 turns this off.' },
  metrics_listen: { type: { kind: 'hostport' }, default: null, doc: 'Serve Prometheus metrics at GET /-/metrics on this separate plain-HTTP address, HOST:PORT (e.g. 127.0.0.1:9464). Not set: no metrics listener.' },
  metrics_allow: { type: { kind: 'list' }, default: [], doc: 'Addresses and CIDR ranges (10.0.0.0/8, ::1) that may read GET /-/metrics on the public listener; everyone else gets 404.' },
  metrics_per_project: { type: { kind: 'bool' }, default: false, doc: 'Label request and byte counters with the project path (registered projects only; one series per project).' },
} as const satisfies Record<string, KeySpec>

export type ConfigKey = keyof typeof SCHEMA
export const CONFIG_KEYS = Object.keys(SCHEMA) as ConfigKey[]

export const envName = (key: ConfigKey): string => `GITWARD_${key.toUpperCase()}`
export const flagName = (key: ConfigKey): string => `--${key.replace(/_/g, '-')}`

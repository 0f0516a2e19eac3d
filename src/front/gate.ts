// The public request handler: classify → authenticate → authorize → forward.
// Each step is a pure function or an injected service; this file only wires
// them in order and turns outcomes into answers. Denials never reach the
// backend, and every request gets exactly one JSON log line.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import type { Readable } from 'node:stream'
import { classify } from '../git/classify.js'
import { parseApiCredentials, parseCredentials, type Credentials } from '../auth/credentials.js'
import type { TokenCheck } from '../access/policy.js'
import type { Project } from '../model/project.js'
import { authorize, type FindProject } from '../access/authorize.js'
import type { TokenVerifier } from '../auth/token-verifier.js'
import type { BanList } from '../auth/ban-list.js'
import type { LastUsedRecorder } from '../auth/last-used-recorder.js'
import type { Logger } from '../log/logger.js'
import type { Clock } from '../clock.js'
import { isGitwardError } from '../errors.js'
import { AddressRanges } from '../net/address-ranges.js'
import { clientAddress } from './client-address.js'
import { normalizePeer } from '../net/ip-address.js'
import { upstreamHeaders, type UpstreamKind } from './upstream-headers.js'
import { sendText } from '../http/plain-text.js'
import { sendJson } from '../http/json.js'
import { REF_POLICY_HEADER } from '../access/ref-policy-codec.js'
import { screenPush, type PushScreenOptions } from './push-screen.js'
import { declaredLength, negotiationBody, plainBodyHeaders } from './negotiation-body.js'
import { MSG_UNSUPPORTED_ENCODING, isGzip, requestContentEncoding } from '../git/request-headers.js'
import type { Forwarder } from './forwarder.js'
import { noopMetrics, type MetricsSink } from '../metrics/sink.js'
import type { TransferWatch } from '../limits/transfer-floor.js'
import { httpTransferProbe } from './transfer-probe.js'
import { METRICS_PATH, sendMetricsPage } from '../metrics/metrics-page.js'
import { assertNever } from '../assert-never.js'
import type { ConcurrencyLimiter } from '../limits/concurrency-limiter.js'

export interface GateOptions {
  /** The project lookup of the authorization step (the store's findProject). */
  findProject: FindProject
  verifier: TokenVerifier
  bans: BanList
  lastUsed: LastUsedRecorder
  forwarder: Forwarder
  /**
   * Git requests in flight, keyed by client address: its per-key share is
   * backend_max_processes_per_client. A slot is held until the answer ends.
   */
  clientGitSlots: ConcurrencyLimiter
  logger: Logger
  clock: Clock
  upstream: UpstreamKind
  newRequestId: () => string
  health: () => Promise<{ ok: boolean; message: string }>
  trustedProxies: readonly string[]
  maxHeaders: number
  maxAuthorizationBytes: number
  maxNegotiationBytes: number
  /** Time a negotiation body may take to arrive in full. */
  negotiationTimeoutMs: number
  /** The minimum transfer rate (min_transfer_bytes_per_s); none when absent. */
  transferWatch?: TransferWatch
  tls: boolean
  /** True once shutdown began: answers then close their connection. */
  isClosing: () => boolean
  /** Counts requests and token checks (default: counts nothing). */
  metrics?: MetricsSink
  /** GET /-/metrics for the addresses it allows; everyone else gets the 404 of any unknown path. */
  metricsPage?: { allows(address: string): boolean; render: () => Promise<{ contentType: string; body: string }> }
  /** Reads a push's ref updates and decides protected refs before git sees them. */
  pushScreen: PushScreenOptions
  /** The HTTP API under /api/ (api_enabled); absent: /api/ is a path like any other (404). */
  api?: ApiOptions
}

/** What the gate has decided about an API request's credentials, for the API to answer. */
export type ApiAuthentication =
  | { kind: 'valid'; tokenId: string }
  | { kind: 'none' }
  | { kind: 'refused' }
  | { kind: 'banned' }

/** What the gate hands the API for one request. */
export interface ApiRequestContext {
  /**
   * The gate's own credential check (ban list, verifier, bcrypt limits,
   * failure counting, last-used, metrics, the log's token id) for the API's
   * PRIVATE-TOKEN or Bearer credential. A thrown error is infrastructure:
   * the gate answers 503 with Retry-After, never 401.
   */
  authenticate(): Promise<ApiAuthentication>
  /** The decision for the request's log line and metrics (allow, deny:<reason>). */
  decide(decision: string): void
  /** The matched route's pattern (`POST /api/v4/projects/:id/access_tokens`) for the log line: bounded, never the client's path. */
  route(pattern: string): void
  expectsContinue: boolean
  /** http or https as the client sees it: TLS here, or a trusted proxy's X-Forwarded-Proto. */
  proto: 'http' | 'https'
}

/** The API's entry point (src/api/), loaded on the first /api/ request. */
export type ApiEndpoint = (req: IncomingMessage, res: ServerResponse, context: ApiRequestContext) => Promise<void>

export interface ApiOptions {
  /**
   * Builds the API the first time it is needed: a listener that never sees
   * an /api/ request never loads its modules (router, validation, JSON
   * answers), so git requests and idle memory do not pay for it.
   */
  load: () => Promise<ApiEndpoint>
  /** API requests in flight per client address (the API's share of the per-client limit). */
  slots: ConcurrencyLimiter
  /** True on the api_listen listener: only /api/ (and /-/health) is served there. */
  only: boolean
}

const isApiPath = (url: string | undefined): boolean => url !== undefined && (url === '/api' || url.startsWith('/api/') || url.startsWith('/api?'))

export type Gate = (req: IncomingMessage, res: ServerResponse, expectsContinue?: boolean) => void

const MSG_BANNED =
  'Too many failed authentication attempts from your address; try again later.'
const MSG_UNAVAILABLE = 'gitward is busy or its database is unavailable; try again shortly.'
const MSG_INTERNAL = 'gitward failed to handle this request; the server log has details.'
const MSG_TOO_MANY_HEADERS = 'The request has too many header lines.'
const MSG_TRAILER = 'Requests with trailers are not accepted.'
const MSG_BODY_TOO_LARGE = 'The request body is too large for a fetch negotiation.'
const MSG_BODY_TOO_SLOW = 'The fetch negotiation was not sent in time.'
const MSG_BODY_NOT_GZIP = 'The request body says it is gzip-compressed but is not valid gzip data.'

interface RequestFacts {
  id: string
  started: number
  client: string
  bytesReadAtStart: number
  bytesWrittenAtStart: number
  project?: string
  /** The project's path once the store has found it (bounded, unlike `project`). */
  registeredProject?: string
  service?: string
  decision: string
  tokenId?: string
  /** Fires when the client goes away before its answer is complete. */
  gone: AbortController
  /** An API request's route pattern. */
  route?: string
}

/** The reason a waiting token check is dropped: its client has left. */
class ClientGone extends Error {
  constructor() {
    super('the client went away')
    this.name = 'ClientGone'
  }
}

/**
 * Every answer carries X-Request-Id. gitward's own answers (sendText,
 * sendJson) put it in the header object they pass to writeHead; only
 * responses that other writers complete get it set on the response first,
 * because any header set beforehand sends all of them through Node's slower
 * per-header path (a refusal's cost is mostly Node's HTTP work).
 */
function stampRequestId(res: ServerResponse, facts: RequestFacts): void {
  if (!res.headersSent) res.setHeader('X-Request-Id', facts.id)
}

export function createGate(o: GateOptions): Gate {
  const trusted = new AddressRanges(o.trustedProxies)
  const metrics = o.metrics ?? noopMetrics
  let apiEndpoint: Promise<ApiEndpoint> | undefined
  // Where the previous request on a kept-alive connection ended. By the time
  // 'request' fires Node has already read the headers and often the first
  // chunk of the body (all of a small one), so reading the counter then
  // would leave those bytes out of bytesIn. A request's bytesIn is therefore
  // what the connection received since the previous request ended: headers
  // included, and with TLS the record overhead too.
  const readAtLastEnd = new WeakMap<Socket, number>()

  function logLine(req: IncomingMessage, res: ServerResponse, facts: RequestFacts): void {
    const socket = req.socket
    // Before headers are sent statusCode is only Node's default 200.
    const status = res.headersSent ? res.statusCode : null
    const bytesIn = Math.max(0, (socket.bytesRead ?? 0) - facts.bytesReadAtStart)
    const bytesOut = Math.max(0, (socket.bytesWritten ?? 0) - facts.bytesWrittenAtStart)
    const durationMs = o.clock.now() - facts.started
    o.logger.info('request', {
      id: facts.id,
      method: req.method,
      project: facts.project,
      service: facts.service,
      route: facts.route,
      decision: facts.decision,
      status,
      completed: res.writableFinished,
      bytesIn,
      bytesOut,
      durationMs,
      tokenId: facts.tokenId,
      client: facts.client,
    })
    metrics.request({
      service: facts.service,
      decision: facts.decision,
      status,
      durationSeconds: durationMs / 1000,
      bytesIn,
      bytesOut,
      project: facts.registeredProject,
    })
    readAtLastEnd.set(socket, socket.bytesRead ?? 0)
  }

  /**
   * The one credential check of git and API requests: the ban list first
   * (no lookup for a banned address), then the verifier; a refusal counts
   * toward a ban, and the log names the token by its public id. With a
   * `projectPath` (git) the project is read in the token's own read.
   */
  async function checkCredentials(
    creds: Credentials,
    facts: RequestFacts,
    projectPath: string | undefined,
  ): Promise<{ kind: 'banned' } | { kind: 'checked'; check: TokenCheck; prefetched: { found: Project | undefined } | undefined }> {
    if (o.bans.isBanned(facts.client)) {
      metrics.tokenCheck('banned')
      // The id a well-formed token claims (pure parsing, no lookup or
      // compare), so the log names the token a banned client keeps sending.
      if (creds.kind === 'token') facts.tokenId = o.verifier.claimedId(creds.token)
      return { kind: 'banned' }
    }

    let check: TokenCheck
    // The project read together with the token's row, when there was one.
    let prefetched: { found: Project | undefined } | undefined
    switch (creds.kind) {
      case 'none':
        check = { kind: 'none' }
        break
      case 'malformed':
        check = { kind: 'refused', reason: creds.reason === 'blank-username' ? 'blank-username' : 'malformed' }
        break
      case 'token':
      {
        if (projectPath === undefined) {
          check = await o.verifier.verify(creds.token, facts.gone.signal, facts.client)
          break
        }
        const verified = await o.verifier.verifyFor(creds.token, projectPath, facts.gone.signal, facts.client)
        check = verified.check
        prefetched = verified.project
        break
      }
      default:
        assertNever(creds, 'credentials')
    }
    // git's first request carries no credentials; only presented-and-refused
    // credentials count toward a ban.
    if (check.kind !== 'none') {
      metrics.tokenCheck(check.kind === 'valid' ? 'valid' : check.reason === 'blank-username' ? 'malformed' : check.reason)
    }
    if (check.kind === 'refused') {
      o.bans.recordFailure(facts.client)
      // The claimed id (public, never the secret) names the token behind a
      // refusal, so an administrator can find who still uses a revoked one.
      if (check.tokenId !== undefined) facts.tokenId = check.tokenId
    }
    // A success does not clear earlier failures: they age out of the ban
    // window, so "wrong, wrong, right" repeated for ever still bans.
    if (check.kind === 'valid') facts.tokenId = check.token.id
    return { kind: 'checked', check, prefetched }
  }

  async function handleApi(req: IncomingMessage, res: ServerResponse, expectsContinue: boolean, facts: RequestFacts, api: ApiOptions): Promise<void> {
    facts.service = 'api'
    stampRequestId(res, facts)
    apiEndpoint ??= api.load()
    const endpoint = await apiEndpoint.catch((error: unknown) => {
      apiEndpoint = undefined
      throw error
    })
    // Requests that hold a database connection and may hash a secret: one
    // address gets only its share at once, the rest wait briefly, then 503.
    const release = await api.slots.acquire(facts.gone.signal, facts.client)
    res.once('close', release)
    if (o.isClosing()) res.setHeader('Connection', 'close')
    await endpoint(req, res, {
      expectsContinue,
      // X-Forwarded-Proto is believed only from a trusted proxy, like X-Forwarded-For.
      proto: o.tls || (req.headers['x-forwarded-proto'] === 'https' && trusted.has(normalizePeer(req.socket.remoteAddress ?? ''))) ? 'https' : 'http',
      decide: decision => {
        facts.decision = decision
      },
      route: pattern => {
        facts.route = pattern
      },
      authenticate: async () => {
        const checked = await checkCredentials(parseApiCredentials(req.headers, req.rawHeaders, { maxLength: o.maxAuthorizationBytes }), facts, undefined)
        if (checked.kind === 'banned') {
          facts.decision = 'deny:banned'
          return { kind: 'banned' }
        }
        const check = checked.check
        switch (check.kind) {
          case 'none':
            facts.decision = 'deny:no-credentials'
            return { kind: 'none' }
          case 'refused':
            facts.decision = `deny:${check.reason}`
            return { kind: 'refused' }
          case 'valid':
            o.lastUsed.note(check.token.id, facts.client)
            return { kind: 'valid', tokenId: check.token.id }
          default:
            return assertNever(check, 'token check')
        }
      },
    })
  }

  async function handle(req: IncomingMessage, res: ServerResponse, expectsContinue: boolean, facts: RequestFacts): Promise<void> {
    const refuse = (status: number, message: string, decision: string, extra: Parameters<typeof sendText>[3] = {}): void => {
      facts.decision = decision
      // A refused request's body is never read; close rather than drain it.
      const hasBody = req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined
      sendText(res, status, message, { ...extra, close: extra.close === true || hasBody || o.isClosing(), requestId: facts.id })
    }

    // Node keeps only the first N headers silently; refuse rather than guess.
    if (req.rawHeaders.length / 2 > o.maxHeaders) return refuse(431, MSG_TOO_MANY_HEADERS, 'deny:headers')
    // Trailers could smuggle headers past the checks below; git never sends them.
    if (req.headers['trailer'] !== undefined) return refuse(400, MSG_TRAILER, 'deny:trailer')

    if (req.url === '/-/health' && (req.method === 'GET' || req.method === 'HEAD')) {
      facts.decision = 'health'
      const h = await o.health()
      sendText(res, h.ok ? 200 : 503, h.message, h.ok ? { requestId: facts.id } : { retryAfter: 5, requestId: facts.id })
      return
    }

    // Only for the addresses metrics_allow names; anyone else falls through
    // to classify and gets the 404 of any path that is not a repository.
    if (req.url === METRICS_PATH && (req.method === 'GET' || req.method === 'HEAD') && o.metricsPage?.allows(facts.client) === true) {
      facts.decision = 'metrics'
      stampRequestId(res, facts)
      sendMetricsPage(res, o.metricsPage.render, o.logger)
      return
    }

    // The HTTP API (when enabled on this listener); its modules load on the
    // first /api/ request. On the api_listen listener nothing else is served.
    if (o.api !== undefined && isApiPath(req.url)) return handleApi(req, res, expectsContinue, facts, o.api)
    if (o.api?.only === true) return refuse(404, 'Not found: this address serves only the HTTP API (/api/v4/).', 'deny:shape')

    const c = classify(req.method ?? '', req.url ?? '', req.headers)
    if (!c.ok) return refuse(c.status, c.message, `deny:shape`)
    facts.project = c.project
    facts.service = c.service

    const creds = parseCredentials(req.headers, req.rawHeaders, { maxLength: o.maxAuthorizationBytes })
    const checked = await checkCredentials(creds, facts, c.project)
    if (checked.kind === 'banned') return refuse(403, MSG_BANNED, 'deny:banned')
    const { check, prefetched } = checked

    const { decision, project } = await authorize({ access: c.access, projectPath: c.project, credential: check }, o.findProject, prefetched)
    facts.registeredProject = project?.path
    if (!decision.allow) {
      // The policy's reason already names a refused token's refusal (revoked, expired, …).
      return refuse(decision.status, decision.message, `deny:${decision.reason}`, { challenge: decision.challenge })
    }

    // The client may have left while its token or project was looked up;
    // starting git for nobody would leave a process writing into a dead pipe.
    if (res.destroyed) {
      facts.decision = 'abandoned'
      return
    }
    // Only bodies git can read, plain or gzip — checked here for every
    // upstream, not only the embedded backend.
    const encoding = requestContentEncoding(req.headers)
    if (encoding === 'unsupported') return refuse(415, MSG_UNSUPPORTED_ENCODING, 'deny:body-encoding')
    // Slot hogging: sockets that send a request and never read the answer
    // hold a git process each for as long as the idle timeout allows. One
    // client address may therefore run only its share of git requests at
    // once (the address after X-Forwarded-For resolution, so clients behind
    // a trusted proxy are told apart); the rest wait briefly, then get 503.
    const releaseSlot = await o.clientGitSlots.acquire(facts.gone.signal, facts.client)
    if (res.destroyed) {
      releaseSlot()
      facts.decision = 'abandoned'
      return
    }
    res.once('close', releaseSlot)
    facts.decision = 'allow'
    // From here on other writers answer (the backend, the upstream's
    // headers, a push report): they find the id on the response.
    stampRequestId(res, facts)
    if (decision.identity !== null) o.lastUsed.note(decision.identity.tokenId, facts.client)
    if (o.isClosing()) res.setHeader('Connection', 'close')

    const headers = upstreamHeaders({
      headers: req.headers,
      identity: decision.identity,
      clientAddress: facts.client,
      proto: o.tls ? 'https' : 'http',
      upstream: o.upstream,
    })
    let body: Readable | undefined
    let forwardHeaders = headers
    if (c.service !== 'git-receive-pack' && c.kind === 'rpc') {
      if (declaredLength(req.headers) > o.maxNegotiationBytes) return refuse(413, MSG_BODY_TOO_LARGE, 'deny:body-size')
      const gzip = isGzip(encoding)
      body = negotiationBody(req, {
        limit: o.maxNegotiationBytes,
        timeoutMs: o.negotiationTimeoutMs,
        gzip,
        onRefused: why => {
          facts.decision = `deny:body-${why}`
          if (res.headersSent) res.destroy()
          else if (why === 'size') sendText(res, 413, MSG_BODY_TOO_LARGE, { close: true })
          else if (why === 'time') sendText(res, 408, MSG_BODY_TOO_SLOW, { close: true })
          else sendText(res, 400, MSG_BODY_NOT_GZIP, { close: true })
        },
      })
      // git reads what gitward inflated: plain, chunked.
      if (gzip) forwardHeaders = plainBodyHeaders(headers)
    }
    let continueSent = false
    if (c.service === 'git-receive-pack' && c.kind === 'rpc') {
      // decide() allows a push only with a valid token on a registered project.
      if (check.kind !== 'valid' || project === undefined) throw new Error('a push was allowed without a token and a project')
      // Protected branches and tags, decided from the ref updates at the head
      // of the body before git sees any of it (push-screen.ts).
      const screened = await screenPush(
        req,
        res,
        { project, token: check.token, expectsContinue, alwaysSendPolicy: o.upstream.kind === 'external' },
        o.pushScreen,
      )
      if (screened.kind === 'answered') {
        facts.decision = screened.decision
        return
      }
      if (screened.policy !== undefined) forwardHeaders = { ...forwardHeaders, [REF_POLICY_HEADER]: screened.policy }
      continueSent = expectsContinue
    }
    if (expectsContinue && !continueSent) res.writeContinue()
    o.forwarder.forward(req, res, { url: c.forwardUrl, headers: forwardHeaders, ...(body === undefined ? {} : { body }) })
    // A client that stops reading (or sending) cannot hold git or the
    // upstream request: below the floor, the connection is cut, which ends
    // the git process (embedded) or aborts the upstream request (external).
    const unwatch = o.transferWatch?.watch(httpTransferProbe(req, res), why => {
      o.logger.warn('client below the minimum transfer rate; connection cut', { id: facts.id, client: facts.client, ...why })
      res.destroy()
    })
    if (unwatch !== undefined) res.once('close', unwatch)
  }

  return (req, res, expectsContinue = false) => {
    const facts: RequestFacts = {
      id: o.newRequestId(),
      started: o.clock.now(),
      client: clientAddress(req.socket.remoteAddress, req.headers['x-forwarded-for'], trusted),
      bytesReadAtStart: readAtLastEnd.get(req.socket) ?? 0,
      bytesWrittenAtStart: req.socket.bytesWritten ?? 0,
      decision: 'pending',
      gone: new AbortController(),
    }
    res.on('close', () => {
      if (!res.writableFinished) facts.gone.abort(new ClientGone())
      if (facts.decision === 'pending') facts.decision = 'abandoned'
      logLine(req, res, facts)
    })
    req.on('error', () => {})
    handle(req, res, expectsContinue, facts).catch((error: unknown) => {
      if (error instanceof ClientGone) return
      if (isGitwardError(error) && error.status === 503) {
        // A busy database or a full queue is temporary: 503 with Retry-After,
        // never 401, so git keeps the user's stored credential.
        facts.decision = `error:${error.code}`
        if (error.code === 'DB_BUSY' || error.code === 'DB_UNAVAILABLE') metrics.databaseError(error.code)
        o.logger.warn('request refused: temporarily unavailable', { id: facts.id, code: error.code })
        if (facts.service === 'api') sendJson(res, 503, { message: `503 Service Unavailable - ${MSG_UNAVAILABLE}` }, { retryAfter: 5, close: true, requestId: facts.id })
        else sendText(res, 503, MSG_UNAVAILABLE, { retryAfter: 5, close: true, requestId: facts.id })
        return
      }
      facts.decision = 'error'
      o.logger.error('request failed', { id: facts.id, error })
      if (facts.service === 'api') sendJson(res, 500, { message: '500 Internal Server Error' }, { close: true, requestId: facts.id })
      else sendText(res, 500, MSG_INTERNAL, { close: true, requestId: facts.id })
    })
  }
}

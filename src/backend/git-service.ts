// What the embedded backend runs for one smart-HTTP request, and the HTTP
// head it answers with: the part of git http-backend's job that is not
// copying bytes, done here so that a request starts one git process
// (`git-upload-pack` or `git-receive-pack`) instead of two (git-http-backend,
// which then starts the service). The replies are byte for byte what git
// http-backend sends for the same request (test/backend/git-service-replies.ts
// compares them with git's own); what http-backend decides from a
// repository's config (`http.uploadpack`, `http.receivepack`) gitward's
// access rules decide instead (docs/performance.md, "One git process per
// request").
import { assertNever } from '../assert-never.js'
import type { BackendRoute } from './backend-route.js'

/** The services git serves over smart HTTP; upload-archive is not among them. */
export type GitService = 'upload-pack' | 'receive-pack'

export interface ServiceHead {
  status: number
  headers: Record<string, string>
}

export interface ServiceCall {
  service: GitService
  /** Arguments after the program name; the repository is the working directory ("."). */
  args: string[]
  head: ServiceHead
  /** Bytes the reply starts with before git's own output (v0/v1 advertisements). */
  preamble: Buffer | null
}

export type ServicePlan =
  | { ok: true; call: ServiceCall }
  | { ok: false; status: 403 | 404 | 415; message: string }

export interface ServiceRequest {
  /** The request's Content-Type, if any. */
  contentType: string | undefined
  /** The identity the front vouched for (REMOTE_USER), if any. */
  remoteUser: string | undefined
  /** The checked Git-Protocol header, if any. */
  gitProtocol: string | undefined
}

// git http-backend's hdr_nocache(): an advertisement or a result must never
// be answered from a cache.
const NO_CACHE: Readonly<Record<string, string>> = {
  expires: 'Fri, 01 Jan 1980 00:00:00 GMT',
  pragma: 'no-cache',
  'cache-control': 'no-cache, max-age=0, must-revalidate',
}

/**
 * The protocol version git's determine_protocol_version_server() picks from
 * GIT_PROTOCOL: the highest `version=N` among the colon-separated keys, 0
 * when there is none.
 */
export function requestedProtocolVersion(gitProtocol: string | undefined): number {
  let version = 0
  for (const item of (gitProtocol ?? '').split(':')) {
    if (!item.startsWith('version=')) continue
    const v = item.slice('version='.length)
    const n = v === '0' ? 0 : v === '1' ? 1 : v === '2' ? 2 : -1
    if (n > version) version = n
  }
  return version
}

/** One pkt-line: four hex digits of length (itself included), then the payload. */
function pktLine(payload: string): Buffer {
  const body = Buffer.from(payload, 'utf8')
  return Buffer.concat([Buffer.from((body.length + 4).toString(16).padStart(4, '0'), 'ascii'), body])
}

const FLUSH = Buffer.from('0000', 'ascii')

/** The service a route names, or undefined for one git does not serve over HTTP. */
function serviceOf(route: BackendRoute): GitService | undefined {
  const name = route.service
  switch (name) {
    case 'git-upload-pack':
      return 'upload-pack'
    case 'git-receive-pack':
      return 'receive-pack'
    case 'git-upload-archive':
      return undefined
    default:
      return assertNever(name, 'service')
  }
}

/** Decide what to run for a route, or how to refuse it, the way git http-backend does. */
export function planService(route: BackendRoute, request: ServiceRequest): ServicePlan {
  const service = serviceOf(route)
  if (service === undefined) {
    return { ok: false, status: 404, message: `git does not serve ${route.service} over HTTP.` }
  }
  // http-backend's rule for receive-pack without a repository setting (and
  // gitward has always overridden the setting with this same rule).
  if (service === 'receive-pack' && (request.remoteUser ?? '') === '') {
    return { ok: false, status: 403, message: 'Pushing needs an authenticated identity.' }
  }
  switch (route.kind) {
    case 'advertisement': {
      // A v2 client gets git's capability advertisement as it is; v0 and v1
      // clients first get the service announcement smart HTTP adds.
      const preamble =
        requestedProtocolVersion(request.gitProtocol) === 2
          ? null
          : Buffer.concat([pktLine(`# service=git-${service}\n`), FLUSH])
      return {
        ok: true,
        call: {
          service,
          args: ['--stateless-rpc', '--advertise-refs', '.'],
          head: { status: 200, headers: { ...NO_CACHE, 'content-type': `application/x-git-${service}-advertisement` } },
          preamble,
        },
      }
    }
    case 'rpc': {
      const expected = `application/x-git-${service}-request`
      if (request.contentType !== expected) {
        return {
          ok: false,
          status: 415,
          message: `Expected POST with Content-Type '${expected}', but received '${request.contentType ?? ''}' instead.`,
        }
      }
      return {
        ok: true,
        call: {
          service,
          args: ['--stateless-rpc', '.'],
          head: { status: 200, headers: { ...NO_CACHE, 'content-type': `application/x-git-${service}-result` } },
          preamble: null,
        },
      }
    }
    default:
      return assertNever(route, 'route')
  }
}

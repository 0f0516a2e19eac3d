// Classifies a request as one of the five git smart-HTTP requests gitward
// serves, or refuses it with the status a git user should see. Pure: method,
// URL and headers in, a value out.
//
// Status rules, in the order they are checked:
//   414  the URL is longer than MAX_URL_BYTES
//   400  the URL is malformed: a `#`, not origin-form, a bad percent-escape,
//        a forbidden character after decoding
//   404  the path is not a git smart-HTTP route: dumb-HTTP files, other files
//        inside a repository, anything else on the server
//   400  the route is recognised but the repository path breaks a rule of
//        checkRepoPath (traversal, `//`, nested `.git`, …)
//   405  the route is recognised but the method is not the one it takes
//   404  `info/refs` without a query (the dumb protocol's ref list)
//   400  a query that is not exactly `service=git-upload-pack` or
//        `service=git-receive-pack`, or any query on a POST
//   415  a POST without exactly its service's Content-Type
import type { IncomingHttpHeaders } from 'node:http'
import type { Access } from '../access/abilities.js'
import { checkRepoPath } from './repo-path.js'
import { parseRequestTarget } from './request-path.js'
import {
  ADVERTISED_SERVICES,
  GIT_SERVICES,
  findService,
  requestContentType,
  serviceAccess,
  type GitService,
} from './service.js'
import { assertNever } from '../assert-never.js'

export type { Access } from '../access/abilities.js'
export type { GitService } from './service.js'

export type Classification =
  | {
      ok: true
      kind: 'advertisement' | 'rpc'
      service: GitService
      access: Access
      /** Canonical project path, without `.git`, accepted by checkRepoPath. */
      project: string
      /** The URL to forward, rebuilt from the canonical project and constants only. */
      forwardUrl: string
    }
  | { ok: false; status: 400 | 404 | 405 | 414 | 415; message: string }

type Refusal = Extract<Classification, { ok: false }>

const NOT_A_GIT_ROUTE: Refusal = {
  ok: false,
  status: 404,
  message: 'Not found: this server answers only git smart-HTTP requests.',
}

const DUMB_HTTP: Refusal = {
  ok: false,
  status: 404,
  message: 'Not found: the dumb HTTP protocol is not served; use a git client that speaks smart HTTP.',
}

const BAD_QUERY: Refusal = {
  ok: false,
  status: 400,
  message: 'The info/refs query must be exactly service=git-upload-pack or service=git-receive-pack.',
}

type Route =
  | { kind: 'advertisement'; repo: readonly string[] }
  | { kind: 'rpc'; service: GitService; repo: readonly string[] }

/** Which git route the decoded segments name, and the repository part before it. */
function findRoute(segments: readonly string[]): Route | undefined {
  const n = segments.length
  if (n >= 2 && segments[n - 2] === 'info' && segments[n - 1] === 'refs') {
    return { kind: 'advertisement', repo: segments.slice(0, n - 2) }
  }
  const service = findService(GIT_SERVICES, segments[n - 1] ?? '')
  if (service !== undefined) return { kind: 'rpc', service, repo: segments.slice(0, n - 1) }
  return undefined
}

/** The media type alone, lower-cased; parameters are kept so they fail the comparison. */
function mediaType(headers: IncomingHttpHeaders): string | undefined {
  const value = headers['content-type']
  return typeof value === 'string' ? value.trim().toLowerCase() : undefined
}

export function classify(method: string, url: string, headers: IncomingHttpHeaders): Classification {
  const target = parseRequestTarget(url)
  if (!target.ok) return target

  const route = findRoute(target.segments)
  if (route === undefined) return NOT_A_GIT_ROUTE

  const checked = checkRepoPath(route.repo.join('/'))
  if (!checked.ok) return { ok: false, status: 400, message: `Invalid repository path: ${checked.rule}.` }
  const project = checked.path

  switch (route.kind) {
    case 'advertisement': {
      // Methods are case-sensitive (RFC 9110); `get` is not GET.
      if (method !== 'GET' && method !== 'HEAD') {
        return { ok: false, status: 405, message: 'info/refs accepts only GET and HEAD.' }
      }
      if (target.query === null) return DUMB_HTTP
      // The query must be one of two literal strings. git-http-backend
      // percent-decodes the query and takes the LAST `service=`, while most
      // parsers take the first: a duplicate, an escape (`git%2Dreceive-pack`),
      // `;` or `+` tricks could make the gate see upload-pack (a read) while
      // the backend runs receive-pack (a write). Exact comparison leaves no
      // second reading.
      const prefix = 'service='
      if (!target.query.startsWith(prefix)) return BAD_QUERY
      const service = findService(ADVERTISED_SERVICES, target.query.slice(prefix.length))
      if (service === undefined) return BAD_QUERY
      return {
        ok: true,
        kind: 'advertisement',
        service,
        access: serviceAccess(service),
        project,
        forwardUrl: `/${project}.git/info/refs?service=${service}`,
      }
    }
    case 'rpc': {
      const { service } = route
      if (method !== 'POST') {
        return { ok: false, status: 405, message: `${service} accepts only POST.` }
      }
      // git never sends one; a query here could only be meant for whatever
      // sits behind the gate.
      if (target.query !== null) {
        return { ok: false, status: 400, message: `A ${service} request must not have a query string.` }
      }
      const expected = requestContentType(service)
      if (mediaType(headers) !== expected) {
        return { ok: false, status: 415, message: `A ${service} request must have Content-Type ${expected}.` }
      }
      return {
        ok: true,
        kind: 'rpc',
        service,
        access: serviceAccess(service),
        project,
        forwardUrl: `/${project}.git/${service}`,
      }
    }
    default:
      assertNever(route, 'route')
  }
}

// The closed set of requests the embedded backend runs git for. The front
// has already rewritten every forwarded request to one of these canonical
// forms; the backend checks again because it is the last step before a
// process is spawned, and a request that reaches the backend socket some
// other way must not be able to pick a different program, a dumb-HTTP file
// or a path outside the repository root.
import { checkRepoPath } from '../git/repo-path.js'
import { assertNever } from '../assert-never.js'

/** Services whose ref advertisement is fetched with `GET info/refs?service=…`. */
export const ADVERTISED_SERVICES = ['git-upload-pack', 'git-receive-pack'] as const
export type AdvertisedService = (typeof ADVERTISED_SERVICES)[number]

/** Services reached with `POST /<project>.git/<service>`. */
export const RPC_SERVICES = ['git-upload-pack', 'git-receive-pack', 'git-upload-archive'] as const
export type RpcService = (typeof RPC_SERVICES)[number]

export type BackendRoute =
  | { kind: 'advertisement'; project: string; service: AdvertisedService }
  | { kind: 'rpc'; project: string; service: RpcService }

const CANONICAL_PATH =
  /^\/(.+)\.git\/(info\/refs|git-upload-pack|git-receive-pack|git-upload-archive)$/

const isAdvertised = (s: string): s is AdvertisedService =>
  (ADVERTISED_SERVICES as readonly string[]).includes(s)
const isRpc = (s: string): s is RpcService => (RPC_SERVICES as readonly string[]).includes(s)

/**
 * Recognise a canonical backend request, or return undefined for anything
 * else (dumb-HTTP paths, other methods, extra query parameters, a path that
 * `checkRepoPath` would spell differently).
 */
export function parseBackendRoute(method: string, url: string): BackendRoute | undefined {
  const q = url.indexOf('?')
  const path = q === -1 ? url : url.slice(0, q)
  const query = q === -1 ? '' : url.slice(q + 1)
  const m = CANONICAL_PATH.exec(path)
  if (!m) return undefined
  const [, rawProject = '', tail = ''] = m
  // The one definition of a valid path. Requiring the checked path to equal
  // the raw one refuses `/a/b.git.git/...`, which checkRepoPath would accept
  // by stripping a `.git` and which git would then open as another directory.
  const check = checkRepoPath(rawProject)
  if (!check.ok || check.path !== rawProject) return undefined
  const project = check.path
  if (tail === 'info/refs') {
    if (method !== 'GET' && method !== 'HEAD') return undefined
    // Without `service=` git would answer with the dumb-HTTP ref list.
    const service = query.startsWith('service=') ? query.slice('service='.length) : ''
    if (!isAdvertised(service)) return undefined
    return { kind: 'advertisement', project, service }
  }
  if (method !== 'POST' || query !== '' || !isRpc(tail)) return undefined
  return { kind: 'rpc', project, service: tail }
}

/** The CGI PATH_INFO for a route: `/acme/app.git/info/refs`. */
export function routePathInfo(route: BackendRoute): string {
  switch (route.kind) {
    case 'advertisement':
      return `/${route.project}.git/info/refs`
    case 'rpc':
      return `/${route.project}.git/${route.service}`
    default:
      assertNever(route, 'route')
  }
}

/** The CGI QUERY_STRING for a route (empty for RPC posts). */
export function routeQueryString(route: BackendRoute): string {
  switch (route.kind) {
    case 'advertisement':
      return `service=${route.service}`
    case 'rpc':
      return ''
    default:
      assertNever(route, 'route')
  }
}

/** The HTTP method a route is reached with. */
export function routeMethod(route: BackendRoute): 'GET' | 'POST' {
  switch (route.kind) {
    case 'advertisement':
      return 'GET'
    case 'rpc':
      return 'POST'
    default:
      assertNever(route, 'route')
  }
}

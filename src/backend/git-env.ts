// The environment of one git process (git-upload-pack or git-receive-pack),
// built from scratch.
//
// Nothing is inherited from gitward's own environment, and no request header
// is copied across wholesale: a CGI server that turns every header into an
// `HTTP_*` variable lets a client set `HTTP_PROXY` with a `Proxy:` header
// (httpoxy) or reach any other variable git or a hook happens to read. Each
// variable below is named, and each value taken from the request is checked
// against the form git itself sends. The request is described with the CGI
// variables git http-backend would have passed on (REMOTE_USER, REMOTE_ADDR,
// PATH_INFO, …), so a repository's own hooks see what they always saw.
import { isIP } from 'node:net'
import { GitwardError } from '../errors.js'
import { decodeRefPolicy, REF_POLICY_ENV, REF_POLICY_HEADER } from '../access/ref-policy-codec.js'
import { checkRepoPath } from '../git/repo-path.js'
import { gitProtocolHeader } from '../git/request-headers.js'
import { parseBackendRoute, routePathInfo, routeQueryString } from './backend-route.js'

/** Request headers as node:http hands them over (names in lower case). */
export type RequestHeaders = Readonly<Record<string, string | string[] | undefined>>

export interface GitEnvInput {
  /** Absolute path of the repository root (GIT_PROJECT_ROOT). */
  projectRoot: string
  method: string
  /** The canonical URL the front rewrote the request to. */
  url: string
  headers: RequestHeaders
  /** Peer address of the connection, used when the front sent none (TCP listener only). */
  socketAddress?: string | undefined
  /** A fixed PATH for git and hooks, never gitward's own. */
  pathEnv: string
  /** A private empty directory, so no user's ~/.gitconfig is read. */
  homeDir: string
  /** gitward's hooks directory (hooks-dir.ts): core.hooksPath for a push the gate wants checked. */
  hooksDir?: string | undefined
}

/** Set by the front after it has authenticated a token: the bot's name. */
export const REMOTE_USER_HEADER = 'x-gitward-remote-user'
/** Set by the front: the client's IP address. */
export const REMOTE_ADDR_HEADER = 'x-gitward-remote-addr'

const REMOTE_USER = /^[A-Za-z0-9_]{1,64}$/
const CONTENT_TYPE = /^[\x20-\x7e]{1,256}$/

/** One header value, or undefined when absent or sent more than once. */
function single(headers: RequestHeaders, name: string): string | undefined {
  const v = headers[name]
  return typeof v === 'string' ? v : undefined
}

/** The bot name from the front's header, if it is well formed. */
export function remoteUserOf(headers: RequestHeaders): string | undefined {
  const v = single(headers, REMOTE_USER_HEADER)
  return v !== undefined && REMOTE_USER.test(v) ? v : undefined
}

function remoteAddrOf(headers: RequestHeaders, socketAddress: string | undefined): string | undefined {
  const v = single(headers, REMOTE_ADDR_HEADER)?.trim()
  if (v !== undefined && isIP(v) !== 0) return v
  if (socketAddress !== undefined && isIP(socketAddress) !== 0) return socketAddress
  return undefined
}

/**
 * Build the complete environment for the git process of one request.
 * Throws GitwardError('NOT_FOUND') when the URL is not a canonical backend
 * route; the caller is expected to have answered 404 already.
 */
export function buildGitEnv(input: GitEnvInput): Record<string, string> {
  const route = parseBackendRoute(input.method, input.url)
  // parseBackendRoute already applies checkRepoPath; checking the project a
  // second time here keeps this function safe on its own, because
  // PATH_INFO is the one value that decides which directory git opens.
  if (route === undefined || !checkRepoPath(route.project).ok) {
    throw new GitwardError('NOT_FOUND', 'The request is not a git smart-HTTP request.')
  }
  const { headers } = input
  const env = Object.create(null) as Record<string, string>

  env.GATEWAY_INTERFACE = 'CGI/1.1'
  env.SERVER_PROTOCOL = 'HTTP/1.1'
  env.REQUEST_METHOD = input.method
  env.GIT_PROJECT_ROOT = input.projectRoot
  env.PATH_INFO = routePathInfo(route)
  env.QUERY_STRING = routeQueryString(route)

  // The body git reads is always plain (the backend inflates a gzip one), so
  // neither its length on the wire nor its encoding is passed on.
  const contentType = single(headers, 'content-type')
  if (contentType !== undefined && CONTENT_TYPE.test(contentType)) env.CONTENT_TYPE = contentType

  const user = remoteUserOf(headers)
  if (user !== undefined) env.REMOTE_USER = user
  const addr = remoteAddrOf(headers, input.socketAddress)
  if (addr !== undefined) env.REMOTE_ADDR = addr
  const protocol = gitProtocolHeader(headers)
  if (protocol !== undefined) env.GIT_PROTOCOL = protocol
  // The identity git http-backend gives the service for reflog entries.
  env.GIT_COMMITTER_NAME = user ?? 'anonymous'
  env.GIT_COMMITTER_EMAIL = `${user ?? 'anonymous'}@http.${addr ?? '(none)'}`

  env.PATH = input.pathEnv
  env.HOME = input.homeDir
  // No /etc/gitconfig and no ~/.gitconfig: only the repository's own config
  // and the settings below apply.
  env.GIT_CONFIG_NOSYSTEM = '1'
  env.GIT_CONFIG_GLOBAL = '/dev/null'

  const config: Array<[string, string]> = []
  // A push whose protected refs need what only the objects can tell (a
  // force-push, an empty repository) comes with the gate's decision inputs;
  // gitward's pre-receive hook reads them (src/hook/). Other pushes run the
  // repository's own hooks as always.
  const refPolicy = single(headers, REF_POLICY_HEADER)
  const pushPolicy = refPolicy === undefined ? undefined : decodeRefPolicy(refPolicy)
  if (refPolicy !== undefined && pushPolicy === undefined) {
    throw new GitwardError('INVALID_ARGUMENT', 'The ref policy of this push is malformed.')
  }
  if (refPolicy !== undefined && pushPolicy?.check === true && route.service === 'git-receive-pack') {
    if (input.hooksDir === undefined) {
      // Fail closed: without the hook, a force-push to a protected branch would go through.
      throw new GitwardError('INVALID_CONFIG', 'The embedded backend has no hooks directory, so this push cannot be checked.')
    }
    env[REF_POLICY_ENV] = refPolicy
    // The token's public id (never its secret), for a repository's own hooks too.
    if (/^[A-Za-z0-9]{1,64}$/.test(pushPolicy.tokenId)) env.GITWARD_TOKEN_ID = pushPolicy.tokenId
    config.push(['core.hooksPath', input.hooksDir])
  }
  env.GIT_CONFIG_COUNT = String(config.length)
  config.forEach(([key, value], i) => {
    env[`GIT_CONFIG_KEY_${i}`] = key
    env[`GIT_CONFIG_VALUE_${i}`] = value
  })
  return env
}

// The headers gitward sends upstream, built from an allow-list rather than by
// deleting bad ones from the client's set. Whatever a client invents —
// Authorization, Remote-User, X-Forwarded-User, a copy of our own identity
// header, Proxy (httpoxy), hop-by-hop headers — simply has no way through.
// Computed before the request reaches the proxy library, so it also holds for
// requests that carry `Expect:` (for which some proxy versions skip hooks).
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http'
import { REMOTE_ADDR_HEADER, REMOTE_USER_HEADER } from '../backend/git-env.js'
import { gitProtocolHeader, requestContentEncoding } from '../git/request-headers.js'
import { assertNever } from '../assert-never.js'

/**
 * Headers git sends that the backend needs; nothing else is forwarded. Not
 * `Host`: a web server picks its virtual host by it, so a client's Host
 * would let it authorize one repository and be served another's (on a unix:
 * socket as much as on a port). gitward always sends a Host of its own.
 */
const PASS_THROUGH = [
  'content-type',
  'content-length',
  'accept',
  'accept-encoding',
  'accept-language',
  'user-agent',
] as const


export interface Identity {
  tokenId: string
  remoteUser: string
}

export type UpstreamKind =
  | { kind: 'embedded' }
  | {
      kind: 'external'
      identityHeader: string
      tokenIdHeader: string
      /** The Host the upstream sees: upstream_host, else localhost (socket) or the URL's authority. */
      host: string
    }

/** The Host sent to the embedded backend, which serves one root and ignores it. */
export const EMBEDDED_HOST = 'localhost'

export interface UpstreamHeaderInput {
  headers: IncomingHttpHeaders
  identity: Identity | null
  clientAddress: string
  /** The protocol and host the client used, for X-Forwarded-Proto/-Host. */
  proto: 'http' | 'https'
  upstream: UpstreamKind
}

export function upstreamHeaders(input: UpstreamHeaderInput): OutgoingHttpHeaders {
  const out = Object.create(null) as OutgoingHttpHeaders
  for (const name of PASS_THROUGH) {
    const value = input.headers[name]
    if (typeof value === 'string') out[name] = value
  }
  // The two headers that change how git reads the request go upstream only
  // in the form git sends, whichever the upstream: a Content-Encoding git can
  // read (the gate refuses others with 415) and a well-formed Git-Protocol (a
  // malformed one is dropped, so git falls back to protocol v0).
  const encoding = requestContentEncoding(input.headers)
  if (encoding !== undefined && encoding !== 'unsupported') out['content-encoding'] = encoding
  const protocol = gitProtocolHeader(input.headers)
  if (protocol !== undefined) out['git-protocol'] = protocol
  // Node has already de-chunked the body; chunked is the only framing we
  // re-create upstream (when there is no Content-Length).
  if (out['content-length'] === undefined && input.headers['transfer-encoding'] !== undefined) {
    out['transfer-encoding'] = 'chunked'
  }
  const upstream = input.upstream
  switch (upstream.kind) {
    case 'embedded':
      out['host'] = EMBEDDED_HOST
      out[REMOTE_ADDR_HEADER] = input.clientAddress
      if (input.identity !== null) out[REMOTE_USER_HEADER] = input.identity.remoteUser
      break
    case 'external':
      out['host'] = upstream.host
      out['x-forwarded-for'] = input.clientAddress
      out['x-forwarded-proto'] = input.proto
      if (typeof input.headers.host === 'string') out['x-forwarded-host'] = input.headers.host
      if (input.identity !== null) {
        out[upstream.identityHeader.toLowerCase()] = input.identity.remoteUser
        out[upstream.tokenIdHeader.toLowerCase()] = input.identity.tokenId
      }
      break
    default:
      assertNever(upstream, 'upstream')
  }
  return out
}

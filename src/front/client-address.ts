// Which address a request comes from, for the ban list and the log.
// X-Forwarded-For is believed only when the direct peer is a configured
// trusted proxy; otherwise any client could pick its own address and dodge a
// ban (or frame another address).
import { isIP } from 'node:net'

export function normalizeAddress(address: string): string {
  // IPv4 clients of a dual-stack socket appear as ::ffff:a.b.c.d.
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address
}

export function clientAddress(
  remote: string | undefined,
  forwardedFor: string | string[] | undefined,
  trustedProxies: ReadonlySet<string>,
): string {
  const peer = normalizeAddress(remote ?? 'unknown')
  if (!trustedProxies.has(peer) || forwardedFor === undefined) return peer
  const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor)
    .split(',')
    .map(s => normalizeAddress(s.trim()))
  // Walk from the nearest hop outwards; the first address that is not one of
  // our own proxies is the client. Anything unparsable stops the walk.
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i] ?? ''
    if (isIP(hop) === 0) return peer
    if (!trustedProxies.has(hop)) return hop
  }
  return hops[0] ?? peer
}

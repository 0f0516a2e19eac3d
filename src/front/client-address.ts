// Which address a request comes from, for the ban list and the log.
// X-Forwarded-For is believed only when the direct peer is a configured
// trusted proxy; otherwise any client could pick its own address and dodge a
// ban (or frame another address). Every address is normalised (src/net/), so
// the peer, the hops and the configured proxies compare in one spelling.
import { canonicalAddress, normalizePeer } from '../net/ip-address.js'

/** Anything that can say whether an address is a trusted proxy (an AddressRanges, a Set). */
export interface AddressMatcher {
  has(address: string): boolean
}

export function clientAddress(
  remote: string | undefined,
  forwardedFor: string | string[] | undefined,
  trustedProxies: AddressMatcher,
): string {
  const peer = normalizePeer(remote ?? 'unknown')
  if (!trustedProxies.has(peer) || forwardedFor === undefined) return peer
  const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor).split(',').map(s => s.trim())
  // Walk from the nearest hop outwards; the first address that is not one of
  // our own proxies is the client. Anything unparsable stops the walk.
  let last = peer
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = canonicalAddress(hops[i] ?? '')
    if (hop === null) return peer
    if (!trustedProxies.has(hop)) return hop
    last = hop
  }
  return last
}

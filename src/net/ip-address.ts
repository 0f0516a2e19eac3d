// One spelling per address. The same client can appear as `127.0.0.1` or
// `::ffff:127.0.0.1` (an IPv4 client of a dual-stack socket), an IPv6 address
// as `::1` or `0:0:0:0:0:0:0:1`. The ban list, the trusted-proxy check and the
// log compare addresses as strings, so every address — a socket peer, an
// X-Forwarded-For hop, a configured entry — goes through here first;
// otherwise a configured `::ffff:10.0.0.1` never matches the peer `10.0.0.1`
// and the proxy it names is silently not trusted.
import { isIP } from 'node:net'
import ipaddr from 'ipaddr.js'

/** The canonical text of an IP address (IPv4-mapped IPv6 becomes IPv4), or null. */
export function canonicalAddress(text: string): string | null {
  // Node's strict syntax first: ipaddr.js alone would also read the legacy
  // forms `127.1` and `0177.0.0.1` (octal), which no socket ever reports and
  // which would make a configured entry mean something unexpected.
  const version = isIP(text)
  if (version === 0) return null
  // Node's IPv4 syntax is already the one spelling (four decimal numbers,
  // no leading zeros): every request's peer skips the parse below.
  if (version === 4) return text
  // ipaddr.process turns ::ffff:a.b.c.d into a.b.c.d; toString() is the
  // compressed RFC 5952 form Node uses for socket addresses.
  const address = ipaddr.process(text)
  return address.toString()
}

/**
 * The address a socket reports, canonical; anything unparsable (a missing
 * peer, say) is kept as given so it still names itself in the log.
 */
export function normalizePeer(text: string): string {
  return canonicalAddress(text) ?? text
}

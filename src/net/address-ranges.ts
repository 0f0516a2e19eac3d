// A set of addresses and CIDR ranges from the configuration (trusted_proxies,
// ban_allowlist): `10.0.0.7`, `10.0.0.0/8`, `fd00::/8`. Parsing and matching
// are ipaddr.js's, not hand-written: address syntax has too many corners
// (IPv4-mapped IPv6, zero compression, leading zeros) to get right by regex.
import ipaddr from 'ipaddr.js'
import { canonicalAddress } from './ip-address.js'

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number]

const IPV4_MAPPED_PREFIX = 96

/**
 * The canonical spelling of one configured entry, or null when it is neither
 * an address nor a CIDR range. A range loses its host bits (`10.1.2.3/8` is
 * `10.0.0.0/8`) and an IPv4-mapped range becomes IPv4 (`::ffff:10.0.0.0/104`
 * is `10.0.0.0/8`), so it matches the way peers are normalised.
 */
export function canonicalRange(text: string): string | null {
  if (!text.includes('/')) return canonicalAddress(text)
  const [head = '', prefix = ''] = text.split('/', 2)
  if (canonicalAddress(head) === null || !/^\d{1,3}$/.test(prefix) || !ipaddr.isValidCIDR(text)) return null
  let [address, bits] = ipaddr.parseCIDR(text)
  if (address.kind() === 'ipv6') {
    const v6 = address as ipaddr.IPv6
    if (v6.isIPv4MappedAddress() && bits >= IPV4_MAPPED_PREFIX) {
      address = v6.toIPv4Address()
      bits -= IPV4_MAPPED_PREFIX
    }
  }
  const network = address.kind() === 'ipv4'
    ? ipaddr.IPv4.networkAddressFromCIDR(`${address.toString()}/${bits}`)
    : ipaddr.IPv6.networkAddressFromCIDR(`${address.toString()}/${bits}`)
  return `${network.toString()}/${bits}`
}

/** Matches canonical addresses against configured addresses and ranges. */
export class AddressRanges {
  readonly #exact: ReadonlySet<string>
  readonly #ranges: readonly Range[]

  /** `entries` must be canonical (see canonicalRange); the config loader makes them so. */
  constructor(entries: readonly string[]) {
    const exact = new Set<string>()
    const ranges: Range[] = []
    for (const entry of entries) {
      const canonical = canonicalRange(entry)
      if (canonical === null) throw new Error(`not an address or CIDR range: ${entry}`)
      if (canonical.includes('/')) ranges.push(ipaddr.parseCIDR(canonical))
      else exact.add(canonical)
    }
    this.#exact = exact
    this.#ranges = ranges
  }

  /** True when `address` (canonical, as from normalizePeer) is listed or inside a listed range. */
  has(address: string): boolean {
    if (this.#exact.has(address)) return true
    if (this.#ranges.length === 0 || canonicalAddress(address) === null) return false
    const parsed = ipaddr.parse(address)
    // match() throws when the kinds differ; an IPv4 address is never in an IPv6 range.
    return this.#ranges.some(range => range[0].kind() === parsed.kind() && parsed.match(range))
  }
}

import t from 'tap'
import { clientAddress } from '../../src/front/client-address.js'

const trusted = new Set(['10.0.0.1', '10.0.0.2'])
const table: Array<[string, string | undefined, string | string[] | undefined, string]> = [
  ['untrusted peer: forwarded header ignored', '203.0.113.5', '1.1.1.1', '203.0.113.5'],
  ['no header', '10.0.0.1', undefined, '10.0.0.1'],
  ['trusted peer: nearest untrusted hop', '10.0.0.1', '198.51.100.7', '198.51.100.7'],
  ['chain through trusted proxies', '10.0.0.1', '6.6.6.6, 198.51.100.7, 10.0.0.2', '198.51.100.7'],
  ['client cannot spoof the left end', '10.0.0.1', 'spoof, 198.51.100.7', '198.51.100.7'],
  ['unparsable hop stops the walk', '10.0.0.1', '198.51.100.7, garbage', '10.0.0.1'],
  ['IPv4-mapped IPv6 peer', '::ffff:10.0.0.1', '198.51.100.9', '198.51.100.9'],
  ['repeated headers', '10.0.0.1', ['198.51.100.1', '198.51.100.2'], '198.51.100.2'],
  ['only trusted hops', '10.0.0.1', '10.0.0.2', '10.0.0.2'],
  ['missing peer', undefined, '1.1.1.1', 'unknown'],
]
for (const [name, peer, xff, want] of table) {
  t.equal(clientAddress(peer, xff, trusted), want, name)
}

// metrics_allow: addresses and CIDR ranges, read and normalised by the config
// loader like trusted_proxies, matched with the same AddressRanges the gate
// uses for its other address lists.
import t from 'tap'
import { loadConfig } from '../../src/config/load.js'
import { AddressRanges } from '../../src/net/address-ranges.js'
import { normalizePeer } from '../../src/net/ip-address.js'

const allowed = (list: string, peer: string): boolean => {
  const config = loadConfig({ flags: {}, env: { GITWARD_METRICS_ALLOW: list }, cwd: '/' })
  return new AddressRanges(config.metrics_allow).has(normalizePeer(peer))
}

t.test('addresses and CIDR ranges, IPv4 clients of dual-stack sockets included', async t => {
  const list = '10.0.0.0/8, 192.0.2.7, 2001:db8::/32, ::1, ::ffff:198.51.100.0/120'
  const table: Array<[string, boolean]> = [
    ['10.1.2.3', true],
    ['::ffff:10.1.2.3', true],
    ['11.0.0.1', false],
    ['192.0.2.7', true],
    ['192.0.2.8', false],
    ['2001:db8:1::5', true],
    ['2001:db9::1', false],
    ['::1', true],
    ['127.0.0.1', false],
    ['198.51.100.20', true],
    ['unknown', false],
    ['10.0.0.1, 127.0.0.1', false],
  ]
  for (const [peer, expected] of table) t.equal(allowed(list, peer), expected, peer)
  t.same(loadConfig({ flags: {}, env: {}, cwd: '/' }).metrics_allow, [], 'nobody by default')
})

t.test('an entry that is neither an address nor a range is a configuration problem', async t => {
  t.throws(() => loadConfig({ flags: {}, env: { GITWARD_METRICS_ALLOW: '10.0.0.0/8,example.org' }, cwd: '/' }), {
    code: 'INVALID_CONFIG',
    message: /metrics_allow contains "example.org"/,
  })
})

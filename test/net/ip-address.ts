import t from 'tap'
import { canonicalAddress, normalizePeer } from '../../src/net/ip-address.js'
import { AddressRanges, canonicalRange } from '../../src/net/address-ranges.js'

t.test('canonicalAddress: one spelling per address', async t => {
  const table: Array<[string, string | null]> = [
    ['127.0.0.1', '127.0.0.1'],
    ['::ffff:127.0.0.1', '127.0.0.1'],
    ['::FFFF:10.0.0.1', '10.0.0.1'],
    ['::1', '::1'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['2001:DB8::1', '2001:db8::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['127.1', null],
    ['0177.0.0.1', null],
    ['0x7f.0.0.1', null],
    ['10.0.0.0/8', null],
    ['localhost', null],
    ['', null],
    [' 127.0.0.1', null],
  ]
  for (const [input, want] of table) t.equal(canonicalAddress(input), want, JSON.stringify(input))
  t.equal(normalizePeer('unknown'), 'unknown', 'an unparsable peer names itself')
  t.equal(normalizePeer('::ffff:192.0.2.1'), '192.0.2.1')
})

t.test('canonicalRange: addresses and CIDR ranges', async t => {
  const table: Array<[string, string | null]> = [
    ['10.0.0.0/8', '10.0.0.0/8'],
    ['10.1.2.3/8', '10.0.0.0/8'],
    ['fd00::/8', 'fd00::/8'],
    ['FD12:3456::/16', 'fd12::/16'],
    ['::ffff:10.0.0.0/104', '10.0.0.0/8'],
    ['::ffff:127.0.0.1', '127.0.0.1'],
    ['192.0.2.1/32', '192.0.2.1/32'],
    ['10.0.0.0/33', null],
    ['fd00::/129', null],
    ['10.0.0.0/', null],
    ['10.0.0.0/x', null],
    ['127.1/8', null],
    ['10.0.0.0/8/8', null],
    ['nonsense', null],
  ]
  for (const [input, want] of table) t.equal(canonicalRange(input), want, JSON.stringify(input))
})

t.test('AddressRanges matches addresses and ranges of the same family', async t => {
  const r = new AddressRanges(['10.0.0.0/8', 'fd00::/8', '192.0.2.7', '::1'])
  const table: Array<[string, boolean]> = [
    ['10.0.0.1', true],
    ['10.255.255.255', true],
    ['11.0.0.1', false],
    ['fd00::1', true],
    ['fdff:ffff::1', true],
    ['fe80::1', false],
    ['192.0.2.7', true],
    ['192.0.2.8', false],
    ['::1', true],
    ['unknown', false],
    ['', false],
  ]
  for (const [address, want] of table) t.equal(r.has(address), want, address)
  t.equal(new AddressRanges([]).has('10.0.0.1'), false)
  t.throws(() => new AddressRanges(['nope']))
})

t.test('canonicalAddress: an IPv4 address Node accepts is returned as ipaddr.js would spell it', async t => {
  const { default: ipaddr } = await import('ipaddr.js')
  for (const a of ['0.0.0.0', '1.2.3.4', '10.0.0.1', '127.0.0.1', '192.168.100.200', '255.255.255.255', '100.64.9.99']) {
    t.equal(canonicalAddress(a), ipaddr.process(a).toString(), a)
  }
  for (const bad of ['01.2.3.4', '1.2.3', '127.1', '256.0.0.1', '1.2.3.4 ']) t.equal(canonicalAddress(bad), null, JSON.stringify(bad))
})


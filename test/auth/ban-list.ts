import t from 'tap'
import { ManualClock } from '../../src/clock.js'
import { InMemoryBanList } from '../../src/auth/ban-list.js'

const make = (over: Partial<ConstructorParameters<typeof InMemoryBanList>[0]> = {}) => {
  const clock = new ManualClock(0)
  const bans = new InMemoryBanList({ enabled: true, maxFailures: 3, windowMs: 180_000, banMs: 3_600_000, allowlist: ['10.0.0.9'], clock, ...over })
  return { clock, bans }
}

t.test('N failures within the window ban for the ban time', async t => {
  const { clock, bans } = make()
  t.equal(bans.recordFailure('1.2.3.4'), false)
  t.equal(bans.recordFailure('1.2.3.4'), false)
  t.notOk(bans.isBanned('1.2.3.4'))
  t.equal(bans.recordFailure('1.2.3.4'), true, 'third failure starts the ban')
  t.ok(bans.isBanned('1.2.3.4'))
  t.notOk(bans.isBanned('1.2.3.5'), 'other addresses unaffected')
  clock.advance(3_600_000 - 1)
  t.ok(bans.isBanned('1.2.3.4'))
  clock.advance(1)
  t.notOk(bans.isBanned('1.2.3.4'), 'lifted after the ban time')
})

t.test('failures spread wider than the window do not ban', async t => {
  const { clock, bans } = make()
  bans.recordFailure('a')
  bans.recordFailure('a')
  clock.advance(180_000)
  bans.recordFailure('a')
  t.notOk(bans.isBanned('a'))
})

t.test('failures age out one by one: the window slides', async t => {
  const { clock, bans } = make()
  bans.recordFailure('a') // t=0
  clock.advance(100_000)
  bans.recordFailure('a') // t=100 s
  clock.advance(80_000)
  t.equal(bans.recordFailure('a'), false, 'at t=180 s the first failure has aged out: two in the window')
  clock.advance(50_000)
  t.equal(bans.recordFailure('a'), true, 'at t=230 s three failures lie within 180 s')
})

t.test('allow-list entries may be CIDR ranges', async t => {
  const { bans } = make({ allowlist: ['10.0.0.0/8', 'fd00::/8'] })
  for (let i = 0; i < 5; i++) {
    bans.recordFailure('10.9.8.7')
    bans.recordFailure('fd00::1')
    bans.recordFailure('192.0.2.1')
  }
  t.notOk(bans.isBanned('10.9.8.7'))
  t.notOk(bans.isBanned('fd00::1'))
  t.ok(bans.isBanned('192.0.2.1'))
})

t.test('allow-listed addresses and the off-switch', async t => {
  const { bans } = make()
  for (let i = 0; i < 10; i++) bans.recordFailure('10.0.0.9')
  t.notOk(bans.isBanned('10.0.0.9'))
  const off = make({ enabled: false }).bans
  for (let i = 0; i < 10; i++) off.recordFailure('a')
  t.notOk(off.isBanned('a'))
})

t.test('memory is bounded', async t => {
  const { bans } = make({ maxTracked: 5, maxFailures: 1 })
  for (let i = 0; i < 20; i++) bans.recordFailure(`10.1.0.${i}`)
  t.notOk(bans.isBanned('10.1.0.0'), 'oldest forgotten')
  t.ok(bans.isBanned('10.1.0.19'))
})

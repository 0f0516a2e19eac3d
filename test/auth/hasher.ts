import t from 'tap'
import bcrypt from 'bcrypt'
import { bcryptHasher } from '../../src/auth/hasher.js'
import { GitwardError } from '../../src/errors.js'

t.test('the configured cost is the one in the hash', async t => {
  for (const cost of [4, 5]) {
    const hash = await bcryptHasher(cost).hash('s3cret-secret-secret')
    t.equal(bcrypt.getRounds(hash), cost)
    t.notMatch(hash, /s3cret/, 'the secret is not in the hash')
  }
})

t.test('compare accepts the secret and nothing else', async t => {
  const h = bcryptHasher(4)
  const hash = await h.hash('correct horse battery staple')
  t.equal(await h.compare('correct horse battery staple', hash), true)
  t.equal(await h.compare('correct horse battery stapl', hash), false)
  t.equal(await h.compare('', hash), false)
})

t.test('two hashes of one secret differ (salted)', async t => {
  const h = bcryptHasher(4)
  t.not(await h.hash('same'), await h.hash('same'))
})

t.test('costs outside bcrypt bounds are refused', async t => {
  for (const bad of [3, 32, 4.5, Number.NaN]) {
    t.throws(() => bcryptHasher(bad), GitwardError, String(bad))
  }
})

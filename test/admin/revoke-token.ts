import t from 'tap'
import path from 'node:path'
import { randomBytes } from 'node:crypto'
import { ManualClock } from '../../src/clock.js'
import { bcryptHasher } from '../../src/auth/hasher.js'
import { mintToken } from '../../src/admin/mint-token.js'
import { revokeToken } from '../../src/admin/revoke-token.js'
import { rotateToken } from '../../src/admin/rotate-token.js'
import { openSqliteStore } from '../../src/store/sqlite-store.js'
import { rejectsWithCode as refused } from '../helpers/assertions.js'
import { addProject } from '../helpers/store/fixtures.js'

const actor = { user: 'alice' }

t.test('revoke: once, then refused; unknown and malformed ids refused; audit names the token', async t => {
  const clock = new ManualClock(new Date('2026-06-15T12:00:00Z'))
  const store = await openSqliteStore({ file: path.join(t.testdir(), 'g.db'), clock, busyTimeoutMs: 1000 })
  t.teardown(() => store.close())
  await addProject(store, 'acme/app')
  const deps = { store, hasher: bcryptHasher(4), random: randomBytes, tokenPrefix: 'gwpat-', clock, maxTokenLifetimeDays: 0 }
  const m = await mintToken(deps, { name: 'ci', target: { kind: 'project', path: 'acme/app' }, role: 'developer', scopes: ['read_repository'], expiresAt: null }, actor)
  clock.advance(5000)
  const r = await revokeToken({ store }, { id: m.record.id }, actor)
  t.equal(r.revokedAt, '2026-06-15T12:00:05.000Z')
  await refused(t, revokeToken({ store }, { id: m.record.id }, actor), 'INVALID_ARGUMENT', /already revoked at 2026-06-15T12:00:05.000Z/)
  await refused(t, rotateToken(deps, { id: m.record.id }, actor), 'INVALID_ARGUMENT', /revoked at .* cannot be rotated/)
  await refused(t, revokeToken({ store }, { id: 'zzzzzzzzzzzz' }, actor), 'NOT_FOUND', /no token has the id "zzzzzzzzzzzz"/)
  await refused(t, revokeToken({ store }, { id: m.token }, actor), 'INVALID_ARGUMENT', /whole token/)
  const log = await store.listAudit()
  t.same(log.filter(e => e.action === 'token.revoked').map(e => [e.target, e.details]), [[m.record.id, { name: 'ci', project: 'acme/app' }]])
})

import t from 'tap'
import path from 'node:path'
import { ManualClock } from '../../src/clock.js'
import { listTokens } from '../../src/admin/list-tokens.js'
import { openSqliteStore } from '../../src/store/sqlite-store.js'
import { rejectsWithCode as refused } from '../helpers/assertions.js'
import { addProject, addToken, newToken } from '../helpers/store/fixtures.js'

t.test('listing: active means not revoked and not expired, by the server\'s expiry rule', async t => {
  const clock = new ManualClock(new Date('2026-06-15T12:00:00Z'))
  const store = await openSqliteStore({ file: path.join(t.testdir(), 'g.db'), clock, busyTimeoutMs: 1000 })
  t.teardown(() => store.close())
  const app = await addProject(store, 'acme/app')
  await addToken(store, newToken(app, { name: 'a' }))
  await addToken(store, newToken(app, { name: 'f', expiresAt: '2026-06-16' }))
  await addToken(store, newToken(null, { name: 'g', target: { kind: 'group', path: 'acme' } }))
  const names = async (request: Parameters<typeof listTokens>[1]) => (await listTokens({ store, clock }, request)).map(x => x.name)
  t.same(await names({}), ['a', 'f', 'g'])
  t.same(await names({ project: 'acme/app.git' }), ['a', 'f', 'g'], 'a project path is canonicalised; the group token that reaches it is listed too')
  // f stops working at 2026-06-16T00:00Z: gone from the active list then.
  clock.set(new Date('2026-06-15T23:59:59.999Z'))
  t.ok((await names({})).includes('f'))
  clock.set(new Date('2026-06-16T00:00:00.000Z'))
  t.notOk((await names({})).includes('f'))
  t.ok((await names({ all: true })).includes('f'))
  await refused(t, listTokens({ store, clock }, { project: 'acme/none' }), 'NOT_FOUND', /no project "acme\/none" is registered/)
  await refused(t, listTokens({ store, clock }, { group: 'a//b' }), 'INVALID_PATH')
})

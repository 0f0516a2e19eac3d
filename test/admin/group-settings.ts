import t from 'tap'
import path from 'node:path'
import { ManualClock } from '../../src/clock.js'
import { checkProjectTokenCreation, setProjectTokenCreation } from '../../src/admin/group-settings.js'
import { openSqliteStore } from '../../src/store/sqlite-store.js'
import { rejectsWithCode as refused } from '../helpers/assertions.js'

t.test('project-token creation: top-level groups only, enabled or disabled, audited with before and after', async t => {
  const clock = new ManualClock(new Date('2026-06-15T12:00:00Z'))
  const store = await openSqliteStore({ file: path.join(t.testdir(), 'g.db'), clock, busyTimeoutMs: 1000 })
  t.teardown(() => store.close())
  t.throws(() => checkProjectTokenCreation({ group: 'acme/sub', value: 'enabled' }), { code: 'INVALID_ARGUMENT', message: /not a top-level group.*"acme"/ })
  t.throws(() => checkProjectTokenCreation({ group: 'acme', value: 'maybe' }), { code: 'INVALID_ARGUMENT', message: /unknown value "maybe".*enabled or disabled/ })
  t.throws(() => checkProjectTokenCreation({ group: '../x', value: 'enabled' }), { code: 'INVALID_PATH' })
  const s = await setProjectTokenCreation({ store }, { group: 'acme', value: 'disabled' }, { user: 'alice' })
  t.same(s, { path: 'acme', projectTokenCreation: 'disabled', updatedAt: '2026-06-15T12:00:00.000Z', changed: true })
  t.same(await setProjectTokenCreation({ store }, { group: 'acme', value: 'disabled' }, { user: 'bob' }), { ...s, changed: false }, 'the same value again: unchanged')
  await refused(t, setProjectTokenCreation({ store }, { group: 'acme/sub', value: 'enabled' }, { user: 'alice' }), 'INVALID_ARGUMENT')
  const log = await store.listAudit()
  t.same(log.map(e => [e.action, e.target, e.actor, e.details]), [
    ['group.setting_changed', 'acme', 'alice', { setting: 'project_token_creation', from: 'enabled', to: 'disabled' }],
  ])
})

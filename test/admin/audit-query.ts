import t from 'tap'
import { parseAuditQuery, selectAudit, unknownActionNote } from '../../src/admin/audit-query.js'
import type { AuditEntry } from '../../src/model/audit.js'

const entry = (id: number, at: string, action: string, target: string): AuditEntry =>
  ({ id, at, actor: 'alice', action, target, details: {} }) as AuditEntry

const trail = [
  entry(1, '2026-05-31T23:59:59.999Z', 'project.created', 'acme/app'),
  entry(2, '2026-06-01T00:00:00.000Z', 'token.created', 'aaaaaaaaaaaa'),
  entry(3, '2026-06-02T08:00:00.000Z', 'token.revoked', 'aaaaaaaaaaaa'),
  entry(4, '2026-06-03T10:00:00.000Z', 'group.setting_changed', 'acme'),
]

t.test('filters', async t => {
  const ids = (input: Parameters<typeof parseAuditQuery>[0]): number[] => selectAudit(trail, parseAuditQuery(input)).map(e => e.id)
  t.same(ids({}), [1, 2, 3, 4])
  t.same(ids({ since: '2026-06-01' }), [2, 3, 4], 'a date starts at 00:00 UTC')
  t.same(ids({ since: '2026-06-02T08:00Z' }), [3, 4], 'an instant is inclusive')
  t.same(ids({ since: '2026-06-02T08:00:00.001Z' }), [4])
  t.same(ids({ action: 'token' }), [2, 3], 'a family')
  t.same(ids({ action: 'token.revoked' }), [3])
  t.same(ids({ action: 'tok' }), [], 'not a prefix match inside a word')
  t.same(ids({ target: 'aaaaaaaaaaaa' }), [2, 3])
  t.same(ids({ target: 'acme' }), [4], 'exact, not a prefix of acme/app')
  t.same(ids({ since: '2026-06-01', action: 'token', target: 'aaaaaaaaaaaa' }), [2, 3])
})

t.test('refusals', async t => {
  for (const since of ['2026-02-30', '2026-6-1', 'yesterday', '2026-06-01T08:00', '2026-06-01 08:00Z']) {
    t.throws(() => parseAuditQuery({ since }), { code: 'INVALID_ARGUMENT', message: /--since must be a date/ }, since)
  }
  for (const action of ['Token', 'token.revoked.x', 'token revoked', '']) {
    t.throws(() => parseAuditQuery({ action }), { code: 'INVALID_ARGUMENT' }, action)
  }
  t.throws(() => parseAuditQuery({ target: ' ' }), { code: 'INVALID_ARGUMENT' })
})

t.test('an action that never occurs is named, with the ones that do', async t => {
  t.equal(unknownActionNote(trail, parseAuditQuery({ action: 'token' })), null)
  t.equal(
    unknownActionNote(trail, parseAuditQuery({ action: 'token.revokd' })),
    'no entry in the audit trail has the action "token.revokd"; its actions are group.setting_changed, project.created, token.created, token.revoked.',
  )
})

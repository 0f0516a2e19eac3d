import t from 'tap'
import { cell, formatFields, formatTable } from '../../src/cli/table.js'
import { tokenState, tokenView } from '../../src/cli/token-view.js'
import type { TokenRecord } from '../../src/model/token.js'

t.test('columns line up, no trailing blanks, empty cells show "-"', async t => {
  const out = formatTable(['ID', 'NAME', 'STATE'], [['a1', 'long name', 'active'], ['b', '', 'revoked']])
  t.equal(out, 'ID  NAME       STATE\na1  long name  active\nb   -          revoked\n')
})

t.test('threat: control characters cannot reach the terminal', async t => {
  t.equal(cell('evil\u001b[2Jname\r\n'), 'evil?[2Jname??')
  t.notOk(formatFields([['name', 'a\u0007b']]).includes('\u0007'))
})

const record: TokenRecord = {
  id: 'aaaaaaaaaaaa',
  number: 1,
  name: 'ci',
  description: null,
  target: { kind: 'group', path: 'acme' },
  role: 'developer',
  scopes: ['read_repository'],
  secretHash: '$2b$04$hash',
  expiresAt: '2026-06-16',
  createdAt: '2026-06-01T00:00:00.000Z',
  lastUsedAt: null,
  revokedAt: null,
  rotatedFrom: null,
  refRules: null,
}

t.test('token view: state, and never the hash', async t => {
  const before = Date.parse('2026-06-15T23:59:59.999Z')
  const after = Date.parse('2026-06-16T00:00:00.000Z')
  t.equal(tokenState(record, before), 'active')
  t.equal(tokenState(record, after), 'expired')
  t.equal(tokenState({ ...record, revokedAt: '2026-06-02T00:00:00.000Z' }, before), 'revoked')
  const v = tokenView(record, before)
  t.same(v, {
    id: 'aaaaaaaaaaaa',
    name: 'ci',
    description: null,
    group: 'acme',
    role: 'developer',
    scopes: ['read_repository'],
    expires_at: '2026-06-16',
    created_at: '2026-06-01T00:00:00.000Z',
    last_used_at: null,
    revoked_at: null,
    rotated_from: null,
    state: 'active',
    recent_addresses: [],
  })
  t.notMatch(JSON.stringify(v), /\$2b\$/)
})

// The policy the gate sends its pre-receive hook: a round trip keeps every
// field, and anything the gate did not write is refused (the hook then
// refuses the push).
import t from 'tap'
import { decodeRefPolicy, encodeRefPolicy, type PushPolicy } from '../../src/access/ref-policy-codec.js'

const full: PushPolicy = {
  tokenId: 'k3j9x2m1q8ab',
  check: true,
  policy: {
    role: 'developer',
    tokenRefs: ['refs/tags/v*', 'refs/heads/ci/*'],
    branches: [
      { owner: { kind: 'project', path: 'acme/app' }, pattern: 'main', push: 'maintainer', allowForcePush: false },
      { owner: { kind: 'group', path: 'acme' }, pattern: 'release/*', push: 'developer', allowForcePush: true },
    ],
    tags: [{ owner: { kind: 'group', path: 'acme' }, pattern: 'v*', create: 'no_one' }],
    defaultBranch: { name: 'main', protection: 'full_after_initial_push' },
  },
}

t.test('round trip', async t => {
  const encoded = encodeRefPolicy(full)
  t.match(encoded, /^[A-Za-z0-9_-]+$/, 'one base64url word')
  t.same(decodeRefPolicy(encoded), full)
  const bare: PushPolicy = { tokenId: 'x', check: false, policy: { role: 'owner', tokenRefs: null, branches: [], tags: [], defaultBranch: null } }
  t.same(decodeRefPolicy(encodeRefPolicy(bare)), bare)
})

t.test('anything else is refused', async t => {
  const enc = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url')
  const good = JSON.parse(Buffer.from(encodeRefPolicy(full), 'base64url').toString()) as Record<string, unknown>
  const cases: Array<[string, string | undefined]> = [
    ['absent', undefined],
    ['empty', ''],
    ['not base64url', 'a+b/c='],
    ['not JSON', Buffer.from('nope').toString('base64url')],
    ['another version', enc({ ...good, v: 2 })],
    ['no check flag', enc({ ...good, c: undefined })],
    ['an unknown role', enc({ ...good, r: 'admin' })],
    ['an empty token ref list', enc({ ...good, k: [] })],
    ['an unknown push level', enc({ ...good, b: [['project', 'acme/app', 'main', 'reporter', 0]] })],
    ['a bad force flag', enc({ ...good, b: [['project', 'acme/app', 'main', 'maintainer', true]] })],
    ['an unknown owner kind', enc({ ...good, g: [['user', 'x', 'v*', 'maintainer']] })],
    ['an unknown default-branch protection', enc({ ...good, d: ['main', 'partial'] })],
    ['too long', 'a'.repeat(64 * 1024 + 1)],
  ]
  for (const [name, raw] of cases) t.equal(decodeRefPolicy(raw), undefined, name)
})

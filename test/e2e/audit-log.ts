// Every change made with the CLI appears once in the running server's log as
// a JSON line (msg "audit"), naming the administrator.
import t from 'tap'
import { startGitward } from '../helpers/servers/gitward.js'
import { waitUntil } from '../helpers/wait/wait-until.js'

interface AuditLine {
  msg: string
  auditId: number
  actor: string
  action: string
  target: string
  details: Record<string, unknown>
}

t.test('CLI changes reach the server log as one JSON line each', async t => {
  const h = await startGitward(t, { config: { audit_log_interval_ms: '50' } })
  await h.createProject('acme/app')
  const token = await h.mint({ project: 'acme/app', name: 'ci' })
  const auditLines = (): AuditLine[] =>
    h
      .logText()
      .split('\n')
      .filter(l => l !== '')
      .map(l => JSON.parse(l) as AuditLine)
      .filter(l => l.msg === 'audit')

  const revoke = await h.cli(['token', 'revoke', token.id, '--reason', 'OPS-42'], { SUDO_USER: 'alice' })
  t.equal(revoke.code, 0, revoke.stderr)
  t.ok(await waitUntil(() => auditLines().length >= 3, 10_000), 'the revocation is logged')
  const created = await h.cli(['repo', 'create', 'acme/lib'], { SUDO_USER: 'bob' })
  t.equal(created.code, 0, created.stderr)
  t.ok(await waitUntil(() => auditLines().length >= 4, 10_000), 'the new project is logged')
  const lines = auditLines()
  t.same(
    lines.map(l => [l.action, l.target, l.actor]),
    [
      ['project.created', 'acme/app', 'test'],
      ['token.created', token.id, 'test'],
      ['token.revoked', token.id, 'alice'],
      ['project.created', 'acme/lib', 'bob'],
    ],
    'every change since the server started, in order, once each',
  )
  t.same(lines.map(l => l.auditId), [...lines.map(l => l.auditId)].sort((a, b) => a - b))
  t.match(lines[1]!.details, { name: 'ci', project: 'acme/app' })
  t.match(lines[2]!.details, { name: 'ci', reason: 'OPS-42' }, 'with the reason')
  t.notOk(JSON.stringify(lines).includes(token.token), 'no token in an audit line')
})

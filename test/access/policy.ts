// The policy's full truth table, against an oracle written here from the
// rules in docs/security.md rather than from the implementation's helpers.
import t from 'tap'
import { BLANK_USERNAME_MESSAGE, decide, type Decision, type PolicyInput, type TokenCheck } from '../../src/access/policy.js'
import type { TokenTarget } from '../../src/model/token.js'

const NOT_FOUND = "The project you were looking for could not be found or you don't have permission to view it."

const ROLES = ['guest', 'reporter', 'developer', 'maintainer', 'owner'] as const
const SCOPES = ['api', 'read_api', 'read_registry', 'write_registry', 'read_repository', 'write_repository', 'self_rotate'] as const
type Role = (typeof ROLES)[number]
type Scope = (typeof SCOPES)[number]

// ---- the oracle ---------------------------------------------------------------
// Written out by hand, one line per rule.
const PULLS: Record<Scope, boolean> = {
  api: true, read_api: true, read_repository: true, write_repository: true, read_registry: false, write_registry: false, self_rotate: false,
}
const PUSHES: Record<Scope, boolean> = {
  api: true, read_api: false, read_repository: false, write_repository: true, read_registry: false, write_registry: false, self_rotate: false,
}
const CAN_PULL_ROLE: Record<Role, boolean> = { guest: false, reporter: true, developer: true, maintainer: true, owner: true }
const CAN_PUSH_ROLE: Record<Role, boolean> = { guest: false, reporter: false, developer: true, maintainer: true, owner: true }

// Each binding says outright whether the token covers the project.
const BINDINGS: Array<{ name: string; target: TokenTarget; projectPath: string; covers: boolean }> = [
  { name: 'project token on its project', target: { kind: 'project', projectId: 1, path: 'acme/app' }, projectPath: 'acme/app', covers: true },
  { name: 'group token on its group', target: { kind: 'group', path: 'acme' }, projectPath: 'acme/app', covers: true },
  { name: 'project token for another project', target: { kind: 'project', projectId: 2, path: 'acme/other' }, projectPath: 'acme/app', covers: false },
  { name: 'group token on a sibling-prefix group', target: { kind: 'group', path: 'acme' }, projectPath: 'acme-evil/app', covers: false },
  { name: 'group token on a subgroup project', target: { kind: 'group', path: 'acme' }, projectPath: 'acme/sub/app', covers: true },
  { name: 'project token for acme on acme/app', target: { kind: 'project', projectId: 3, path: 'acme' }, projectPath: 'acme/app', covers: false },
]

type CredentialState = 'none' | 'malformed' | 'unknown' | 'mismatch' | 'revoked' | 'expired' | 'valid'
const CREDENTIALS: CredentialState[] = ['none', 'malformed', 'unknown', 'mismatch', 'revoked', 'expired', 'valid']
type ProjectState = 'private' | 'public' | 'unknown'

type Expected =
  | { class: 'allow-anonymous' }
  | { class: 'allow-token'; remoteUser: string }
  | { class: 'auth-required' | 'refused' | 'not-found'; status: 401 | 404 }
  | { class: 'forbidden'; missingScope: boolean; missingRole: boolean }

function oracle(cred: CredentialState, covers: boolean, tokenId: string, target: TokenTarget, scope: Scope, role: Role, access: 'read' | 'write', project: ProjectState): Expected {
  const anyoneMayPull = access === 'read' && project === 'public'
  if (cred === 'none') return anyoneMayPull ? { class: 'allow-anonymous' } : { class: 'auth-required', status: 401 }
  if (cred !== 'valid') return { class: 'refused', status: 401 }
  const remoteUser = target.kind === 'project' ? `project_${tokenId}_bot` : `group_${tokenId}_bot`
  if (anyoneMayPull) return { class: 'allow-token', remoteUser }
  if (project === 'unknown' || !covers) return { class: 'not-found', status: 404 }
  const scopeOk = access === 'read' ? PULLS[scope] : PUSHES[scope]
  const roleOk = access === 'read' ? CAN_PULL_ROLE[role] : CAN_PUSH_ROLE[role]
  if (scopeOk && roleOk) return { class: 'allow-token', remoteUser }
  return { class: 'forbidden', missingScope: !scopeOk, missingRole: !roleOk }
}

function check(expected: Expected, d: Decision, access: 'read' | 'write', role: Role, cred: CredentialState): string | undefined {
  switch (expected.class) {
    case 'allow-anonymous':
      return d.allow && d.identity === null ? undefined : 'expected anonymous allow'
    case 'allow-token':
      return d.allow && d.identity?.remoteUser === expected.remoteUser && d.identity.tokenId === 'k3j9x2m1q8ab'
        ? undefined
        : `expected allow as ${expected.remoteUser}`
    case 'auth-required':
    case 'refused':
    case 'not-found': {
      if (d.allow) return `expected ${expected.status}, got allow`
      if (d.status !== expected.status) return `expected ${expected.status}, got ${d.status}`
      if (d.challenge !== (expected.status === 401)) return 'wrong challenge'
      if (expected.class === 'not-found' && d.message !== NOT_FOUND) return 'wrong 404 message'
      if (expected.class === 'refused' && (!/refused/.test(d.message) || d.reason !== cred)) return 'wrong refusal message or reason'
      if (expected.class === 'auth-required' && (!/token/.test(d.message) || d.reason !== 'no-credentials')) return 'wrong 401 message'
      return undefined
    }
    case 'forbidden': {
      if (d.allow) return 'expected 403, got allow'
      if (d.status !== 403 || d.challenge) return `expected 403 without challenge, got ${d.status}`
      const verb = access === 'read' ? 'pull' : 'push'
      if (!d.message.startsWith(`This token cannot ${verb}: it needs `)) return `403 message: ${d.message}`
      const scopeText = access === 'read' ? 'read_repository, write_repository, read_api or api scope' : 'write_repository or api scope'
      const roleText = `at least the ${access === 'read' ? 'reporter' : 'developer'} role (it has the ${role} role)`
      if (d.message.includes(scopeText) !== expected.missingScope) return `403 scope part: ${d.message}`
      if (d.message.includes(roleText) !== expected.missingRole) return `403 role part: ${d.message}`
      const reason = expected.missingScope && expected.missingRole ? 'scope-and-role' : expected.missingScope ? 'scope' : 'role'
      if (d.reason !== reason) return `403 reason ${d.reason}`
      return undefined
    }
  }
}

function credentialFor(state: CredentialState, target: TokenTarget, scope: Scope, role: Role): TokenCheck {
  switch (state) {
    case 'none':
      return { kind: 'none' }
    case 'valid':
      return { kind: 'valid', token: { id: 'k3j9x2m1q8ab', target, role, scopes: [scope] } }
    case 'malformed':
    case 'unknown':
    case 'revoked':
    case 'expired':
    case 'mismatch':
      return { kind: 'refused', reason: state }
  }
}

t.test('full truth table against the oracle', async t => {
  const mismatches: string[] = []
  const seen = Object.create(null) as Record<string, number>
  let cells = 0
  for (const cred of CREDENTIALS)
    for (const b of BINDINGS)
      for (const scope of SCOPES)
        for (const role of ROLES)
          for (const access of ['read', 'write'] as const)
            for (const project of ['private', 'public', 'unknown'] as const) {
              cells++
              const input: PolicyInput = {
                access,
                projectPath: b.projectPath,
                project: project === 'unknown' ? undefined : { path: b.projectPath, visibility: project },
                credential: credentialFor(cred, b.target, scope, role),
              }
              const expected = oracle(cred, b.covers, 'k3j9x2m1q8ab', b.target, scope, role, access, project)
              seen[expected.class] = (seen[expected.class] ?? 0) + 1
              const problem = check(expected, decide(input), access, role, cred)
              if (problem !== undefined) {
                mismatches.push(`${cred} / ${b.name} / ${scope} / ${role} / ${access} / ${project}: ${problem}`)
              }
            }
  t.equal(cells, 7 * 7 * 6 * 5 * 2 * 3)
  t.same(mismatches.slice(0, 20), [], `${mismatches.length} mismatches`)
  // Every outcome class is actually exercised.
  t.same(Object.keys(seen).sort(), ['allow-anonymous', 'allow-token', 'auth-required', 'forbidden', 'not-found', 'refused'])
})

const valid = (target: TokenTarget, role: Role, scopes: Scope[]): TokenCheck => ({
  kind: 'valid',
  token: { id: 'k3j9x2m1q8ab', target, role, scopes },
})
const ACME_APP: TokenTarget = { kind: 'project', projectId: 1, path: 'acme/app' }
const input = (access: 'read' | 'write', credential: TokenCheck, visibility: 'private' | 'public' = 'private'): PolicyInput => ({
  access,
  projectPath: 'acme/app',
  project: { path: 'acme/app', visibility },
  credential,
})

t.test('one message for every refused token, whatever the reason', async t => {
  const messages = new Set(
    (['malformed', 'unknown', 'mismatch', 'revoked', 'expired'] as const).map(reason => {
      const d = decide(input('read', { kind: 'refused', reason }))
      return d.allow ? 'allow' : d.message
    }),
  )
  t.equal(messages.size, 1)
  t.match([...messages][0], /mistyped, expired or revoked/)
})

t.test('a refused token on a public project is still 401, so git drops it', async t => {
  const d = decide(input('read', { kind: 'refused', reason: 'expired' }, 'public'))
  t.same(d.allow ? null : [d.status, d.challenge, d.reason], [401, true, 'expired'])
})

t.test('unknown and not-covered projects answer identically', async t => {
  const unknown = decide({ access: 'read', projectPath: 'acme/secret', project: undefined, credential: valid(ACME_APP, 'owner', ['api']) })
  const other = decide({
    access: 'read',
    projectPath: 'acme/secret',
    project: { path: 'acme/secret', visibility: 'private' },
    credential: valid(ACME_APP, 'owner', ['api']),
  })
  t.ok(!unknown.allow && !other.allow)
  if (!unknown.allow && !other.allow) {
    t.same([unknown.status, unknown.message, unknown.challenge], [other.status, other.message, other.challenge])
    t.same([unknown.reason, other.reason], ['project-unknown', 'project-not-covered'])
  }
})

t.test('403 messages name exactly what is missing', async t => {
  const table: Array<[PolicyInput, string]> = [
    [input('write', valid(ACME_APP, 'reporter', ['read_repository'])),
      'This token cannot push: it needs the write_repository or api scope and at least the developer role (it has the reporter role).'],
    [input('write', valid(ACME_APP, 'maintainer', ['read_api', 'read_repository'])),
      'This token cannot push: it needs the write_repository or api scope.'],
    [input('write', valid(ACME_APP, 'guest', ['write_repository'])),
      'This token cannot push: it needs at least the developer role (it has the guest role).'],
    [input('read', valid(ACME_APP, 'guest', ['read_repository'])),
      'This token cannot pull: it needs at least the reporter role (it has the guest role).'],
    [input('read', valid(ACME_APP, 'owner', ['read_registry', 'write_registry'])),
      'This token cannot pull: it needs the read_repository, write_repository, read_api or api scope.'],
  ]
  for (const [i, message] of table) {
    const d = decide(i)
    t.same(d.allow ? 'allow' : [d.status, d.message], [403, message])
  }
})

t.test('multi-scope tokens: any one granting scope is enough', async t => {
  t.ok(decide(input('read', valid(ACME_APP, 'reporter', ['read_registry', 'read_api']))).allow)
  t.ok(decide(input('write', valid(ACME_APP, 'developer', ['read_repository', 'api']))).allow)
  t.notOk(decide(input('write', valid(ACME_APP, 'owner', ['read_api', 'read_repository', 'write_registry']))).allow)
  t.notOk(decide(input('read', valid(ACME_APP, 'owner', []))).allow, 'no scopes at all')
})

t.test('pushing a public project always needs a token', async t => {
  const d = decide(input('write', { kind: 'none' }, 'public'))
  t.same(d.allow ? null : [d.status, d.challenge, d.reason], [401, true, 'no-credentials'])
})

t.test('group coverage is anchored at a segment boundary', async t => {
  const group = (path: string): TokenTarget => ({ kind: 'group', path })
  const at = (projectPath: string, target: TokenTarget): boolean =>
    decide({ access: 'write', projectPath, project: { path: projectPath, visibility: 'private' }, credential: valid(target, 'developer', ['write_repository']) }).allow
  t.ok(at('acme/app', group('acme')))
  t.ok(at('acme/sub/deep/app', group('acme')))
  t.ok(at('acme/sub/app', group('acme/sub')))
  t.notOk(at('acme-evil/app', group('acme')))
  t.notOk(at('acmeapp/x', group('acme')))
  t.notOk(at('acme/subway/app', group('acme/sub')))
  t.notOk(at('acme/app', group('acme/app/x')))
})

t.test('a project registered under another path is treated as unknown', async t => {
  const d = decide({ access: 'read', projectPath: 'acme/app', project: { path: 'acme/other', visibility: 'public' }, credential: { kind: 'none' } })
  t.same(d.allow ? null : d.status, 401)
})

t.test('the identity names the token id, never a secret', async t => {
  const d = decide(input('read', valid({ kind: 'group', path: 'acme' }, 'reporter', ['read_repository'])))
  t.same(d.allow && d.identity, { tokenId: 'k3j9x2m1q8ab', remoteUser: 'group_k3j9x2m1q8ab_bot' })
})

t.test('a blank username is refused with its own sentence, whatever the project', async t => {
  for (const visibility of ['private', 'public'] as const) {
    const d = decide({
      access: 'read',
      projectPath: 'acme/app',
      project: { path: 'acme/app', visibility },
      credential: { kind: 'refused', reason: 'blank-username' },
    })
    t.match(d, { allow: false, status: 401, challenge: true, reason: 'blank-username', message: BLANK_USERNAME_MESSAGE })
    t.match(BLANK_USERNAME_MESSAGE, /the username must not be blank/)
  }
})

t.test('an archived project: every push refused with GitLab\'s 403 wording, pulls as before, nothing leaked to others', async t => {
  const ARCHIVED = 'You are not allowed to push code to an archived project.'
  const owner: TokenCheck = { kind: 'valid', token: { id: 'tok000000001', target: { kind: 'group', path: 'acme' }, role: 'owner', scopes: ['api'] } }
  const reader: TokenCheck = { kind: 'valid', token: { id: 'tok000000002', target: { kind: 'project', projectId: 1, path: 'acme/app' }, role: 'reporter', scopes: ['read_repository'] } }
  const stranger: TokenCheck = { kind: 'valid', token: { id: 'tok000000003', target: { kind: 'group', path: 'other' }, role: 'owner', scopes: ['api'] } }
  for (const visibility of ['private', 'public'] as const) {
    const project = { path: 'acme/app', visibility, archivedAt: '2026-06-15T12:00:00.000Z' }
    const at = (credential: TokenCheck, access: 'read' | 'write'): Decision => decide({ access, projectPath: 'acme/app', project, credential })
    t.match(at(owner, 'write'), { allow: false, status: 403, message: ARCHIVED, reason: 'project-archived', challenge: false }, `${visibility}: owner push`)
    t.match(at(reader, 'write'), { allow: false, status: 403, message: ARCHIVED }, `${visibility}: a read-only token is told the same`)
    t.match(at(owner, 'read'), { allow: true }, `${visibility}: pull allowed`)
    t.match(at(stranger, 'write'), { allow: false, status: 404 }, `${visibility}: a token that does not cover it learns nothing`)
    t.match(at({ kind: 'none' }, 'write'), { allow: false, status: 401 }, `${visibility}: anonymous push still asks for credentials`)
    t.match(at({ kind: 'refused', reason: 'revoked' }, 'write'), { allow: false, status: 401 })
  }
  t.match(decide({ access: 'read', projectPath: 'acme/app', project: { path: 'acme/app', visibility: 'public', archivedAt: '2026-06-15T12:00:00.000Z' }, credential: { kind: 'none' } }), { allow: true }, 'anonymous pull of a public archived project')
  t.match(decide({ access: 'write', projectPath: 'acme/app', project: { path: 'acme/app', visibility: 'private', archivedAt: null }, credential: owner }), { allow: true }, 'not archived: push allowed')
})

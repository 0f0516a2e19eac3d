// The authorization step: one project lookup, then decide(); never a lookup
// for a refused token (decide answers 401 for it whatever the project is).
import t from 'tap'
import { authorize } from '../../src/access/authorize.js'
import type { Project } from '../../src/model/project.js'

const app: Project = { id: 1, path: 'acme/app', visibility: 'public', createdAt: '', defaultBranch: null, defaultBranchProtection: 'none', archivedAt: null }
const token = { id: 'aaaaaaaaaaaa', target: { kind: 'project' as const, projectId: 1, path: 'acme/app' }, role: 'developer' as const, scopes: ['read_repository' as const] }

t.test('a refused token costs no lookup and is a 401 even on a public project', async t => {
  const looked: string[] = []
  const find = async (path: string) => (looked.push(path), app)
  for (const reason of ['malformed', 'unknown', 'mismatch', 'revoked', 'expired'] as const) {
    const { decision, project } = await authorize({ access: 'read', projectPath: 'acme/app', credential: { kind: 'refused', reason } }, find)
    t.match(decision, { allow: false, status: 401, reason }, reason)
    t.equal(project, undefined)
  }
  t.same(looked, [], 'no lookup at all')
})

t.test('no credentials and valid tokens: one lookup, and the project comes back with the decision', async t => {
  const looked: string[] = []
  const find = async (path: string) => (looked.push(path), path === 'acme/app' ? app : undefined)
  const anonymous = await authorize({ access: 'read', projectPath: 'acme/app', credential: { kind: 'none' } }, find)
  t.match(anonymous, { decision: { allow: true, identity: null }, project: app })
  const valid = await authorize({ access: 'write', projectPath: 'acme/app', credential: { kind: 'valid', token } }, find)
  t.match(valid, { decision: { allow: false, status: 403, reason: 'scope' }, project: app })
  const unknown = await authorize({ access: 'read', projectPath: 'acme/none', credential: { kind: 'valid', token } }, find)
  t.match(unknown, { decision: { allow: false, status: 404 }, project: undefined })
  t.same(looked, ['acme/app', 'acme/app', 'acme/none'])
})

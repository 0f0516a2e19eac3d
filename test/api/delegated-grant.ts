// The rules of delegated token management (src/admin/delegated-grant.ts),
// as tables: who may read, who may manage, and the bounds of a grant.
import t from 'tap'
import { GitwardError } from '../../src/errors.js'
import {
  covers,
  defaultMintExpiry,
  defaultRotationExpiry,
  requireGrantWithin,
  requireManage,
  requireManageScope,
  requireRead,
  requireSelfRotate,
  type ApiTarget,
  type Caller,
} from '../../src/admin/delegated-grant.js'
import type { Project } from '../../src/model/project.js'

const project = (id: number, path: string): ApiTarget => ({ kind: 'project', project: { id, path } as Project })
const group = (path: string): ApiTarget => ({ kind: 'group', path })
const projectToken = (o: Partial<Caller> = {}): Caller => ({ id: 'p', target: { kind: 'project', projectId: 1, path: 'acme/app' }, role: 'owner', scopes: ['api'], expiresAt: null, ...o })
const groupToken = (o: Partial<Caller> = {}): Caller => ({ id: 'g', target: { kind: 'group', path: 'acme' }, role: 'owner', scopes: ['api'], expiresAt: null, ...o })

function codeOf(fn: () => void): string {
  try {
    fn()
    return 'ok'
  } catch (e) {
    if (e instanceof GitwardError) return e.code
    throw e
  }
}

t.test('reach: a project token covers its project only; a group token its group and everything below', async t => {
  const table: Array<[Caller, ApiTarget, boolean]> = [
    [projectToken(), project(1, 'acme/app'), true],
    [projectToken(), project(2, 'acme/other'), false],
    [projectToken(), group('acme'), false],
    [groupToken(), project(2, 'acme/other'), true],
    [groupToken(), project(3, 'acme/sub/deep'), true],
    [groupToken(), project(4, 'acmex/app'), false],
    [groupToken(), group('acme'), true],
    [groupToken(), group('acme/sub'), true],
    [groupToken(), group('other'), false],
    [groupToken({ target: { kind: 'group', path: 'acme/sub' } }), group('acme'), false],
  ]
  for (const [caller, target, expected] of table) t.equal(covers(caller, target), expected, `${JSON.stringify(caller.target)} -> ${JSON.stringify(target)}`)
})

t.test('reading needs read_api or api, then reach (404 otherwise)', async t => {
  t.equal(codeOf(() => requireRead(projectToken({ scopes: ['read_api'] }), project(1, 'acme/app'))), 'ok')
  t.equal(codeOf(() => requireRead(projectToken({ scopes: ['api'], role: 'guest' }), project(1, 'acme/app'))), 'ok', 'any role reads')
  t.equal(codeOf(() => requireRead(projectToken({ scopes: ['read_repository', 'write_repository'] }), project(1, 'acme/app'))), 'FORBIDDEN')
  t.equal(codeOf(() => requireRead(projectToken({ scopes: ['self_rotate'] }), project(1, 'acme/app'))), 'FORBIDDEN')
  t.equal(codeOf(() => requireRead(projectToken({ scopes: ['read_api'] }), project(2, 'acme/other'))), 'NOT_FOUND')
  // The scope refusal comes first: it must not depend on whether the target exists.
  t.equal(codeOf(() => requireRead(projectToken({ scopes: ['read_repository'] }), project(2, 'acme/other'))), 'FORBIDDEN')
})

t.test('managing needs api and owner on a covered target; a project token never manages group tokens', async t => {
  t.equal(codeOf(() => requireManage(projectToken(), project(1, 'acme/app'))), 'ok')
  t.equal(codeOf(() => requireManage(groupToken(), project(2, 'acme/other'))), 'ok', 'group owner manages a project under it')
  t.equal(codeOf(() => requireManage(groupToken(), group('acme/sub'))), 'ok')
  t.equal(codeOf(() => requireManage(projectToken({ scopes: ['read_api'] }), project(1, 'acme/app'))), 'FORBIDDEN', 'read_api cannot write')
  t.equal(codeOf(() => requireManage(projectToken({ role: 'maintainer' }), project(1, 'acme/app'))), 'FORBIDDEN', 'maintainer is not owner')
  t.equal(codeOf(() => requireManage(projectToken(), project(2, 'acme/other'))), 'NOT_FOUND', 'other project')
  t.equal(codeOf(() => requireManage(projectToken(), group('acme'))), 'FORBIDDEN', 'project token, group target')
  t.equal(codeOf(() => requireManageScope(projectToken(), 'group')), 'FORBIDDEN', 'refused before any lookup')
  t.equal(codeOf(() => requireManage(groupToken(), group('other'))), 'NOT_FOUND')
  t.equal(codeOf(() => requireManage(groupToken({ role: 'maintainer' }), group('acme'))), 'FORBIDDEN')
})

t.test('a grant stays within the caller: role, scopes, expiry', async t => {
  const caller = projectToken({ role: 'maintainer', scopes: ['api', 'read_repository'], expiresAt: '2026-09-01' })
  const table: Array<[string, Parameters<typeof requireGrantWithin>[1], string]> = [
    ['equal grant', { role: 'maintainer', scopes: ['api', 'read_repository'], expiresAt: '2026-09-01' }, 'ok'],
    ['lesser grant', { role: 'developer', scopes: ['read_repository'], expiresAt: '2026-07-01' }, 'ok'],
    ['higher role', { role: 'owner', scopes: ['read_repository'], expiresAt: '2026-07-01' }, 'INVALID_ARGUMENT'],
    ['extra scope', { role: 'developer', scopes: ['read_repository', 'write_repository'], expiresAt: '2026-07-01' }, 'INVALID_ARGUMENT'],
    ['later expiry', { role: 'developer', scopes: ['read_repository'], expiresAt: '2026-09-02' }, 'INVALID_ARGUMENT'],
    ['no expiry', { role: 'developer', scopes: ['read_repository'], expiresAt: null }, 'INVALID_ARGUMENT'],
    ['unreadable expiry', { role: 'developer', scopes: ['read_repository'], expiresAt: '2026-02-30' }, 'INVALID_ARGUMENT'],
  ]
  for (const [name, grant, expected] of table) t.equal(codeOf(() => requireGrantWithin(caller, grant)), expected, name)
  t.equal(codeOf(() => requireGrantWithin(projectToken(), { role: 'owner', scopes: ['api'], expiresAt: null })), 'ok', 'a caller without expiry bounds nothing')
  t.throws(() => requireGrantWithin(caller, { role: 'owner', scopes: [], expiresAt: null }), { message: /access_level 50 is higher than the calling token's own \(40\)/ })
})

t.test('self-rotation needs api or self_rotate', async t => {
  t.equal(codeOf(() => requireSelfRotate(projectToken({ scopes: ['self_rotate'] }))), 'ok')
  t.equal(codeOf(() => requireSelfRotate(projectToken({ scopes: ['api'] }))), 'ok')
  t.equal(codeOf(() => requireSelfRotate(projectToken({ scopes: ['read_api', 'write_repository'] }))), 'FORBIDDEN')
})

t.test('defaults: a minted token inherits the caller expiry; rotation a week out, capped for others', async t => {
  const now = Date.parse('2026-06-15T12:00:00Z')
  t.equal(defaultMintExpiry(projectToken({ expiresAt: '2026-08-01' })), '2026-08-01')
  t.equal(defaultMintExpiry(projectToken()), undefined)
  t.equal(defaultRotationExpiry(now, null), '2026-06-22')
  t.equal(defaultRotationExpiry(now, '2026-06-18'), '2026-06-18')
  t.equal(defaultRotationExpiry(now, '2026-12-01'), '2026-06-22')
})

// python-gitlab, unchanged, against a real gitward: the GitLab-compatible
// access-token API (issue 13) as the tools people already have speak it.
// Each scenario starts a gitward on 127.0.0.1 with a real SQLite file and real
// bare repositories (test/helpers/servers/gitward.ts) and drives it with
// Debian's python3-gitlab through test/fixtures/python-gitlab/drive.py; git
// itself then proves that what the API minted or revoked takes effect at once.
//
// Tokens travel in environment variables and git's http.extraHeader (set
// through GIT_CONFIG_* variables), never in argv; assertion messages are
// masked (mask()), and the harness greps the server log for every token minted
// here, API-minted ones included (keep()).
import t, { type Test } from 'tap'
import { join } from 'node:path'
import { DEFAULT_TOKEN_PREFIX, tokenPattern } from '../../src/auth/token-format.js'
import { startGitward, makeWorkingCopy, type Harness } from '../helpers/servers/gitward.js'
import { request } from '../helpers/http/request.js'
import {
  mask,
  ok,
  pythonGitlabVersion,
  runPython,
  show,
  type ApiToken,
  type Kind,
  type Step,
  type StepResult,
} from '../helpers/api/python-gitlab.js'

const TOKEN = new RegExp(`^${tokenPattern(DEFAULT_TOKEN_PREFIX).source}$`)
/** The harness's clock starts on 2026-06-15; GitLab's default rotation expiry is a week out. */
const WEEK_OUT = '2026-06-22'
const REPO_RW = ['read_repository', 'write_repository'] as const

const version = await pythonGitlabVersion()
if (version === null) {
  t.fail('python-gitlab is not importable by /usr/bin/python3: install the Debian package python3-gitlab (.ci/run does)')
} else {
  t.comment(`python-gitlab ${version}`)
}

// ---- helpers ---------------------------------------------------------------

const py = (h: Harness, tokens: Readonly<Record<string, string>>, steps: readonly Step[]): Promise<StepResult[]> =>
  runPython({ url: h.url, home: h.home }, tokens, steps)

/** The integer the API shows for a token minted through the harness. */
async function numberOf(h: Harness, id: string): Promise<number> {
  const record = await h.admin.findToken(id)
  if (record === undefined) throw new Error(`no token ${id}`)
  return record.number
}

/** Remember a token the API returned, so the harness's log-leak check covers it. */
function keep(h: Harness, token: ApiToken): ApiToken {
  if (typeof token.token === 'string') h.tokens.push(token.token)
  return token
}

/** A token's JSON without its secret, for comparisons that may print a diff. */
function publicPart(token: ApiToken): Omit<ApiToken, 'token'> {
  return Object.fromEntries(Object.entries(token).filter(([key]) => key !== 'token'))
}

/** The python-gitlab exception a refused step raised, with one of the accepted status codes. */
function refused(t: Test, result: StepResult | undefined, cls: string | readonly string[], codes: readonly number[], what: string): void {
  const classes = typeof cls === 'string' ? [cls] : cls
  if (result?.error === undefined) {
    t.fail(`${what}: expected ${classes.join(' or ')} ${codes.join('/')}, got success ${show(result)}`)
    return
  }
  t.ok(classes.includes(result.error.class), `${what}: raises ${classes.join(' or ')} (${show(result)})`)
  t.ok(result.error.code !== null && codes.includes(result.error.code), `${what}: status ${codes.join(' or ')} (${show(result)})`)
  // Refused by the API, not by something in front of it: GitLab's JSON error body.
  const body = result.error.body
  const shaped =
    typeof body === 'object' && body !== null && (typeof (body as Record<string, unknown>)['message'] === 'string' || typeof (body as Record<string, unknown>)['error'] === 'string')
  t.ok(shaped, `${what}: a GitLab JSON error body (${show(result)})`)
}

/** Environment for git that sends the token as Basic credentials on every request, outside argv. */
const asToken = (token: string): Record<string, string> => ({
  GIT_CONFIG_COUNT: '1',
  GIT_CONFIG_KEY_0: 'http.extraHeader',
  GIT_CONFIG_VALUE_0: `Authorization: Basic ${Buffer.from(`git:${token}`).toString('base64')}`,
})

/** Push one commit to a project's main branch with `token`. */
async function seed(h: Harness, project: string, token: string, name = 'seed'): Promise<string> {
  const wc = await makeWorkingCopy(h, name)
  const push = await h.git(['push', '-q', h.repoUrl(project), 'main'], { cwd: wc, env: asToken(token), timeoutMs: 60_000 })
  if (push.code !== 0) throw new Error(`seeding ${project} failed: ${mask(push.stderr)}`)
  return wc
}

/** The project's tokens as the store holds them (revoked included). */
const stored = (h: Harness, filter: { project?: string; group?: string }) => h.admin.listTokens({ ...filter, includeRevoked: true })

const on = (kind: Kind, path: string, as: string) => (s: Omit<Step, 'as' | 'kind' | 'path'>): Step => ({ as, kind, path, ...s })

const ids = (tokens: readonly ApiToken[]): number[] => tokens.map(x => x.id).sort((a, b) => a - b)

interface ApiAnswer {
  status: number
  headers: Record<string, string>
  body: string
  json: unknown
}

/** A raw request to the API with Node's fetch, bounded in time. */
async function api(h: Harness, path: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<ApiAnswer> {
  const res = await fetch(`${h.url}/api/v4${path}`, { ...init, redirect: 'manual', signal: AbortSignal.timeout(20_000) })
  const body = await res.text()
  let json: unknown = undefined
  try {
    json = JSON.parse(body)
  } catch {
    json = undefined
  }
  return { status: res.status, headers: Object.fromEntries(res.headers), body, json }
}

// ---- projects and groups -----------------------------------------------------

t.test('python-gitlab reads a project and a group, with PRIVATE-TOKEN and with Bearer', async t => {
  const h = await startGitward(t)
  await h.createProject('acme/app')
  await h.createProject('acme/other')
  const owner = await h.mint({ project: 'acme/app', role: 'owner', scopes: ['api', ...REPO_RW] })
  const groupOwner = await h.mint({ group: 'acme', role: 'owner', scopes: ['api'] })
  await seed(h, 'acme/app', owner.token)
  const project = await h.admin.findProject('acme/app')
  if (project === undefined) throw new Error('acme/app is not registered')

  const [byPath, byBearer, byNumber, byGroupToken, group, groupBearer, other, missing] = await py(h, { P: owner.token, G: groupOwner.token }, [
    { as: 'P', op: 'project', path: 'acme/app' },
    { as: 'P', auth: 'oauth', op: 'project', path: 'acme/app' },
    { as: 'P', op: 'project', path: String(project.id) },
    { as: 'G', op: 'project', path: 'acme/app' },
    { as: 'G', op: 'group', path: 'acme' },
    { as: 'G', auth: 'oauth', op: 'group', path: 'acme' },
    { as: 'P', op: 'project', path: 'acme/other' },
    { as: 'P', op: 'project', path: 'acme/nothing' },
  ])
  const expected = {
    id: project.id,
    path: 'app',
    path_with_namespace: 'acme/app',
    visibility: 'private',
    default_branch: 'main',
    http_url_to_repo: `${h.url}/acme/app.git`,
  }
  t.match(ok(byPath, 'projects.get(path)'), expected, 'gl.projects.get("acme/app")')
  t.match(ok(byBearer, 'projects.get with oauth_token'), expected, 'the same with Authorization: Bearer')
  t.match(ok(byNumber, 'projects.get(id)'), expected, 'the numeric id finds the same project')
  t.match(ok(byGroupToken, 'projects.get with a group token'), expected, 'a group token reads the projects under it')
  const g = ok<Record<string, unknown>>(group, 'groups.get')
  t.match(g, { path: 'acme', full_path: 'acme' }, 'gl.groups.get("acme")')
  t.ok(Number.isInteger(g['id']), 'a group id is an integer')
  t.match(ok(groupBearer, 'groups.get with oauth_token'), { path: 'acme', full_path: 'acme' })
  // Threat: probing which projects exist. Another project and a missing one answer alike.
  refused(t, other, 'GitlabGetError', [404], 'a project token reading another project')
  refused(t, missing, 'GitlabGetError', [404], 'reading a project that does not exist')
  t.equal(other?.error?.message, '404 Project Not Found')
  t.equal(missing?.error?.message, '404 Project Not Found')
  for (const r of [byPath, byBearer, group]) t.same(r?.warnings, [], 'python-gitlab warns about nothing')
})

// ---- project tokens ----------------------------------------------------------

t.test('project tokens: list, get, create, rotate and revoke with python-gitlab', async t => {
  const h = await startGitward(t)
  await h.createProject('acme/app')
  const caller = await h.mint({ project: 'acme/app', name: 'rotation bot', role: 'owner', scopes: ['api', ...REPO_RW] })
  const callerNumber = await numberOf(h, caller.id)
  // A group token reaches acme/app but is not one of its project tokens.
  await h.mint({ group: 'acme', role: 'developer', scopes: [...REPO_RW] })
  const expiring = await h.mint({ project: 'acme/app', name: 'short lived', role: 'reporter', scopes: ['read_repository'], expiresAt: '2026-06-20' })
  const expiringNumber = await numberOf(h, expiring.id)
  const tokens = { P: caller.token }
  const P = on('project', 'acme/app', 'P')

  const [listed, lazyListed, created] = await py(h, tokens, [
    P({ op: 'list', kwargs: { get_all: true } }),
    P({ op: 'list', lazy: true, kwargs: { get_all: true } }),
    P({ op: 'create', data: { name: 'ci deploy', scopes: [...REPO_RW], access_level: 30, expires_at: '2026-07-01' } }),
  ])
  const all = ok<ApiToken[]>(listed, 'list(get_all=True)')
  t.same(ids(all), [callerNumber, expiringNumber].sort((a, b) => a - b), "the project's own tokens, not the group token that reaches it")
  t.same(ids(ok<ApiToken[]>(lazyListed, 'list on a lazy project')), ids(all), 'the URL-encoded path lists the same tokens')
  const me = all.find(x => x.id === callerNumber)
  if (me === undefined) throw new Error('the caller is not listed')
  t.ok(Number.isInteger(me.id), 'id is an integer (typed clients parse it as one)')
  t.match(me, { name: 'rotation bot', access_level: 50, expires_at: null, active: true, revoked: false })
  t.same([...me.scopes].sort(), ['api', ...REPO_RW].sort())
  t.type(me.user_id, 'number', 'user_id: the token identity')
  t.type(me.created_at, 'string')
  t.ok('last_used_at' in me, 'last_used_at is present')
  t.notOk('token' in me, 'no secret in a listing')
  t.ok(Object.values(me).includes(caller.id), "gitward's text id is in an extra field")

  const fresh = keep(h, ok<ApiToken>(created, 'create'))
  t.match(publicPart(fresh), { name: 'ci deploy', access_level: 30, expires_at: '2026-07-01', active: true, revoked: false })
  t.same([...fresh.scopes].sort(), [...REPO_RW])
  t.ok(typeof fresh.token === 'string' && TOKEN.test(fresh.token), 'the create answer carries the new token')
  const freshRecord = (await stored(h, { project: 'acme/app' })).find(r => r.number === fresh.id)
  t.ok(freshRecord !== undefined, 'the id is the stored token number')
  t.match(freshRecord, { name: 'ci deploy', role: 'developer', expiresAt: '2026-07-01', target: { kind: 'project', path: 'acme/app' } })
  t.ok(Object.values(fresh).includes(freshRecord?.id), 'the extra field holds the new text id')
  const audit = (await h.admin.listAudit()).find(e => e.action === 'token.created' && e.target === freshRecord?.id)
  t.ok(audit?.actor.includes(caller.id), `the audit trail names the acting token (${audit?.actor ?? 'no entry'})`)

  const [got, gotBearer, gotSelf, beyond, badState, rotated] = await py(h, tokens, [
    P({ op: 'get', id: fresh.id }),
    { ...P({ op: 'get', id: fresh.id }), auth: 'oauth' },
    P({ op: 'get', id: 'self' }),
    P({ op: 'list', kwargs: { per_page: 20, page: 5 } }),
    P({ op: 'list', kwargs: { state: 'revoked' } }),
    P({ op: 'rotate', id: fresh.id, kwargs: { expires_at: '2026-08-01' } }),
  ])
  t.match(ok(gotSelf, 'access_tokens.get("self")'), { id: callerNumber, name: 'rotation bot' }, '`self` as the token id under the project path')
  t.same(ok(beyond, 'a page past the end'), [], 'a page past the end is empty, as in GitLab')
  refused(t, badState, 'GitlabListError', [400], 'state=revoked (only active and inactive exist)')
  t.same(ok(got, 'get(id)'), publicPart(fresh), 'get(id) shows what create did, without the secret')
  t.same(ok(gotBearer, 'get(id) with Bearer'), publicPart(fresh))
  const second = keep(h, ok<ApiToken>(rotated, 'rotate(id, expires_at=…)'))
  t.not(second.id, fresh.id, 'rotation makes a new token')
  const rotateAudit = (await h.admin.listAudit()).find(e => e.action === 'token.rotated' && e.target === freshRecord?.id)
  t.ok(rotateAudit?.actor.includes(caller.id), `the rotation's audit entry names the acting token (${rotateAudit?.actor ?? 'no entry'})`)
  t.ok(typeof second.token === 'string' && TOKEN.test(second.token) && second.token !== fresh.token, 'with a new secret')
  t.match(publicPart(second), { name: 'ci deploy', access_level: 30, expires_at: '2026-08-01', active: true, revoked: false })
  t.equal(second.user_id, fresh.user_id, 'the bot user is kept across a rotation (same user_id), as in GitLab')

  const [oldAfter, inactive, active, again, rotatedDefault] = await py(h, tokens, [
    P({ op: 'get', id: fresh.id }),
    P({ op: 'list', kwargs: { state: 'inactive', get_all: true } }),
    P({ op: 'list', kwargs: { state: 'active', get_all: true } }),
    P({ op: 'rotate', id: fresh.id }),
    P({ op: 'rotate', id: second.id }),
  ])
  t.match(ok(oldAfter, 'get(rotated-away id)'), { id: fresh.id, active: false, revoked: true }, 'the rotated-away token is revoked')
  t.same(ids(ok<ApiToken[]>(inactive, 'list(state="inactive")')), [fresh.id])
  t.same(ids(ok<ApiToken[]>(active, 'list(state="active")')), [callerNumber, expiringNumber, second.id].sort((a, b) => a - b))
  refused(t, again, ['GitlabRotateError', 'GitlabCreateError'], [400], 'rotating a revoked token')
  const third = keep(h, ok<ApiToken>(rotatedDefault, 'rotate(id) without expires_at'))
  t.equal(third.expires_at, WEEK_OUT, "GitLab's default: the new token expires a week out")

  const [made] = await py(h, tokens, [P({ op: 'create', data: { name: 'throwaway', scopes: ['read_repository'], access_level: 20, expires_at: '2026-07-01' } })])
  const throwaway = keep(h, ok<ApiToken>(made, 'create'))
  const [deleted, objectDeleted, afterDelete, unknownGet, unknownDelete] = await py(h, tokens, [
    P({ op: 'delete', id: third.id }),
    P({ op: 'get-then-delete', id: throwaway.id }),
    P({ op: 'list', kwargs: { state: 'inactive', get_all: true } }),
    P({ op: 'get', id: 999_999 }),
    P({ op: 'delete', id: 999_999 }),
  ])
  t.equal(ok(deleted, 'delete(id)'), null, 'access_tokens.delete(id)')
  t.equal(ok(objectDeleted, 'token.delete()'), null, 'ProjectAccessToken.delete()')
  const gone = ok<ApiToken[]>(afterDelete, 'list(state="inactive")')
  t.same(ids(gone), [fresh.id, second.id, third.id, throwaway.id].sort((a, b) => a - b), 'revoked tokens stay listed as inactive')
  t.ok(gone.every(x => x.revoked && !x.active))
  refused(t, unknownGet, 'GitlabGetError', [404], 'get of an unknown token id')
  refused(t, unknownDelete, 'GitlabDeleteError', [404], 'delete of an unknown token id')
  const revokeAudit = (await h.admin.listAudit()).filter(e => e.action === 'token.revoked')
  t.equal(revokeAudit.length, 2, 'two revocations in the audit trail')
  t.ok(revokeAudit.every(e => e.actor.includes(caller.id)), 'each names the acting token')

  // An expired token is inactive but not revoked (GitLab's `active: false`).
  h.clock.set(new Date('2026-06-20T00:00:00Z'))
  const [expiredGet, activeNow] = await py(h, tokens, [
    P({ op: 'get', id: expiringNumber }),
    P({ op: 'list', kwargs: { state: 'active', get_all: true } }),
  ])
  t.match(ok(expiredGet, 'get(expired id)'), { active: false, revoked: false, expires_at: '2026-06-20' })
  t.same(ids(ok<ApiToken[]>(activeNow, 'list(state="active")')), [callerNumber], 'an expired token is not active')
})

// ---- group tokens --------------------------------------------------------------

t.test('group tokens: list, get, create, rotate and revoke with python-gitlab', async t => {
  const h = await startGitward(t)
  await h.createProject('acme/app')
  const caller = await h.mint({ group: 'acme', name: 'group bot', role: 'owner', scopes: ['api', ...REPO_RW] })
  const callerNumber = await numberOf(h, caller.id)
  await h.mint({ project: 'acme/app', role: 'owner', scopes: ['api'] }) // a project token under acme: not a group token
  await h.mint({ group: 'other', role: 'owner', scopes: ['api'] })
  const tokens = { G: caller.token }
  const G = on('group', 'acme', 'G')

  const [listed, lazyListed, created] = await py(h, tokens, [
    G({ op: 'list', kwargs: { get_all: true } }),
    { ...G({ op: 'list', lazy: true, kwargs: { get_all: true } }), auth: 'oauth' },
    G({ op: 'create', data: { name: 'mirror', scopes: ['read_repository'], access_level: 20, expires_at: '2026-09-01' } }),
  ])
  const all = ok<ApiToken[]>(listed, 'group list(get_all=True)')
  t.same(ids(all), [callerNumber], "the group's own tokens only")
  t.match(all[0], { name: 'group bot', access_level: 50, expires_at: null, active: true, revoked: false })
  t.same(ids(ok<ApiToken[]>(lazyListed, 'lazy group list with Bearer')), [callerNumber])
  const fresh = keep(h, ok<ApiToken>(created, 'group create'))
  t.match(publicPart(fresh), { name: 'mirror', access_level: 20, scopes: ['read_repository'], expires_at: '2026-09-01', active: true })
  t.ok(typeof fresh.token === 'string' && TOKEN.test(fresh.token), 'the create answer carries the new token')
  const record = (await stored(h, { group: 'acme' })).find(r => r.number === fresh.id)
  t.match(record, { target: { kind: 'group', path: 'acme' }, role: 'reporter' }, 'a group token for acme')

  const [got, rotated] = await py(h, tokens, [G({ op: 'get', id: fresh.id }), G({ op: 'rotate', id: fresh.id })])
  t.same(ok(got, 'group get(id)'), publicPart(fresh))
  const second = keep(h, ok<ApiToken>(rotated, 'group rotate(id)'))
  t.not(second.id, fresh.id)
  t.match(publicPart(second), { name: 'mirror', access_level: 20, expires_at: WEEK_OUT, active: true })

  // A group owner token manages the project tokens of the projects under it.
  const [projectMint] = await py(h, tokens, [
    { as: 'G', kind: 'project', path: 'acme/app', op: 'create', data: { name: 'from the group', scopes: ['read_repository'], access_level: 30, expires_at: '2026-07-01' } },
  ])
  const projectToken = keep(h, ok<ApiToken>(projectMint, 'a group token minting a project token'))
  t.match((await stored(h, { project: 'acme/app' })).find(r => r.number === projectToken.id), { target: { kind: 'project', path: 'acme/app' }, role: 'developer' })

  const [deleted, inactive, active] = await py(h, tokens, [
    G({ op: 'delete', id: second.id }),
    G({ op: 'list', kwargs: { state: 'inactive', get_all: true } }),
    G({ op: 'list', kwargs: { state: 'active', get_all: true } }),
  ])
  t.equal(ok(deleted, 'group delete(id)'), null)
  t.same(ids(ok<ApiToken[]>(inactive, 'group inactive')), [fresh.id, second.id].sort((a, b) => a - b))
  t.same(ids(ok<ApiToken[]>(active, 'group active')), [callerNumber])
})

// ---- the calling token itself -------------------------------------------------------

t.test('self: info, rotation and revocation of the calling token', async t => {
  const h = await startGitward(t)
  await h.createProject('acme/app')
  const bot = await h.mint({ project: 'acme/app', name: 'ci', role: 'maintainer', scopes: ['api', ...REPO_RW], expiresAt: '2026-09-01' })
  const reader = await h.mint({ project: 'acme/app', name: 'reader', role: 'reporter', scopes: ['read_repository'] })
  const group = await h.mint({ group: 'acme', name: 'group ci', role: 'maintainer', scopes: ['api'] })
  const botNumber = await numberOf(h, bot.id)

  const [info, infoBearer, readerInfo, groupInfo, readerRotate, rotated] = await py(h, { B: bot.token, R: reader.token, G: group.token }, [
    { as: 'B', op: 'self' },
    { as: 'B', auth: 'oauth', op: 'self' },
    { as: 'R', op: 'self' },
    { as: 'G', op: 'self' },
    { as: 'R', op: 'self-rotate' },
    { as: 'B', op: 'self-rotate', kwargs: { expires_at: '2026-07-15' } },
  ])
  t.match(ok(info, 'personal_access_tokens.get("self")'), { id: botNumber, name: 'ci', access_level: 40, expires_at: '2026-09-01', active: true, revoked: false })
  t.notOk('token' in (info?.ok as object), 'no secret in self')
  t.match(ok(infoBearer, 'self with Bearer'), { id: botNumber })
  t.match(ok(readerInfo, 'self with a read_repository token'), { id: await numberOf(h, reader.id), name: 'reader' }, 'any valid token may read itself')
  t.match(ok(groupInfo, 'self with a group token'), { id: await numberOf(h, group.id), name: 'group ci' })
  refused(t, readerRotate, ['GitlabRotateError', 'GitlabCreateError', 'GitlabHttpError'], [403], 'self-rotation without api (or self_rotate)')
  const next = keep(h, ok<ApiToken>(rotated, 'personal_access_tokens.rotate("self", expires_at=…)'))
  t.ok(typeof next.token === 'string' && TOKEN.test(next.token), 'the rotate answer carries the new token')
  t.match(publicPart(next), { name: 'ci', expires_at: '2026-07-15', active: true })
  t.not(next.id, botNumber)
  const nextToken = next.token ?? ''

  const [oldSelf, oldRotateAgain, newSelf, newRotate] = await py(h, { B: bot.token, N: nextToken }, [
    { as: 'B', op: 'self' },
    // GitLab issue 524639: a rotated-away token presented again must not take its successor down.
    { as: 'B', op: 'self-rotate' },
    { as: 'N', op: 'self' },
    { as: 'N', auth: 'oauth', op: 'self-rotate' },
  ])
  refused(t, oldSelf, 'GitlabAuthenticationError', [401], 'the rotated-away token')
  refused(t, oldRotateAgain, 'GitlabAuthenticationError', [401], 'rotating a rotated-away token again')
  t.match(ok(newSelf, 'self with the successor'), { id: next.id }, 'the successor still works after its predecessor was presented again')
  const third = keep(h, ok<ApiToken>(newRotate, 'self-rotate with Bearer, no expires_at'))
  t.equal(third.expires_at, WEEK_OUT, "GitLab's default: a week out")
  const thirdToken = third.token ?? ''

  // `self` as :token_id under the project and group paths (GitLab issue 462419).
  const [projectSelf, groupSelf] = await py(h, { T: thirdToken, G: group.token }, [
    { as: 'T', kind: 'project', path: 'acme/app', op: 'rotate', id: 'self', kwargs: { expires_at: '2026-08-01' } },
    { as: 'G', kind: 'group', path: 'acme', op: 'rotate', id: 'self' },
  ])
  const fourth = keep(h, ok<ApiToken>(projectSelf, 'projects/:id/access_tokens/self/rotate'))
  t.match(publicPart(fourth), { name: 'ci', expires_at: '2026-08-01', active: true })
  const groupNext = keep(h, ok<ApiToken>(groupSelf, 'groups/:id/access_tokens/self/rotate'))
  t.match(publicPart(groupNext), { name: 'group ci', expires_at: WEEK_OUT, active: true })

  const [thirdAfter, groupAfter, readerRevoke, readerAfter, fourthSelf] = await py(
    h,
    { T: thirdToken, G: group.token, R: reader.token, F: fourth.token ?? '' },
    [
      { as: 'T', op: 'self' },
      { as: 'G', op: 'self' },
      { as: 'R', op: 'self-delete' },
      { as: 'R', op: 'self' },
      { as: 'F', op: 'self' },
    ],
  )
  refused(t, thirdAfter, 'GitlabAuthenticationError', [401], 'a token rotated through the project path')
  refused(t, groupAfter, 'GitlabAuthenticationError', [401], 'a token rotated through the group path')
  t.equal(ok(readerRevoke, 'personal_access_tokens.delete("self") with a read_repository token'), null, 'any token may revoke itself')
  refused(t, readerAfter, 'GitlabAuthenticationError', [401], 'a token that revoked itself')
  t.match(ok(fourthSelf, 'self with the newest token'), { id: fourth.id })
})

// ---- pagination ------------------------------------------------------------------------

t.test('pagination: 120 tokens on one project', async t => {
  const h = await startGitward(t)
  await h.createProject('acme/many')
  const caller = await h.mint({ project: 'acme/many', name: 'token 000', role: 'owner', scopes: ['api'] })
  for (let i = 1; i < 120; i++) {
    await h.mint({ project: 'acme/many', name: `token ${String(i).padStart(3, '0')}`, role: 'reporter', scopes: ['read_repository'] })
  }
  const M = on('project', 'acme/many', 'M')
  const [all, page3, iterated, firstPage, capped] = await py(h, { M: caller.token }, [
    M({ op: 'list', kwargs: { get_all: true } }),
    M({ op: 'list', kwargs: { per_page: 50, page: 3 } }),
    M({ op: 'list-iterator', kwargs: { per_page: 50 } }),
    M({ op: 'list' }),
    M({ op: 'list', kwargs: { per_page: 500, page: 1 } }),
  ])
  const everything = ok<ApiToken[]>(all, 'list(get_all=True)')
  t.equal(everything.length, 120, 'get_all follows the Link headers to every token')
  t.equal(new Set(everything.map(x => x.id)).size, 120, 'no token twice')
  t.same(all?.warnings, [], 'python-gitlab warns about nothing (the Link URLs share its base URL)')
  t.equal(ok<ApiToken[]>(page3, 'list(per_page=50, page=3)').length, 20, 'the third page of 50 holds the last 20')
  t.match(ok(iterated, 'list(iterator=True, per_page=50)'), { total: 120, total_pages: 3, per_page: 50, current_page: 1, next_page: 2, prev_page: null })
  t.equal((iterated?.ok as { ids: number[] }).ids.length, 120, 'iterating fetches every page')
  t.equal(ok<ApiToken[]>(firstPage, 'list()').length, 20, "GitLab's default page size is 20")
  t.ok(firstPage?.warnings.some(w => w.includes('get_all=True')), 'python-gitlab sees there is more (X-Per-Page and X-Total) and says so')
  t.equal(ok<ApiToken[]>(capped, 'list(per_page=500)').length, 100, "per_page is capped at GitLab's 100")

  const r = await api(h, '/projects/acme%2Fmany/access_tokens?per_page=50&page=2', { headers: { 'PRIVATE-TOKEN': caller.token } })
  t.equal(r.status, 200)
  t.match(r.headers, {
    'x-total': '120',
    'x-total-pages': '3',
    'x-per-page': '50',
    'x-page': '2',
    'x-next-page': '3',
    'x-prev-page': '1',
  })
  const link = String(r.headers['link'] ?? '')
  for (const [rel, page] of [['prev', 1], ['next', 3], ['first', 1], ['last', 3]] as const) {
    t.match(link, new RegExp(`<${h.url}/api/v4/projects/[^>]*[?&]page=${page}[^>]*>; rel="${rel}"`), `Link rel="${rel}"`)
  }
  const last = await api(h, '/projects/acme%2Fmany/access_tokens?per_page=50&page=3', { headers: { 'PRIVATE-TOKEN': caller.token } })
  t.equal(last.headers['x-next-page'], '', 'no next page after the last (GitLab sends it empty)')
  t.notMatch(String(last.headers['link'] ?? ''), /rel="next"/)
})

// ---- no escalation, ever -------------------------------------------------------------------

t.test('every escalation attempt raises the python-gitlab exception for its status, and mints nothing', async t => {
  const h = await startGitward(t)
  await h.createProject('acme/app')
  await h.createProject('acme/other')
  const owner = await h.mint({ project: 'acme/app', name: 'owner', role: 'owner', scopes: ['api', 'read_repository'], expiresAt: '2026-09-01' })
  const reader = await h.mint({ project: 'acme/app', name: 'read api', role: 'owner', scopes: ['read_api'] })
  const maintainer = await h.mint({ project: 'acme/app', name: 'maintainer', role: 'maintainer', scopes: ['api'] })
  const gitOnly = await h.mint({ project: 'acme/app', name: 'git only', role: 'owner', scopes: [...REPO_RW] })
  const victim = await h.mint({ project: 'acme/app', name: 'victim', role: 'reporter', scopes: ['read_repository'] })
  const stronger = await h.mint({ project: 'acme/app', name: 'stronger', role: 'developer', scopes: [...REPO_RW] })
  const otherToken = await h.mint({ project: 'acme/other', name: 'other', role: 'developer', scopes: [...REPO_RW] })
  const groupToken = await h.mint({ group: 'acme', name: 'group', role: 'developer', scopes: [...REPO_RW] })
  const revoked = await h.mint({ project: 'acme/app', name: 'revoked', role: 'owner', scopes: ['api'] })
  await h.revoke(revoked.id)
  const expiring = await h.mint({ project: 'acme/app', name: 'expiring', role: 'owner', scopes: ['api'], expiresAt: '2026-06-16' })
  const victimNumber = await numberOf(h, victim.id)
  const strongerNumber = await numberOf(h, stronger.id)
  const otherNumber = await numberOf(h, otherToken.id)
  const groupNumber = await numberOf(h, groupToken.id)
  const before = (await h.admin.listTokens({ includeRevoked: true })).length

  const tokens = { O: owner.token, R: reader.token, M: maintainer.token, X: gitOnly.token, V: revoked.token, E: expiring.token, W: 'gwpat-000000000000_' + 'A'.repeat(38) }
  const mint = (as: string, data: Record<string, unknown>, kind: Kind = 'project', path = 'acme/app'): Step => ({ as, kind, path, lazy: true, op: 'create', data })
  const act = (as: string, op: 'get' | 'rotate' | 'delete' | 'list', id?: number, kwargs?: Record<string, unknown>, kind: Kind = 'project', path = 'acme/app'): Step => ({
    as,
    kind,
    path,
    lazy: true,
    op,
    ...(id === undefined ? {} : { id }),
    ...(kwargs === undefined ? {} : { kwargs }),
  })
  const base = { name: 'escalated', scopes: ['read_repository'], access_level: 20, expires_at: '2026-07-01' }
  const ROTATE = ['GitlabRotateError', 'GitlabCreateError']
  // [attack, step, exception, statuses, what the refusal must be about (so it is refused for the right reason)]
  const cases: Array<[string, Step, string | string[], number[], RegExp?]> = [
    ['a role above owner (access_level 60)', mint('O', { ...base, access_level: 60 }), 'GitlabCreateError', [400], /access_level/],
    ['a scope the caller lacks (write_repository)', mint('O', { ...base, scopes: ['write_repository'] }), 'GitlabCreateError', [400, 403], /scope/],
    ['an expiry later than the caller’s', mint('O', { ...base, expires_at: '2026-12-01' }), 'GitlabCreateError', [400, 403], /expir/],
    ['rotating another token to an expiry later than the caller’s', act('O', 'rotate', victimNumber, { expires_at: '2026-12-01' }), ROTATE, [400, 403], /expir/],
    ['rotating a token that holds a scope the caller lacks', act('O', 'rotate', strongerNumber), ROTATE, [400, 403], /scope/],
    ['a token for another project', mint('O', base, 'project', 'acme/other'), 'GitlabCreateError', [404], /Not Found/],
    ['listing another project’s tokens', act('O', 'list', undefined, undefined, 'project', 'acme/other'), 'GitlabListError', [404], /Not Found/],
    ['reading another project’s token through its own path', act('O', 'get', otherNumber), 'GitlabGetError', [404], /Not Found/],
    ['rotating another project’s token through its own path', act('O', 'rotate', otherNumber), ROTATE, [404], /Not Found/],
    ['revoking another project’s token through its own path', act('O', 'delete', otherNumber), 'GitlabDeleteError', [404], /Not Found/],
    ['revoking the group token that reaches the project, through the project path', act('O', 'delete', groupNumber), 'GitlabDeleteError', [403, 404]],
    ['rotating the group token through the project path', act('O', 'rotate', groupNumber), ROTATE, [403, 404]],
    ['a group token from a project token', mint('O', base, 'group', 'acme'), 'GitlabCreateError', [403, 404]],
    ['revoking a group token from a project token', act('O', 'delete', groupNumber, undefined, 'group', 'acme'), 'GitlabDeleteError', [403, 404]],
    ['read_api minting', mint('R', base), 'GitlabCreateError', [403], /api/],
    ['read_api rotating another token', act('R', 'rotate', victimNumber), ROTATE, [403], /api/],
    ['read_api revoking another token', act('R', 'delete', victimNumber), 'GitlabDeleteError', [403], /api/],
    ['a maintainer (not owner) minting', mint('M', base), 'GitlabCreateError', [400, 403], /owner/],
    ['a maintainer rotating another token', act('M', 'rotate', victimNumber), ROTATE, [400, 403], /owner/],
    ['a maintainer revoking another token', act('M', 'delete', victimNumber), 'GitlabDeleteError', [400, 403], /owner/],
    ['a token without api or read_api listing', act('X', 'list'), 'GitlabListError', [403], /api/],
    ['a token without api minting', mint('X', base), 'GitlabCreateError', [403], /api/],
    ['a revoked token listing', act('V', 'list'), 'GitlabAuthenticationError', [401]],
    ['a revoked token minting', mint('V', base), 'GitlabAuthenticationError', [401]],
    ['a revoked token reading itself', { as: 'V', op: 'self' }, 'GitlabAuthenticationError', [401]],
    ['a made-up token', { as: 'W', op: 'self' }, 'GitlabAuthenticationError', [401]],
    ['a made-up token as Bearer', { ...act('W', 'list'), auth: 'oauth' }, 'GitlabAuthenticationError', [401]],
  ]
  const results = await py(h, tokens, cases.map(([, step]) => step))
  cases.forEach(([name, , cls, codes, reason], i) => {
    refused(t, results[i], cls, codes, name)
    if (reason !== undefined) t.match(results[i]?.error?.message ?? '', reason, `${name}: refused for the right reason`)
  })
  const [maintainerList] = await py(h, tokens, [{ as: 'M', kind: 'project', path: 'acme/app', op: 'list', kwargs: { get_all: true } }])
  t.ok(ok<ApiToken[]>(maintainerList, 'a maintainer with api listing').length > 0, 'reading needs api or read_api, not owner')

  // A caller with an expiry never mints a token that outlives it, even when
  // it names no expiry at all: refused, or capped at its own date.
  const [noExpiry] = await py(h, tokens, [mint('O', { name: 'no expiry', scopes: ['read_repository'], access_level: 20 })])
  if (noExpiry?.error === undefined) {
    const made = keep(h, ok<ApiToken>(noExpiry, 'create without expires_at'))
    t.ok(made.expires_at !== null && made.expires_at <= '2026-09-01', `a token minted without expires_at does not outlive its minter (${String(made.expires_at)})`)
  } else {
    refused(t, noExpiry, 'GitlabCreateError', [400, 403], 'a never-expiring token from an expiring caller')
  }

  // The group's switch: no new project tokens, whoever asks.
  const off = await h.cli(['group', 'set', 'acme', '--project-token-creation', 'disabled'])
  t.equal(off.code, 0, mask(off.stderr))
  const [switchedOff] = await py(h, tokens, [mint('O', base)])
  refused(t, switchedOff, 'GitlabCreateError', [400, 403], 'minting while project token creation is disabled')

  // Expired by the server's clock: refused like a revoked token.
  h.clock.set(new Date('2026-06-16T00:00:00Z'))
  const [expiredList, expiredSelf] = await py(h, tokens, [
    { as: 'E', kind: 'project', path: 'acme/app', lazy: true, op: 'list' },
    { as: 'E', op: 'self' },
  ])
  refused(t, expiredList, 'GitlabAuthenticationError', [401], 'an expired token listing')
  refused(t, expiredSelf, 'GitlabAuthenticationError', [401], 'an expired token reading itself')

  const after = await h.admin.listTokens({ includeRevoked: true })
  t.equal(after.length, before + (noExpiry?.error === undefined ? 1 : 0), 'no refused attempt minted a token')
  t.ok(after.filter(r => [victim.id, stronger.id, otherToken.id, groupToken.id].includes(r.id)).every(r => r.revokedAt === null), 'no refused attempt revoked or rotated a token')
})

// ---- what git sees -----------------------------------------------------------------------

t.test('a token minted through python-gitlab pushes and clones at once; one revoked through it fails its next git request', async t => {
  const h = await startGitward(t)
  await h.createProject('acme/app')
  const owner = await h.mint({ project: 'acme/app', role: 'owner', scopes: ['api', ...REPO_RW] })
  const P = on('project', 'acme/app', 'P')
  const [created] = await py(h, { P: owner.token }, [P({ op: 'create', data: { name: 'deploy', scopes: [...REPO_RW], access_level: 30, expires_at: '2026-07-01' } })])
  const deploy = keep(h, ok<ApiToken>(created, 'create'))
  const token = deploy.token ?? ''

  const wc = await makeWorkingCopy(h, 'work')
  const push = await h.git(['push', '-q', h.repoUrl('acme/app'), 'main'], { cwd: wc, env: asToken(token), timeoutMs: 60_000 })
  t.equal(push.code, 0, `the new token pushes at once: ${mask(push.stderr)}`)
  const clone = join(h.dir, 'clone')
  const cloned = await h.git(['clone', '-q', h.repoUrl('acme/app'), clone], { env: asToken(token), timeoutMs: 60_000 })
  t.equal(cloned.code, 0, `and clones: ${mask(cloned.stderr)}`)
  const fetched = await h.git(['fetch', '-q', 'origin'], { cwd: clone, env: asToken(token), timeoutMs: 60_000 })
  t.equal(fetched.code, 0, mask(fetched.stderr))

  const [revoked] = await py(h, { P: owner.token }, [P({ op: 'delete', id: deploy.id })])
  t.equal(ok(revoked, 'delete(id)'), null)
  const refusedFetch = await h.git(['fetch', '-q', 'origin'], { cwd: clone, env: asToken(token), timeoutMs: 60_000 })
  t.not(refusedFetch.code, 0, 'the very next fetch fails')
  const answer = await request(`${h.url}/acme/app.git/info/refs?service=git-upload-pack`, { token, timeoutMs: 20_000 })
  t.equal(answer.status, 401, 'the server answers 401')

  // Rotation: the old secret fails on its next request, the new one works.
  const [made] = await py(h, { P: owner.token }, [P({ op: 'create', data: { name: 'ci', scopes: ['read_repository'], access_level: 20, expires_at: '2026-07-01' } })])
  const ci = keep(h, ok<ApiToken>(made, 'create'))
  const warm = await h.git(['fetch', '-q', 'origin'], { cwd: clone, env: asToken(ci.token ?? ''), timeoutMs: 60_000 })
  t.equal(warm.code, 0, mask(warm.stderr))
  const [rotated] = await py(h, { P: owner.token }, [P({ op: 'rotate', id: ci.id })])
  const ci2 = keep(h, ok<ApiToken>(rotated, 'rotate(id)'))
  const old = await h.git(['fetch', '-q', 'origin'], { cwd: clone, env: asToken(ci.token ?? ''), timeoutMs: 60_000 })
  t.not(old.code, 0, 'the rotated-away token fails its next fetch')
  const fresh = await h.git(['fetch', '-q', 'origin'], { cwd: clone, env: asToken(ci2.token ?? ''), timeoutMs: 60_000 })
  t.equal(fresh.code, 0, `its replacement fetches: ${mask(fresh.stderr)}`)
  const readOnly = await h.git(['push', '-q', 'origin', 'main:refs/heads/other'], { cwd: clone, env: asToken(ci2.token ?? ''), timeoutMs: 60_000 })
  t.not(readOnly.code, 0, 'and keeps its read-only grant')
})

// ---- the JSON error bodies, raw --------------------------------------------------------------

t.test('error bodies are GitLab’s JSON', async t => {
  const h = await startGitward(t)
  await h.createProject('acme/app')
  await h.createProject('acme/other')
  const owner = await h.mint({ project: 'acme/app', role: 'owner', scopes: ['api', 'read_repository'] })
  const auth = { 'PRIVATE-TOKEN': owner.token }

  const anonymous = await api(h, '/projects/acme%2Fapp')
  t.equal(anonymous.status, 401)
  t.same(anonymous.json, { message: '401 Unauthorized' })
  t.match(String(anonymous.headers['content-type']), /^application\/json/)
  const wrong = await api(h, '/projects/acme%2Fapp/access_tokens', { headers: { 'PRIVATE-TOKEN': 'gwpat-000000000000_' + 'A'.repeat(38) } })
  t.equal(wrong.status, 401)
  t.same(wrong.json, { message: '401 Unauthorized' })
  const basic = await api(h, '/projects/acme%2Fapp', { headers: { Authorization: `Basic ${Buffer.from(`git:${owner.token}`).toString('base64')}` } })
  t.equal(basic.status, 401, 'Basic is for git, not for the API')
  t.same(basic.json, { message: '401 Unauthorized' })

  const other = await api(h, '/projects/acme%2Fother', { headers: auth })
  const missing = await api(h, '/projects/acme%2Fnothing/access_tokens', { headers: auth })
  t.equal(other.status, 404)
  t.same(other.json, { message: '404 Project Not Found' })
  t.equal(missing.status, 404)
  t.same(missing.json, { message: '404 Project Not Found' }, 'a missing project and a forbidden one answer alike')

  const json = { ...auth, 'Content-Type': 'application/json' }
  const badDate = await api(h, '/projects/acme%2Fapp/access_tokens', { method: 'POST', headers: json, body: JSON.stringify({ name: 'x', scopes: ['read_repository'], expires_at: 'next week' }) })
  t.equal(badDate.status, 400)
  t.match(badDate.json, { error: /expir/ }, 'a bad value is 400 {"error": "…"} with a sentence about it')
  const noName = await api(h, '/projects/acme%2Fapp/access_tokens', { method: 'POST', headers: json, body: JSON.stringify({ scopes: ['read_repository'], expires_at: '2026-07-01' }) })
  t.equal(noName.status, 400)
  t.match(noName.json, { error: /name/ })
  const badScope = await api(h, '/projects/acme%2Fapp/access_tokens', { method: 'POST', headers: json, body: JSON.stringify({ name: 'x', scopes: ['sudo'], expires_at: '2026-07-01' }) })
  t.equal(badScope.status, 400)
  t.match(badScope.json, { error: /scope/ })
  const form = await api(h, '/projects/acme%2Fapp/access_tokens', {
    method: 'POST',
    headers: { ...auth, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: 'name=form&scopes[]=read_repository&access_level=20&expires_at=2026-07-01&unknown_field=ignored',
  })
  t.equal(form.status, 201, `form-encoded bodies work and unknown fields are ignored (${mask(form.body).slice(0, 300)})`)
  const formToken = form.json as ApiToken
  if (typeof formToken.token === 'string') h.tokens.push(formToken.token)
  t.match(publicPart(formToken), { name: 'form', scopes: ['read_repository'], access_level: 20 })
  for (const answer of [anonymous, wrong, other, badDate, form]) {
    t.notOk(answer.body.includes(owner.token), 'no answer echoes the caller’s token')
  }
})

t.test('api_enabled = false: /api/v4 is not served, git still is', async t => {
  const h = await startGitward(t, { config: { api_enabled: 'false' } })
  await h.createProject('acme/app')
  const owner = await h.mint({ project: 'acme/app', role: 'owner', scopes: ['api', ...REPO_RW] })
  const [self] = await py(h, { P: owner.token }, [{ as: 'P', op: 'self' }])
  t.equal(self?.error?.code, 404, `python-gitlab gets 404 (${show(self)})`)
  const raw = await api(h, '/personal_access_tokens/self', { headers: { 'PRIVATE-TOKEN': owner.token } })
  t.equal(raw.status, 404)
  await seed(h, 'acme/app', owner.token)
})

t.test('the ban applies to the API as to git', async t => {
  const h = await startGitward(t, { config: { ban_max_failures: '3' } })
  await h.createProject('acme/app')
  const owner = await h.mint({ project: 'acme/app', role: 'owner', scopes: ['api', ...REPO_RW] })
  await seed(h, 'acme/app', owner.token)
  const bad = 'gwpat-000000000000_' + 'A'.repeat(38)
  const results = await py(h, { P: owner.token, W: bad }, [
    { as: 'W', op: 'self' },
    { as: 'W', op: 'self' },
    { as: 'W', auth: 'oauth', op: 'self' },
    { as: 'P', op: 'self' },
  ])
  for (const r of results.slice(0, 3)) refused(t, r, 'GitlabAuthenticationError', [401], 'a made-up token')
  // 403, not 429: python-gitlab sleeps out a 429's Retry-After and retries.
  refused(t, results[3], 'GitlabGetError', [403], 'a good token from a banned address')
  const fetched = await h.git(['ls-remote', h.repoUrl('acme/app')], { env: asToken(owner.token), timeoutMs: 60_000 })
  t.not(fetched.code, 0, 'git from the banned address is refused too')
})

t.test('nested groups: URL-encoded paths two levels deep, numeric ids for subgroups', async t => {
  const h = await startGitward(t)
  await h.createProject('acme/platform/api')
  const top = await h.mint({ group: 'acme', name: 'top', role: 'owner', scopes: ['api'] })
  const sub = await h.mint({ group: 'acme/platform', name: 'sub', role: 'owner', scopes: ['api', 'read_repository'] })
  const subNumber = await numberOf(h, sub.id)
  const [project, group, listed, created, upward] = await py(h, { T: top.token, S: sub.token }, [
    { as: 'T', op: 'project', path: 'acme/platform/api' },
    { as: 'T', op: 'group', path: 'acme/platform' },
    { as: 'T', kind: 'group', path: 'acme/platform', op: 'list', kwargs: { get_all: true } },
    { as: 'S', kind: 'project', path: 'acme/platform/api', op: 'create', data: { name: 'deep', scopes: ['read_repository'], access_level: 20, expires_at: '2026-07-01' } },
    { as: 'S', kind: 'group', path: 'acme', lazy: true, op: 'list' },
  ])
  t.match(ok(project, 'projects.get("acme/platform/api")'), { path: 'api', path_with_namespace: 'acme/platform/api', http_url_to_repo: `${h.url}/acme/platform/api.git` })
  t.match(ok(group, 'groups.get("acme/platform")'), { path: 'platform', full_path: 'acme/platform' })
  t.same(ids(ok<ApiToken[]>(listed, 'a subgroup’s tokens, by its numeric id')), [subNumber])
  const deep = keep(h, ok<ApiToken>(created, 'a subgroup token minting for a project below it'))
  t.match((await stored(h, { project: 'acme/platform/api' })).find(r => r.number === deep.id), { target: { kind: 'project', path: 'acme/platform/api' } })
  refused(t, upward, 'GitlabListError', [403, 404], 'a subgroup token reading its parent group')
})

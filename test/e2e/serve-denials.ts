// Every way the policy says no, as the git user sees it (exit status and the
// "remote: ..." line git prints) and as it is on the wire (status, body and
// challenge of the same URL). One message per class of refusal, so a caller
// learns nothing about which check failed or which projects exist.
import t from 'tap'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { startGitward, makeWorkingCopy } from '../helpers/servers/gitward.js'
import { bareDir, remoteLines, revParse } from '../helpers/git/repos.js'
import { infoRefsUrl, request } from '../helpers/http/request.js'
import { formatToken, newSecret, newTokenId, DEFAULT_TOKEN_PREFIX } from '../../src/auth/token-format.js'

const NO_CREDENTIALS = 'Authentication required: use an access token as the password (any username).'
const REFUSED = 'The access token was refused: it may be mistyped, expired or revoked.'
const NOT_FOUND = "The project you were looking for could not be found or you don't have permission to view it."
const CHALLENGE = 'Basic realm="gitward"'
const BLANK_USERNAME = 'Authentication failed: the username must not be blank; use any username, with the access token as the password.'

type Service = 'git-upload-pack' | 'git-receive-pack'

interface Case {
  name: string
  /** The token git presents; undefined = none. */
  token: string | undefined
  project: string
  service: Service
  status: 401 | 403 | 404
  message: string
}

t.test('denials', async t => {
  const h = await startGitward(t)
  await h.createProject('acme/app')
  await h.createProject('acme/other')
  await h.createProject('acme/docs', 'public')

  // Give every repository a commit, so a refused push could be noticed.
  const { token: seeder } = await h.mint({ group: 'acme' })
  const wc = await makeWorkingCopy(h, 'wc')
  for (const p of ['acme/app', 'acme/other', 'acme/docs']) {
    t.equal((await h.git(['push', h.repoUrl(p, seeder), 'main'], { cwd: wc })).code, 0)
  }
  t.equal((await h.git(['commit', '-q', '--allow-empty', '-m', 'not to be pushed'], { cwd: wc })).code, 0)

  const live = await h.mint({ project: 'acme/app' })
  const revoked = await h.mint({ project: 'acme/app' })
  await h.revoke(revoked.id)
  // The clock stands at 2026-06-15T12:00Z: a token dated the 15th is dead.
  const expired = await h.mint({ project: 'acme/app', expiresAt: '2026-06-15' })
  const otherProject = await h.mint({ project: 'acme/other' })
  const group = await h.mint({ group: 'acme' })
  const reporterRead = await h.mint({ project: 'acme/app', role: 'reporter', scopes: ['read_repository'] })
  const developerRead = await h.mint({ project: 'acme/app', role: 'developer', scopes: ['read_repository'] })
  const reporterWrite = await h.mint({ project: 'acme/app', role: 'reporter', scopes: ['write_repository'] })
  const guest = await h.mint({ project: 'acme/app', role: 'guest', scopes: ['read_repository', 'write_repository'] })
  const registry = await h.mint({ project: 'acme/app', scopes: ['read_registry'] })

  // Well-formed tokens (prefix, alphabet, checksum all right) that are still wrong.
  const wrongSecret = formatToken(DEFAULT_TOKEN_PREFIX, live.id, newSecret(randomBytes))
  const unknownId = formatToken(DEFAULT_TOKEN_PREFIX, newTokenId(randomBytes), newSecret(randomBytes))
  // One character changed: the checksum no longer matches.
  const mistyped = live.token.slice(0, -1) + (live.token.endsWith('a') ? 'b' : 'a')
  h.tokens.push(wrongSecret, unknownId, mistyped)

  const cases: Case[] = [
    { name: 'no credentials on a private project', token: undefined, project: 'acme/app', service: 'git-upload-pack', status: 401, message: NO_CREDENTIALS },
    { name: 'wrong secret for a live token id', token: wrongSecret, project: 'acme/app', service: 'git-upload-pack', status: 401, message: REFUSED },
    { name: 'unknown token id', token: unknownId, project: 'acme/app', service: 'git-upload-pack', status: 401, message: REFUSED },
    { name: 'mistyped token (checksum)', token: mistyped, project: 'acme/app', service: 'git-upload-pack', status: 401, message: REFUSED },
    { name: 'not a token at all', token: 'hunter2', project: 'acme/app', service: 'git-upload-pack', status: 401, message: REFUSED },
    { name: 'revoked token', token: revoked.token, project: 'acme/app', service: 'git-upload-pack', status: 401, message: REFUSED },
    { name: 'expired token', token: expired.token, project: 'acme/app', service: 'git-upload-pack', status: 401, message: REFUSED },
    { name: 'revoked token pushing', token: revoked.token, project: 'acme/app', service: 'git-receive-pack', status: 401, message: REFUSED },
    { name: 'token for another project', token: otherProject.token, project: 'acme/app', service: 'git-upload-pack', status: 404, message: NOT_FOUND },
    { name: 'token for another project pushing', token: otherProject.token, project: 'acme/app', service: 'git-receive-pack', status: 404, message: NOT_FOUND },
    { name: 'unknown project under the group', token: group.token, project: 'acme/nope', service: 'git-upload-pack', status: 404, message: NOT_FOUND },
    { name: 'unknown project elsewhere', token: live.token, project: 'nobody/nothing', service: 'git-upload-pack', status: 404, message: NOT_FOUND },
    {
      name: 'read-only reporter token pushing',
      token: reporterRead.token,
      project: 'acme/app',
      service: 'git-receive-pack',
      status: 403,
      message: 'This token cannot push: it needs the write_repository or api scope and at least the developer role (it has the reporter role).',
    },
    {
      name: 'read-only developer token pushing',
      token: developerRead.token,
      project: 'acme/app',
      service: 'git-receive-pack',
      status: 403,
      message: 'This token cannot push: it needs the write_repository or api scope.',
    },
    {
      name: 'reporter with write scope pushing',
      token: reporterWrite.token,
      project: 'acme/app',
      service: 'git-receive-pack',
      status: 403,
      message: 'This token cannot push: it needs at least the developer role (it has the reporter role).',
    },
    {
      name: 'guest role cloning',
      token: guest.token,
      project: 'acme/app',
      service: 'git-upload-pack',
      status: 403,
      message: 'This token cannot pull: it needs at least the reporter role (it has the guest role).',
    },
    {
      name: 'read_registry-only token cloning',
      token: registry.token,
      project: 'acme/app',
      service: 'git-upload-pack',
      status: 403,
      message: 'This token cannot pull: it needs the read_repository, write_repository, read_api or api scope.',
    },
    { name: 'anonymous push to a public project', token: undefined, project: 'acme/docs', service: 'git-receive-pack', status: 401, message: NO_CREDENTIALS },
  ]

  let n = 0
  for (const c of cases) {
    await t.test(c.name, async t => {
      const url = h.repoUrl(c.project, c.token)
      const before = await revParse(h, bareDir(h, c.project), 'main')
      const r =
        c.service === 'git-upload-pack'
          ? await h.git(['clone', url, join(h.dir, `clone-${++n}`)])
          : await h.git(['push', url, 'main'], { cwd: wc })
      t.equal(r.code, 128, 'git fails with its fatal-error status')
      if (c.token === undefined) {
        // Without a credential git asks for one rather than printing the
        // answer; with prompts disabled that is where it stops.
        t.match(r.stderr, /could not read Username .*terminal prompts disabled/)
        t.same(remoteLines(r.stderr), [])
      } else {
        t.same(remoteLines(r.stderr), [c.message], r.stderr)
        t.match(
          r.stderr,
          c.status === 401 ? /fatal: Authentication failed/ : c.status === 404 ? /fatal: repository '.*' not found/ : /The requested URL returned error: 403/,
        )
      }
      if (c.service === 'git-receive-pack' && before !== '') {
        t.equal(await revParse(h, bareDir(h, c.project), 'main'), before, 'the repository did not change')
      }

      const answer = await request(infoRefsUrl(h.url, c.project, c.service), c.token === undefined ? {} : { token: c.token })
      t.equal(answer.status, c.status)
      t.equal(answer.body, `${c.message}\n`)
      t.match(answer.headers['content-type'], /^text\/plain; charset=utf-8$/)
      t.equal(answer.headers['www-authenticate'], c.status === 401 ? CHALLENGE : undefined)
    })
  }

  await t.test('the POST of a refused push is answered the same way, and its body is never read', async t => {
    const answer = await request(`${h.url}/acme/app.git/git-receive-pack`, {
      method: 'POST',
      token: reporterRead.token,
      headers: { 'Content-Type': 'application/x-git-receive-pack-request' },
      body: '0000',
    })
    t.equal(answer.status, 403)
    t.equal(answer.headers['connection'], 'close')
  })

  await t.test('public project: anonymous clone works', async t => {
    const r = await h.git(['clone', h.repoUrl('acme/docs'), join(h.dir, 'public-clone')])
    t.equal(r.code, 0, r.stderr)
    const answer = await request(infoRefsUrl(h.url, 'acme/docs', 'git-upload-pack'))
    t.equal(answer.status, 200)
  })

  await t.test('a refused token on a public project still gets 401', async t => {
    // The 401 is what makes git drop a bad stored credential, even where
    // anonymous reads are allowed.
    const answer = await request(infoRefsUrl(h.url, 'acme/docs', 'git-upload-pack'), { token: revoked.token })
    t.equal(answer.status, 401)
    t.equal(answer.body, `${REFUSED}\n`)
    // git itself asks anonymously first, is served, and never presents it.
    const r = await h.git(['clone', h.repoUrl('acme/docs', revoked.token), join(h.dir, 'public-clone-revoked')])
    t.equal(r.code, 0, r.stderr)
  })

  await t.test('a blank Basic username is named as the problem, not the token', async t => {
    // "mistyped, expired or revoked" would send the user to rotate a good token.
    const { token } = await h.mint({ project: 'acme/app' })
    for (const user of ['', '  ']) {
      const answer = await request(infoRefsUrl(h.url, 'acme/app', 'git-upload-pack'), { token, user })
      t.equal(answer.status, 401)
      t.equal(answer.headers['www-authenticate'], CHALLENGE)
      t.equal(answer.body, `${BLANK_USERNAME}\n`)
    }
    // The real client, given the blank username in the URL, shows the same sentence.
    const r = await h.git(['ls-remote', h.repoUrl('acme/app', token, ' ')])
    t.not(r.code, 0)
    t.same(remoteLines(r.stderr), [BLANK_USERNAME], r.stderr)
    // With a username, the same token works.
    t.equal((await request(infoRefsUrl(h.url, 'acme/app', 'git-upload-pack'), { token })).status, 200)
  })

  await t.test('every refusal was logged with a reason, and every well-formed refused token by the id it claims', async t => {
    const denies = h
      .logText()
      .split('\n')
      .filter(l => l !== '')
      .map(l => JSON.parse(l) as Record<string, unknown>)
      .filter(l => l['msg'] === 'request' && typeof l['decision'] === 'string' && l['decision'].startsWith('deny:'))
    const reasons = new Set(denies.map(l => l['decision']))
    for (const r of ['deny:no-credentials', 'deny:mismatch', 'deny:unknown', 'deny:malformed', 'deny:revoked', 'deny:expired', 'deny:project-not-covered', 'deny:project-unknown', 'deny:scope', 'deny:role', 'deny:scope-and-role', 'deny:blank-username']) {
      t.ok(reasons.has(r), r)
    }
    const refusedTokens = denies.filter(l => /^deny:(mismatch|unknown|malformed|revoked|expired)$/.test(l['decision'] as string))
    t.ok(refusedTokens.length >= 6)
    t.ok(refusedTokens.every(l => l['status'] === 401))
    // An administrator looking for the CI job still using a revoked token
    // finds it by id; the id is public, the secret never appears (the harness
    // checks the whole log for secrets at teardown).
    const idsOf = (decision: string): Set<unknown> => new Set(denies.filter(l => l['decision'] === decision).map(l => l['tokenId']))
    t.same([...idsOf('deny:revoked')], [revoked.id], 'deny:revoked names the revoked token')
    t.same([...idsOf('deny:expired')], [expired.id], 'deny:expired names the expired token')
    t.same([...idsOf('deny:mismatch')], [live.id], 'deny:mismatch names the id the wrong secret was sent for')
    t.same([...idsOf('deny:unknown')], [unknownId.slice(DEFAULT_TOKEN_PREFIX.length, DEFAULT_TOKEN_PREFIX.length + 12)], 'deny:unknown names the claimed id')
    t.same([...idsOf('deny:malformed')], [undefined], 'a malformed token claims no id')
    const validButDenied = denies.filter(l => /^deny:(scope|role|scope-and-role|project-not-covered)$/.test(l['decision'] as string))
    t.ok(validButDenied.length >= 6)
    t.ok(validButDenied.every(l => typeof l['tokenId'] === 'string'), 'a valid token is named by its id')
  })
})

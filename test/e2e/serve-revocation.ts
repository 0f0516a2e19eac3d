// A token that stops being good stops working on the very next request, even
// though its bcrypt verdict is cached: revocation and rotation through the
// real CLI, and expiry at 00:00 UTC by the server's injected clock.
import t from 'tap'
import { join } from 'node:path'
import { startGitward, makeWorkingCopy, type Harness } from '../helpers/servers/gitward.js'
import { remoteLines } from '../helpers/git/repos.js'
import { infoRefsUrl, request } from '../helpers/http/request.js'

const REFUSED = 'The access token was refused: it may be mistyped, expired or revoked.'

/** Give a project one commit, and make a clone of it whose origin carries `token`. */
async function seededClone(h: Harness, project: string, token: string, name: string): Promise<string> {
  const wc = await makeWorkingCopy(h, `${name}-seed`)
  const push = await h.git(['push', h.repoUrl(project, token), 'main'], { cwd: wc })
  if (push.code !== 0) throw new Error(push.stderr)
  const clone = join(h.dir, name)
  const r = await h.git(['clone', '-q', h.repoUrl(project, token), clone])
  if (r.code !== 0) throw new Error(r.stderr)
  return clone
}

t.test('revoked with the CLI between two fetches: the next fetch is refused', async t => {
  const h = await startGitward(t)
  await h.createProject('acme/app')
  const { id, token } = await h.mint({ project: 'acme/app' })
  const clone = await seededClone(h, 'acme/app', token, 'clone')

  for (let i = 0; i < 2; i++) {
    const r = await h.git(['fetch', 'origin'], { cwd: clone })
    t.equal(r.code, 0, r.stderr)
  }
  t.ok(h.app.verifier.stats.cacheHits > 0, 'the verdict for this token is cached (warm cache)')

  const revoke = await h.cli(['token', 'revoke', id])
  t.equal(revoke.code, 0, revoke.stderr)
  t.match(revoke.stdout, new RegExp(`^Revoked token ${id} `))

  const refused = await h.git(['fetch', 'origin'], { cwd: clone })
  t.equal(refused.code, 128)
  t.same(remoteLines(refused.stderr), [REFUSED], refused.stderr)
  t.match(refused.stderr, /fatal: Authentication failed/)
  const answer = await request(infoRefsUrl(h.url, 'acme/app', 'git-upload-pack'), { token })
  t.equal(answer.status, 401)
  t.equal(answer.body, `${REFUSED}\n`)
})

t.test('rotated with the CLI: the old token fails at once, the new one works', async t => {
  const h = await startGitward(t)
  await h.createProject('acme/app')
  const { id, token } = await h.mint({ project: 'acme/app' })
  const clone = await seededClone(h, 'acme/app', token, 'clone')
  t.equal((await h.git(['fetch', 'origin'], { cwd: clone })).code, 0)
  t.equal((await h.git(['fetch', 'origin'], { cwd: clone })).code, 0)

  const rotate = await h.cli(['token', 'rotate', id])
  t.equal(rotate.code, 0, rotate.stderr)
  const fresh = rotate.stdout.trim()
  h.tokens.push(fresh)
  t.match(fresh, /^gwpat-[0-9a-z]{12}_[0-9A-Za-z]{38}$/, 'stdout is the new token alone')

  const old = await h.git(['fetch', 'origin'], { cwd: clone })
  t.equal(old.code, 128)
  t.same(remoteLines(old.stderr), [REFUSED], old.stderr)

  const r = await h.git(['fetch', h.repoUrl('acme/app', fresh)], { cwd: clone })
  t.equal(r.code, 0, r.stderr)
})

t.test('expiry follows the injected clock to the second', async t => {
  const h = await startGitward(t, { now: new Date('2026-06-15T23:59:59Z') })
  await h.createProject('acme/app')
  const { token } = await h.mint({ project: 'acme/app', expiresAt: '2026-06-16' })
  const clone = await seededClone(h, 'acme/app', token, 'clone')

  const before = await h.git(['fetch', 'origin'], { cwd: clone })
  t.equal(before.code, 0, `works at 23:59:59 the day before: ${before.stderr}`)
  t.ok(h.app.verifier.stats.cacheHits > 0, 'the verdict for this token is cached (warm cache)')

  h.clock.set(new Date('2026-06-16T00:00:00Z'))
  const after = await h.git(['fetch', 'origin'], { cwd: clone })
  t.equal(after.code, 128, 'refused at 00:00:00 UTC on the expiry date')
  t.same(remoteLines(after.stderr), [REFUSED], after.stderr)
  const answer = await request(infoRefsUrl(h.url, 'acme/app', 'git-upload-pack'), { token })
  t.equal(answer.status, 401)
  t.equal(answer.body, `${REFUSED}\n`)
  const push = await h.git(['push', 'origin', 'main'], { cwd: clone })
  t.equal(push.code, 128, 'pushing is refused too')
})

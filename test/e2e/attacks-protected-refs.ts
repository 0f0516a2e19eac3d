// Attacks on protected refs, each a named regression:
// - forged-policy: a client sends its own X-Gitward-Ref-Policy allowing
//   force-pushes; the gate builds upstream headers from an allow-list, so
//   only its own policy reaches the hook.
// - compressed-push: a gzip-compressed receive-pack body would hide the ref
//   updates from the gate's reader; git never compresses a push, so 415.
// - smuggled-command: a body the gate cannot read with certainty (bad
//   pkt-line, a second NUL, a ref outside refs/) never reaches git.
// - push-cert: a signed push hides its commands in the certificate; refused.
import t from 'tap'
import { gzipSync } from 'node:zlib'
import { startGitward, makeWorkingCopy } from '../helpers/servers/gitward.js'
import { bareDir, commitFiles, revParse } from '../helpers/git/repos.js'
import { request } from '../helpers/http/request.js'
import { encodeRefPolicy } from '../../src/access/ref-policy-codec.js'
import { FLUSH_PKT, pktLine } from '../../src/git/pkt-line.js'

t.test('attacks on protected refs', async t => {
  const h = await startGitward(t)
  await h.createProject('acme/app')
  const bare = bareDir(h, 'acme/app')
  const maint = await h.mint({ project: 'acme/app', role: 'maintainer' })
  const wc = await makeWorkingCopy(h, 'wc')
  const url = h.repoUrl('acme/app', maint.token)
  t.equal((await h.git(['push', url, 'main'], { cwd: wc })).code, 0)
  t.equal((await h.cli(['protect', 'branch', 'acme/app', 'main'])).code, 0)
  const head = await revParse(h, bare, 'main')

  await t.test('forged-policy: a client\'s own X-Gitward-Ref-Policy changes nothing', async t => {
    const forged = encodeRefPolicy({
      tokenId: maint.id,
      check: false,
      policy: { role: 'owner', tokenRefs: null, branches: [], tags: [], defaultBranch: null },
    })
    await h.git(['commit', '-q', '--amend', '-m', 'rewritten'], { cwd: wc })
    const r = await h.git(['-c', `http.extraHeader=X-Gitward-Ref-Policy: ${forged}`, 'push', '--force', url, 'main'], { cwd: wc })
    t.not(r.code, 0)
    t.match(r.stderr, /remote: gitward: You are not allowed to force push code to a protected branch/)
    t.equal(await revParse(h, bare, 'main'), head)
  })

  const A = head
  const Z = '0'.repeat(40)
  const post = (body: Buffer, headers: Record<string, string> = {}) =>
    request(`${h.url}/acme/app.git/git-receive-pack`, {
      method: 'POST',
      token: maint.token,
      headers: { 'Content-Type': 'application/x-git-receive-pack-request', ...headers },
      body,
    })

  await t.test('compressed-push: a gzip receive-pack body is refused with 415', async t => {
    const body = gzipSync(Buffer.concat([pktLine(`${A} ${Z} refs/heads/main\0report-status delete-refs\n`), FLUSH_PKT]))
    const r = await post(body, { 'Content-Encoding': 'gzip' })
    t.equal(r.status, 415)
    t.match(r.body, /must not be compressed/)
    t.equal(await revParse(h, bare, 'main'), head)
  })

  await t.test('smuggled-command: unreadable command lists never reach git', async t => {
    const bodies: Array<[string, Buffer]> = [
      ['a bad pkt-line length', Buffer.from('zzzz')],
      ['a second NUL', Buffer.concat([pktLine(`${A} ${Z} refs/heads/x\0report-status\n`), pktLine(`${A} ${Z} refs/heads/main\0report-status\n`), FLUSH_PKT])],
      ['a ref outside refs/', Buffer.concat([pktLine(`${A} ${Z} HEAD\0report-status\n`), FLUSH_PKT])],
      ['push-cert: a signed push', Buffer.concat([pktLine('push-cert\0report-status\n'), pktLine('certificate version 0.1\n'), FLUSH_PKT])],
      ['a body cut before the flush', pktLine(`${A} ${Z} refs/heads/main\0report-status delete-refs\n`)],
    ]
    for (const [name, body] of bodies) {
      const r = await post(body)
      t.equal(r.status, 400, name)
      t.match(r.body, /^The push request is malformed: /, name)
    }
    t.equal(await revParse(h, bare, 'main'), head)
  })

  await t.test('a delete without a pack is refused by report-status, as receive-pack would', async t => {
    const r = await post(Buffer.concat([pktLine(`${A} ${Z} refs/heads/main\0report-status delete-refs\n`), FLUSH_PKT]))
    t.equal(r.status, 200)
    t.equal(r.headers['content-type'], 'application/x-git-receive-pack-result')
    t.match(r.body, /unpack ok\n.*ng refs\/heads\/main protected branch: delete not allowed\n/s)
    t.equal(await revParse(h, bare, 'main'), head)
  })

  await t.test('without report-status the refusal is one plain line', async t => {
    const r = await post(Buffer.concat([pktLine(`${A} ${Z} refs/heads/main\0delete-refs\n`), FLUSH_PKT]))
    t.equal(r.status, 403)
    t.match(r.body, /^gitward: You are not allowed to delete protected branches/)
  })

  await t.test('an unprotected push still goes through untouched', async t => {
    await commitFiles(h, wc, { 'z.txt': 'z\n' })
    const r = await h.git(['push', url, 'HEAD:refs/heads/topic'], { cwd: wc })
    t.equal(r.code, 0, r.stderr)
  })
})

// Path traversal and encoding tricks, sent as raw bytes (git and Node's
// client normalise or refuse these before they leave the machine). A token
// for the acme group tries to reach other/app, which holds a commit it must
// never see; every spelling is refused before any project lookup that could
// be fooled, and nothing reaches git.
import t from 'tap'
import { startGitward, makeWorkingCopy } from '../helpers/servers/gitward.js'
import { basicAuth } from '../helpers/http/request.js'
import { httpBytes, rawRequest } from '../helpers/http/raw.js'
import { watch } from '../helpers/observe.js'

const h = await startGitward(t, { config: { ban_enabled: 'false' } })
const port = h.app.port
await h.createProject('acme/app')
await h.createProject('other/app')
const otherOwner = await h.mint({ project: 'other/app', name: 'owner' })
const wc = await makeWorkingCopy(h, 'wc', { 'SECRET.txt': 'other/app only\n' })
const pushed = await h.git(['push', '-q', h.repoUrl('other/app', otherOwner.token), 'main'], { cwd: wc })
if (pushed.code !== 0) throw new Error(pushed.stderr)
const acme = await h.mint({ group: 'acme', name: 'acme group' })
const AUTH = `Authorization: ${basicAuth(acme.token)}`
const ADV = 'info/refs?service=git-upload-pack'

// [request target, acceptable statuses]
const targets: Array<[string, number[]]> = [
  [`/acme/../other/app.git/${ADV}`, [400]],
  [`/acme/%2e%2e/other/app.git/${ADV}`, [400]],
  [`/acme/%2E%2E/other/app.git/${ADV}`, [400]],
  [`/acme/.%2e/other/app.git/${ADV}`, [400]],
  [`/acme/%c0%ae%c0%ae/other/app.git/${ADV}`, [400]],
  [`/acme%2f..%2fother/app.git/${ADV}`, [400]],
  [`/acme%2F..%2Fother%2Fapp.git/${ADV}`, [400]],
  [`/acme%252f..%252fother/app.git/${ADV}`, [400]],
  [`/acme/%252e%252e/other/app.git/${ADV}`, [400]],
  [`/other%2fapp.git/${ADV}`, [400]],
  [`/acme/app.git%2finfo%2frefs?service=git-upload-pack`, [400]],
  [`/acme\\..\\other\\app.git/${ADV}`, [400]],
  [`/acme/%5c..%5cother/app.git/${ADV}`, [400]],
  [`/acme/..%5cother/app.git/${ADV}`, [400]],
  [`//other/app.git/${ADV}`, [400]],
  [`/acme//../other/app.git/${ADV}`, [400]],
  [`/acme/./../other/app.git/${ADV}`, [400]],
  [`/./other/app.git/${ADV}`, [400]],
  [`/acme/app.git/../../other/app.git/${ADV}`, [400]],
  [`/acme/app.git/info/refs/../../../../other/app.git/${ADV}`, [400]],
  [`/acme/%00/../other/app.git/${ADV}`, [400]],
  [`/acme/app.git%00/${ADV}`, [400]],
  [`/acme/app%0d%0aX-Gitward-Remote-User:%20x.git/${ADV}`, [400]],
  [`/acme/%ef%bd%81pp.git/${ADV}`, [400]],
  [`/acme/app.git/info/refs%3fservice=git-upload-pack`, [404]],
  [`/acme/app.git/info/refs?service=git-upload-pack#/../../other/app.git`, [400]],
  [`http://127.0.0.1/other/app.git/${ADV}`, [400]],
  [`/acme/${'a/'.repeat(2100)}app.git/${ADV}`, [414]],
  [`/acme/-c/app.git/${ADV}`, [400]],
  [`/-/../other/app.git/${ADV}`, [400]],
]

t.test('the acme token works on its own project, and other/app holds a secret', async t => {
  const ok = await rawRequest(port, httpBytes([`GET /acme/app.git/${ADV} HTTP/1.1`, 'Host: x', AUTH]), { graceMs: 50 })
  t.equal(ok.status, 200)
  const other = await rawRequest(port, httpBytes([`GET /other/app.git/${ADV} HTTP/1.1`, 'Host: x', AUTH]), { graceMs: 50 })
  t.equal(other.status, 404, 'the acme token does not cover other/app')
})

for (const [target, statuses] of targets) {
  t.test(`path trick: ${target.length > 80 ? target.slice(0, 77) + '...' : target}`, async t => {
    const w = await watch(h, ['other/app'])
    const r = await rawRequest(port, httpBytes([`GET ${target} HTTP/1.1`, 'Host: x', AUTH]), { graceMs: 50 })
    // Node's parser may refuse some targets itself (400 from clientError).
    t.ok(statuses.includes(r.status), `answered ${r.status}, expected ${statuses.join(' or ')}`)
    t.notMatch(r.body, /refs\/heads\/main|SECRET/, 'no advertisement of other/app')
    await w.untouched(t, target.slice(0, 60))
  })
}

t.test('path tricks on the push route with a push-capable token', async t => {
  const w = await watch(h, ['other/app', 'acme/app'])
  for (const target of ['/acme/../other/app.git/git-receive-pack', '/acme/app.git/git-upload-pack/../git-receive-pack', '/acme%2f..%2fother/app.git/git-receive-pack', '/acme/app.git/git-receive-pack/']) {
    const r = await rawRequest(
      port,
      httpBytes([`POST ${target} HTTP/1.1`, 'Host: x', AUTH, 'Content-Type: application/x-git-receive-pack-request', 'Content-Length: 4'], '0000'),
      { graceMs: 50 },
    )
    t.ok([400, 404].includes(r.status), `${target}: ${r.status}`)
  }
  await w.untouched(t, 'push-route traversal')
})

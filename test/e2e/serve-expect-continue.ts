// `Expect: 100-continue` (sent by some git and curl versions before a large
// body): gitward decides before it tells the client to send, so a refused
// push never uploads its pack, and an allowed one goes through the gate and
// the backend as usual.
import t from 'tap'
import http from 'node:http'
import { startGitward, makeWorkingCopy } from '../helpers/servers/gitward.js'
import { basicAuth } from '../helpers/http/request.js'

interface ContinueAnswer {
  continued: boolean
  bodySent: boolean
  status: number
  body: string
}

/** POST with Expect: 100-continue; the body is written only on "100 Continue". */
function postExpectingContinue(url: string, token: string, body: string): Promise<ContinueAnswer> {
  const u = new URL(url)
  return new Promise((resolve, reject) => {
    let continued = false
    let bodySent = false
    const req = http.request({
      host: u.hostname,
      port: u.port,
      path: u.pathname,
      method: 'POST',
      agent: false,
      timeout: 30_000,
      headers: {
        Authorization: basicAuth(token),
        'Content-Type': 'application/x-git-receive-pack-request',
        'Content-Length': String(Buffer.byteLength(body)),
        Expect: '100-continue',
      },
    })
    req.on('continue', () => {
      continued = true
      bodySent = true
      req.end(body)
    })
    req.on('response', res => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => {
        resolve({ continued, bodySent, status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') })
        // A final answer before "100 Continue" means the body is not wanted.
        if (!bodySent) req.destroy()
      })
    })
    req.on('timeout', () => req.destroy(new Error('no answer in time')))
    req.on('error', error => {
      if (!bodySent) return // destroyed on purpose after a final answer
      reject(error)
    })
    req.flushHeaders()
  })
}

t.test('Expect: 100-continue', async t => {
  const h = await startGitward(t)
  await h.createProject('acme/app')
  const writer = await h.mint({ project: 'acme/app', role: 'developer' })
  const reader = await h.mint({ project: 'acme/app', role: 'reporter', scopes: ['read_repository'] })
  const wc = await makeWorkingCopy(h, 'wc')
  t.equal((await h.git(['push', h.repoUrl('acme/app', writer.token), 'main'], { cwd: wc })).code, 0)
  const url = `${h.url}/acme/app.git/git-receive-pack`

  await t.test('refused: the final answer comes first and the body is never asked for', async t => {
    const r = await postExpectingContinue(url, reader.token, '0000')
    t.equal(r.continued, false)
    t.equal(r.bodySent, false)
    t.equal(r.status, 403)
    t.match(r.body, /^This token cannot push/)
  })

  await t.test('allowed: 100 Continue, then the backend answers', async t => {
    // A flush packet alone: a push that updates nothing.
    const r = await postExpectingContinue(url, writer.token, '0000')
    t.equal(r.continued, true)
    t.equal(r.status, 200)
  })

  await t.test('the server still serves git afterwards', async t => {
    const r = await h.git(['ls-remote', h.repoUrl('acme/app', writer.token)])
    t.equal(r.code, 0, r.stderr)
    t.match(r.stdout, /refs\/heads\/main/)
  })
})

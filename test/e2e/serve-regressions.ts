// Regressions found in review, each driven against a running gitward.
import t from 'tap'
import http from 'node:http'
import { startGitward, makeWorkingCopy } from '../helpers/servers/gitward.js'

const basic = (token: string) => 'Basic ' + Buffer.from(`git:${token}`).toString('base64')

for (const transport of ['in-process', 'socket'] as const) {
  t.test(`a negotiation body that outgrows its limit while streaming leaves no git process (${transport})`, async t => {
    const h = await startGitward(t, { config: { max_negotiation_bytes: '65536', embedded_transport: transport } })
    await h.createProject('acme/app', 'public')
    const wc = await makeWorkingCopy(h, 'wc')
    const { token } = await h.mint({ project: 'acme/app' })
    t.equal((await h.git(['push', h.repoUrl('acme/app', token), 'main'], { cwd: wc })).code, 0)
    const port = new URL(h.url).port
    for (let round = 0; round < 3; round++) {
      const status = await new Promise<number>((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/acme/app.git/git-upload-pack', headers: { 'content-type': 'application/x-git-upload-pack-request', 'transfer-encoding': 'chunked' } }, res => {
          res.resume()
          resolve(res.statusCode ?? 0)
        })
        req.on('error', () => resolve(-1))
        // git starts (anonymous pull of a public project) and reads the
        // start of a 4,369-byte pkt-line, whose rest it waits for; then the
        // body grows. (A complete request, such as a lone flush packet,
        // would be answered by git at once: it reads as the body streams.)
        req.write('1111')
        setTimeout(() => {
          req.write(Buffer.alloc(100 * 1024, 0x30))
          req.end()
        }, 300)
        void reject
      })
      t.ok(status === 413 || status === -1, `round ${round}: refused (${status})`)
    }
    let left = -1
    for (let i = 0; i < 50; i++) {
      left = h.app.backend?.activeProcesses() ?? 0
      if (left === 0) break
      await new Promise(r => setTimeout(r, 100))
    }
    t.equal(left, 0, 'no git process left running')
    const clone = await h.git(['clone', '-q', h.repoUrl('acme/app'), 'after'])
    t.equal(clone.code, 0, 'the server still serves')
  })
}

t.test('HEAD on info/refs is answered like GET, without a body', async t => {
  const h = await startGitward(t)
  await h.createProject('acme/app')
  const { token } = await h.mint({ project: 'acme/app' })
  const url = `${h.url}/acme/app.git/info/refs?service=git-upload-pack`
  const get = await fetch(url, { headers: { authorization: basic(token) } })
  const head = await fetch(url, { method: 'HEAD', headers: { authorization: basic(token) } })
  t.equal(get.status, 200)
  t.equal(head.status, 200)
  t.equal(head.headers.get('content-type'), get.headers.get('content-type'))
  t.equal((await head.text()), '')
})

t.test('a negotiation body that trickles past negotiation_timeout_ms gets 408 and frees its git process', async t => {
  const h = await startGitward(t, { config: { negotiation_timeout_ms: '1000' } })
  await h.createProject('acme/app', 'public')
  const wc = await makeWorkingCopy(h, 'wc')
  const { token } = await h.mint({ project: 'acme/app' })
  t.equal((await h.git(['push', h.repoUrl('acme/app', token), 'main'], { cwd: wc })).code, 0)
  const port = new URL(h.url).port
  let timer: NodeJS.Timeout | undefined
  const status = await new Promise<number>(resolve => {
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/acme/app.git/git-upload-pack', headers: { 'content-type': 'application/x-git-upload-pack-request', 'transfer-encoding': 'chunked' } }, res => {
      res.resume()
      resolve(res.statusCode ?? 0)
    })
    req.on('error', () => resolve(-1))
    // One byte every 300 ms, bounded: at most 20 bytes. They spell the
    // length of a pkt-line longer than all of them, so git waits for more.
    let sent = 0
    timer = setInterval(() => {
      if (sent++ >= 20) {
        clearInterval(timer)
        return
      }
      req.write('1')
    }, 300)
  })
  clearInterval(timer)
  t.equal(status, 408)
  let left = -1
  for (let i = 0; i < 50; i++) {
    left = h.app.backend?.activeProcesses() ?? 0
    if (left === 0) break
    await new Promise(r => setTimeout(r, 100))
  }
  t.equal(left, 0, 'the git process is stopped')
  t.match(h.logText(), /"decision":"deny:body-time"/)
})

import t from 'tap'
import { startGitward, makeWorkingCopy } from '../helpers/gitward.js'
import { rawRequest, httpBytes, rawExchange } from '../helpers/attack-raw-http.js'
import { basic } from '../helpers/attack-http.js'

t.test('probe', async t => {
  const h = await startGitward(t)
  await h.createProject('acme/app')
  const { token } = await h.mint({ project: 'acme/app' })
  const wc = await makeWorkingCopy(h, 'wc')
  await h.git(['push', h.repoUrl('acme/app', token), 'main'], { cwd: wc })
  const port = h.app.port
  const auth = `Authorization: ${basic(token)}`
  const cases: Array<[string, Buffer | string]> = [
    ['CONNECT', httpBytes(['CONNECT 127.0.0.1:22 HTTP/1.1', 'Host: 127.0.0.1:22'])],
    ['TRACE', httpBytes(['TRACE /acme/app.git/info/refs?service=git-upload-pack HTTP/1.1', 'Host: x', auth])],
    ['OPTIONS*', httpBytes(['OPTIONS * HTTP/1.1', 'Host: x'])],
    ['PROPFIND', httpBytes(['PROPFIND /acme/app.git/ HTTP/1.1', 'Host: x', auth, 'Depth: 1'])],
    ['upgrade', httpBytes(['GET /acme/app.git/info/refs?service=git-upload-pack HTTP/1.1', 'Host: x', auth, 'Connection: Upgrade', 'Upgrade: websocket'])],
    ['dupCL', httpBytes(['POST /acme/app.git/git-upload-pack HTTP/1.1', 'Host: x', auth, 'Content-Type: application/x-git-upload-pack-request', 'Content-Length: 4', 'Content-Length: 5'], '0000x')],
    ['CL+TE', httpBytes(['POST /acme/app.git/git-upload-pack HTTP/1.1', 'Host: x', auth, 'Content-Type: application/x-git-upload-pack-request', 'Content-Length: 4', 'Transfer-Encoding: chunked'], '0\r\n\r\n')],
    ['TE chunked,identity', httpBytes(['POST /acme/app.git/git-upload-pack HTTP/1.1', 'Host: x', auth, 'Content-Type: application/x-git-upload-pack-request', 'Transfer-Encoding: chunked, identity'], '0\r\n\r\n')],
    ['obsfold', httpBytes(['GET /acme/app.git/info/refs?service=git-upload-pack HTTP/1.1', 'Host: x', auth, 'X-Foo: a', ' b'])],
    ['LF only', httpBytes(['GET /acme/app.git/info/refs?service=git-upload-pack HTTP/1.1', 'Host: x', auth], '', '\n')],
    ['trailer', httpBytes(['GET /acme/app.git/info/refs?service=git-upload-pack HTTP/1.1', 'Host: x', auth, 'Trailer: X-Gitward-User'])],
    ['traversal', httpBytes(['GET /acme/../acme/app.git/info/refs?service=git-upload-pack HTTP/1.1', 'Host: x', auth])],
    ['HEAD', httpBytes(['GET /acme/app.git/HEAD HTTP/1.1', 'Host: x', auth])],
    ['HTTP/1.0', httpBytes(['GET /acme/app.git/info/refs?service=git-upload-pack HTTP/1.0', auth])],
    ['HTTP/0.9', 'GET /acme/app.git/info/refs?service=git-upload-pack\r\n'],
    ['big auth', httpBytes(['GET /acme/app.git/info/refs?service=git-upload-pack HTTP/1.1', 'Host: x', 'Authorization: Basic ' + 'A'.repeat(8000)])],
    ['huge auth', httpBytes(['GET /acme/app.git/info/refs?service=git-upload-pack HTTP/1.1', 'Host: x', 'Authorization: Basic ' + 'A'.repeat(20000)])],
  ]
  for (const [name, bytes] of cases) {
    const r = await rawRequest(port, bytes, { timeoutMs: 3000 })
    console.error(name, '=>', r.status, JSON.stringify(r.statusLine), JSON.stringify(r.body.slice(0, 100)), 'closed', r.result.closedByServer, 'n', r.result.responses.length)
  }
})

// Request smuggling: framings that a front and a back server could split
// into different requests. The hidden request in every case is an
// unauthenticated push that deletes acme/app's main branch while claiming
// an identity in X-Gitward-Remote-User — harmless if the gate sees it (401),
// destructive only if it slips past the gate to git. Each ambiguous framing
// must be a 400 (the connection closed, so nothing after it is read), or be
// read as exactly the requests the gate itself saw; either way the branch
// survives.
import t from 'tap'
import { startGitward, makeWorkingCopy } from '../helpers/servers/gitward.js'
import { deleteRefBody, uploadPackBody } from '../helpers/http/git-payloads.js'
import { basicAuth } from '../helpers/http/request.js'
import { rawExchange } from '../helpers/http/raw.js'
import { refsOf, settle, watch } from '../helpers/observe.js'

const h = await startGitward(t, { config: { ban_enabled: 'false' } })
const port = h.app.port
await h.createProject('acme/app')
const writer = await h.mint({ project: 'acme/app', name: 'writer' })
const reader = await h.mint({ project: 'acme/app', scopes: ['read_repository'], role: 'reporter', name: 'reader' })
const wc = await makeWorkingCopy(h, 'wc')
const pushed = await h.git(['push', '-q', h.repoUrl('acme/app', writer.token), 'main'], { cwd: wc })
if (pushed.code !== 0) throw new Error(pushed.stderr)
const sha = (await refsOf(h, 'acme/app')).trim().split(' ')[1] ?? ''

const del = deleteRefBody(sha, 'refs/heads/main')
/** The hidden request: an anonymous ref deletion with a spoofed identity. */
const SMUGGLED = Buffer.concat([
  Buffer.from(
    [
      'POST /acme/app.git/git-receive-pack HTTP/1.1',
      'Host: 127.0.0.1',
      'Content-Type: application/x-git-receive-pack-request',
      'X-Gitward-Remote-User: mallory',
      `Content-Length: ${del.length}`,
      '',
      '',
    ].join('\r\n'),
  ),
  del,
])
const want = uploadPackBody(sha)
const AUTH = `Authorization: ${basicAuth(reader.token)}`
const UPLOAD = ['POST /acme/app.git/git-upload-pack HTTP/1.1', 'Host: 127.0.0.1', 'Content-Type: application/x-git-upload-pack-request', AUTH]
const chunk = (b: Buffer): Buffer => Buffer.concat([Buffer.from(`${b.length.toString(16)}\r\n`), b, Buffer.from('\r\n')])
const head = (lines: readonly string[], eol = '\r\n'): Buffer => Buffer.from(lines.join(eol) + eol + eol, 'latin1')

interface Case {
  name: string
  bytes: Buffer
  /** The first answer; 400 for a refused framing. */
  first: number
  /** Requests the gate may legitimately forward (the outer request, when its framing is unambiguous). */
  forwarded?: number
  /**
   * Node finds this framing error only once it reads the body, after the
   * gate has forwarded the outer (authorized, read-only) request; that one
   * request may reach git before the connection is cut.
   */
  errorInBody?: true
}

const body = Buffer.concat([want, SMUGGLED])
const cases: Case[] = [
  {
    name: 'Content-Length and Transfer-Encoding together',
    bytes: Buffer.concat([head([...UPLOAD, `Content-Length: ${want.length}`, 'Transfer-Encoding: chunked']), chunk(want), Buffer.from('0\r\n\r\n'), SMUGGLED]),
    first: 400,
  },
  {
    name: 'Transfer-Encoding before Content-Length',
    bytes: Buffer.concat([head([...UPLOAD, 'Transfer-Encoding: chunked', `Content-Length: ${body.length}`]), Buffer.from('0\r\n\r\n'), SMUGGLED]),
    first: 400,
  },
  {
    name: 'two different Content-Length headers',
    bytes: Buffer.concat([head([...UPLOAD, `Content-Length: ${want.length}`, `Content-Length: ${body.length}`]), body]),
    first: 400,
  },
  {
    name: 'two equal Content-Length headers',
    bytes: Buffer.concat([head([...UPLOAD, `Content-Length: ${want.length}`, `Content-Length: ${want.length}`]), want, SMUGGLED]),
    first: 400,
  },
  {
    name: 'a Content-Length list in one header',
    bytes: Buffer.concat([head([...UPLOAD, `Content-Length: ${want.length}, ${body.length}`]), body]),
    first: 400,
  },
  {
    name: 'Transfer-Encoding: chunked, identity',
    bytes: Buffer.concat([head([...UPLOAD, 'Transfer-Encoding: chunked, identity']), chunk(want), Buffer.from('0\r\n\r\n'), SMUGGLED]),
    first: 400,
  },
  {
    name: 'Transfer-Encoding: identity (no chunked) with a body',
    errorInBody: true,
    bytes: Buffer.concat([head([...UPLOAD, 'Transfer-Encoding: identity']), want, SMUGGLED]),
    first: 400,
  },
  {
    name: 'Transfer-Encoding: xchunked with Content-Length',
    bytes: Buffer.concat([head([...UPLOAD, 'Transfer-Encoding: xchunked', `Content-Length: ${want.length}`]), want, SMUGGLED]),
    first: 400,
  },
  {
    name: 'two Transfer-Encoding headers',
    bytes: Buffer.concat([head([...UPLOAD, 'Transfer-Encoding: chunked', 'Transfer-Encoding: identity']), chunk(want), Buffer.from('0\r\n\r\n'), SMUGGLED]),
    first: 400,
  },
  {
    name: 'a space before the colon of Transfer-Encoding',
    bytes: Buffer.concat([head([...UPLOAD, 'Transfer-Encoding : chunked', `Content-Length: ${want.length}`]), want, SMUGGLED]),
    first: 400,
  },
  {
    name: 'obs-fold continuing Transfer-Encoding',
    bytes: Buffer.concat([head([...UPLOAD, `Content-Length: ${want.length}`, 'Transfer-Encoding: identity', ' chunked']), want, SMUGGLED]),
    first: 400,
  },
  {
    name: 'obs-fold continuing an ordinary header',
    bytes: Buffer.concat([head([...UPLOAD, 'X-Note: a', '\tb', `Content-Length: ${want.length}`]), want, SMUGGLED]),
    first: 400,
  },
  {
    name: 'LF-only line endings',
    bytes: Buffer.concat([head([...UPLOAD, `Content-Length: ${want.length}`], '\n'), want, SMUGGLED]),
    first: 400,
  },
  {
    name: 'a bare CR inside a header line',
    bytes: Buffer.concat([head([...UPLOAD, `Content-Length: ${want.length}\rTransfer-Encoding: chunked`]), want, SMUGGLED]),
    first: 400,
  },
  {
    name: 'a negative Content-Length',
    bytes: Buffer.concat([head([...UPLOAD, 'Content-Length: -1']), want, SMUGGLED]),
    first: 400,
  },
  {
    name: 'a signed Content-Length',
    bytes: Buffer.concat([head([...UPLOAD, `Content-Length: +${want.length}`]), want, SMUGGLED]),
    first: 400,
  },
  {
    name: 'an oversized chunk size',
    errorInBody: true,
    bytes: Buffer.concat([head([...UPLOAD, 'Transfer-Encoding: chunked']), Buffer.from('fffffffffffffffffff\r\n'), want, SMUGGLED]),
    first: 400,
  },
  {
    name: 'a chunk whose data overruns its size',
    errorInBody: true,
    bytes: Buffer.concat([head([...UPLOAD, 'Transfer-Encoding: chunked']), Buffer.from('4\r\n'), body, Buffer.from('\r\n0\r\n\r\n')]),
    first: 400,
  },
  {
    name: 'a NUL in a header value',
    bytes: Buffer.concat([head([...UPLOAD, 'X-Note: a\u0000b', `Content-Length: ${want.length}`]), want, SMUGGLED]),
    first: 400,
  },
  {
    name: 'a space inside a header name',
    bytes: Buffer.concat([head([...UPLOAD, 'Content Length: 0', `Content-Length: ${body.length}`]), body]),
    first: 400,
  },
  {
    // Unambiguous: the whole thing is one body. The gate forwards one
    // upload-pack request (a read for a reader); git reads a negotiation
    // that ends in garbage; the hidden push is never a request of its own.
    name: 'the hidden request inside a correctly framed body',
    bytes: Buffer.concat([head([...UPLOAD, `Content-Length: ${body.length}`]), body]),
    first: 200,
    forwarded: 1,
  },
  {
    // Unambiguous: the body ends where Content-Length says; what follows is
    // the next pipelined request and goes through the gate like any other.
    name: 'a short Content-Length followed by the hidden request (pipelining)',
    bytes: Buffer.concat([head([...UPLOAD, `Content-Length: ${want.length}`]), want, SMUGGLED]),
    first: 200,
    forwarded: 1,
  },
  {
    name: 'a chunked body followed by the hidden request (pipelining)',
    bytes: Buffer.concat([head([...UPLOAD, 'Transfer-Encoding: chunked']), chunk(want), Buffer.from('0\r\n\r\n'), SMUGGLED]),
    first: 200,
    forwarded: 1,
  },
  {
    name: 'a GET whose body is the hidden request',
    bytes: Buffer.concat([
      head(['GET /acme/app.git/info/refs?service=git-upload-pack HTTP/1.1', 'Host: 127.0.0.1', AUTH, `Content-Length: ${SMUGGLED.length}`]),
      SMUGGLED,
    ]),
    first: 200,
    forwarded: 1,
  },
]

for (const c of cases) {
  t.test(`smuggling: ${c.name}`, async t => {
    const w = await watch(h, ['acme/app'])
    const r = await rawExchange(port, [c.bytes], { expectResponses: 1, graceMs: 400 })
    t.equal(r.responses[0]?.status, c.first, `the first answer is ${c.first}`)
    if (c.first === 400) t.ok(r.closedByServer, 'the connection is closed after a refused framing')
    // Any further answer on this connection came from the gate refusing the
    // hidden request in the open — never a success.
    for (const extra of r.responses.slice(1)) t.equal(extra.status, 401, 'a later request on the connection was seen by the gate and refused')
    const forwarded = await w.forwardedLines()
    if (c.errorInBody === true) t.ok(forwarded.length <= 1, `at most the outer request was forwarded (${forwarded.length})`)
    else t.equal(forwarded.length, c.forwarded ?? 0, `requests forwarded to git: ${c.forwarded ?? 0}`)
    for (const line of forwarded) t.equal(line.service, 'git-upload-pack', 'only the outer upload-pack request was forwarded')
    t.equal(await refsOf(h, 'acme/app'), `refs/heads/main ${sha}\n`, 'main still exists')
  })
}

t.test('the server still serves a clone after every framing above', async t => {
  await settle(h)
  const clone = await h.git(['clone', '-q', h.repoUrl('acme/app', reader.token), 'after-smuggling'])
  t.equal(clone.code, 0, clone.stderr)
})

import t from 'tap'
import { Readable } from 'node:stream'
import { CgiHeadReader, CgiResponseParser, type CgiHead } from '../../src/backend/cgi-response-parser.js'

/** Feed `chunks` to a fresh reader; return the head and the concatenated body. */
function feed(chunks: Buffer[], maxHeaderBytes?: number): { head: CgiHead | undefined; body: Buffer } {
  const reader = new CgiHeadReader(maxHeaderBytes)
  let head: CgiHead | undefined
  const body: Buffer[] = []
  for (const c of chunks) {
    const step = reader.push(c)
    if (step.head) {
      if (head !== undefined) throw new Error('the head was produced twice')
      head = step.head
    }
    if (step.body) body.push(step.body)
  }
  reader.end()
  return { head, body: Buffer.concat(body) }
}

const everySplit = (input: Buffer): Buffer[][] => {
  const out: Buffer[][] = []
  for (let i = 0; i <= input.length; i++) out.push([input.subarray(0, i), input.subarray(i)])
  // and one byte at a time
  out.push([...input].map(b => Buffer.from([b])))
  return out
}

// Body bytes that include CR, LF, blank-line look-alikes and non-UTF-8.
const BINARY = Buffer.from([0x00, 0x0d, 0x0a, 0x0d, 0x0a, 0xff, 0xfe, 0x50, 0x41, 0x43, 0x4b, 0x0a, 0x0a, 0x80])

t.test('same head and body for every way of splitting the input', async t => {
  const cases: Array<[string, string]> = [
    ['CRLF', 'Status: 404 Not Found\r\nContent-Type: text/plain\r\nPragma: no-cache\r\n\r\n'],
    ['LF', 'Status: 404 Not Found\nContent-Type: text/plain\nPragma: no-cache\n\n'],
    ['mixed', 'Status: 404 Not Found\r\nContent-Type: text/plain\nPragma: no-cache\r\n\n'],
  ]
  for (const [name, header] of cases) {
    const input = Buffer.concat([Buffer.from(header, 'latin1'), BINARY])
    for (const chunks of everySplit(input)) {
      const { head, body } = feed(chunks)
      t.same(head, { status: 404, headers: { 'content-type': ['text/plain'], pragma: ['no-cache'] } })
      if (!body.equals(BINARY)) t.fail(`${name}: body differs for split ${chunks.map(c => c.length).join(',')}`)
    }
    t.pass(`${name}: ${input.length + 2} splittings agree`)
  }
})

t.test('status defaults to 200; repeated headers keep every value in order', async t => {
  const input = Buffer.from('Content-Type: application/x-git-upload-pack-result\r\nX-A: 1\r\nx-a:2\r\nX-A:   3  \r\n\r\nPACK')
  for (const chunks of everySplit(input)) {
    const { head, body } = feed(chunks)
    t.same(head, {
      status: 200,
      headers: { 'content-type': ['application/x-git-upload-pack-result'], 'x-a': ['1', '2', '3'] },
    })
    t.equal(body.toString(), 'PACK')
  }
})

t.test('an empty body and a body-less head', async t => {
  const { head, body } = feed([Buffer.from('Status: 204\n\n')])
  t.equal(head?.status, 204)
  t.equal(body.length, 0)
  const only = feed([Buffer.from('\r\n'), Buffer.from('x')])
  t.same(only.head, { status: 200, headers: {} })
  t.equal(only.body.toString(), 'x')
})

t.test('body chunks after the head are passed on untouched, not copied', async t => {
  const reader = new CgiHeadReader()
  reader.push(Buffer.from('Status: 200 OK\n\n'))
  const chunk = Buffer.alloc(1 << 20, 7)
  t.equal(reader.push(chunk).body, chunk, 'the same Buffer object')
})

t.test('malformed heads are errors, never guessed at', async t => {
  const table: Array<[string, RegExp]> = [
    ['no colon\n\n', /without a name/],
    [': empty name\n\n', /without a name/],
    ['Bad Name: x\n\n', /invalid header name/],
    ['X: a\rb\n\n', /control character/],
    ['X: a\u0000b\n\n', /control character/],
    ['Status: abc\n\n', /Status/],
    ['Status: 99 Low\n\n', /Status/],
    ['Status: 100 Continue\n\n', /Status/],
    ['Status: 600 High\n\n', /Status/],
    ['Status: 2000\n\n', /Status/],
  ]
  for (const [input, message] of table) {
    t.throws(() => feed([Buffer.from(input, 'latin1')]), { code: 'UPSTREAM_FAILED', message }, JSON.stringify(input))
  }
  t.throws(() => feed([Buffer.from('Content-Type: text/plain\r\n')]), { code: 'UPSTREAM_FAILED', message: /ended before/ })
  t.throws(() => feed([]), { code: 'UPSTREAM_FAILED', message: /ended before/ })
})

t.test('the header block is bounded', async t => {
  const big = Buffer.from(`X-Big: ${'a'.repeat(100)}\n`)
  // Exactly at the limit (including the blank line) is fine.
  const atLimit = Buffer.concat([big, Buffer.from('\n')])
  t.equal(feed([atLimit], atLimit.length).head?.status, 200)
  t.throws(() => feed([atLimit], atLimit.length - 1), { code: 'UPSTREAM_FAILED', message: /more than/ })
  // A header line without any newline is refused as soon as it is too long,
  // even when it arrives a byte at a time.
  const reader = new CgiHeadReader(1024)
  t.throws(() => {
    for (let i = 0; i < 2048; i++) reader.push(Buffer.from('a'))
  }, { code: 'UPSTREAM_FAILED' })
  // The body is not counted.
  t.equal(feed([Buffer.from('\n'), Buffer.alloc(4096)], 16).body.length, 4096)
})

t.test('the stream form emits head before the body and errors on a short head', async t => {
  const input = Buffer.concat([Buffer.from('Status: 403 Forbidden\r\nContent-Type: text/plain\r\n\r\n'), BINARY])
  const parser = new CgiResponseParser()
  const events: string[] = []
  let head: CgiHead | undefined
  parser.on('head', (h: CgiHead) => {
    events.push('head')
    head = h
  })
  const body: Buffer[] = []
  parser.on('data', (c: Buffer) => {
    events.push('data')
    body.push(c)
  })
  const done = new Promise<void>((resolve, reject) => {
    parser.on('end', resolve)
    parser.on('error', reject)
  })
  Readable.from([...input].map(b => Buffer.from([b]))).pipe(parser)
  await done
  t.equal(events[0], 'head')
  t.same(head, { status: 403, headers: { 'content-type': ['text/plain'] } })
  t.ok(Buffer.concat(body).equals(BINARY))

  const short = new CgiResponseParser()
  short.resume()
  const err = await new Promise<unknown>(resolve => {
    short.on('error', resolve)
    short.end(Buffer.from('Content-Type: text/plain\r\n'))
  })
  t.match(err, { code: 'UPSTREAM_FAILED' })

  const oversize = new CgiResponseParser({ maxHeaderBytes: 10 })
  oversize.resume()
  const err2 = await new Promise<unknown>(resolve => {
    oversize.on('error', resolve)
    oversize.write(Buffer.from('X-Long-Header: value\n\n'))
  })
  t.match(err2, { code: 'UPSTREAM_FAILED', message: /more than 10 bytes/ })
})

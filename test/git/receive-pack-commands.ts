// The command list at the head of a receive-pack body: read the same way
// whatever the chunking, never past the flush-pkt, and every malformed or
// ambiguous body refused rather than guessed at.
import t from 'tap'
import { FLUSH_PKT, pktLine } from '../../src/git/pkt-line.js'
import { ReceivePackCommandParser, isZeroId, parseCommandList, type ParseProgress } from '../../src/git/receive-pack-commands.js'

const Z = '0'.repeat(40)
const A = 'a'.repeat(40)
const B = 'b'.repeat(40)
const C = 'c'.repeat(40)
const S256 = 'd'.repeat(64)
const CAPS = 'report-status side-band-64k agent=git/2.39.5'

const body = (...parts: Array<string | Buffer>): Buffer =>
  Buffer.concat(parts.map(p => (typeof p === 'string' ? pktLine(p) : p)))

const PACK = Buffer.concat([Buffer.from('PACK\0\0\0\x02\0\0\0\x01', 'latin1'), Buffer.alloc(64, 0x30)])

const typical = body(`${A} ${B} refs/heads/main\0${CAPS}\n`, `${Z} ${C} refs/tags/v1.0\n`, `${C} ${Z} refs/heads/old\n`, FLUSH_PKT, PACK)
const expected = {
  state: 'done',
  commands: [
    { oldId: A, newId: B, ref: 'refs/heads/main' },
    { oldId: Z, newId: C, ref: 'refs/tags/v1.0' },
    { oldId: C, newId: Z, ref: 'refs/heads/old' },
  ],
  capabilities: ['report-status', 'side-band-64k', 'agent=git/2.39.5'],
}

/** Feed `data` in the given chunks; the first answer that is not `more`. */
function feed(chunks: Buffer[]): ParseProgress {
  const parser = new ReceivePackCommandParser()
  for (const chunk of chunks) {
    const p = parser.push(chunk)
    if (p.state !== 'more') return p
  }
  return parser.end()
}

t.test('a typical push, whole', async t => {
  t.same(parseCommandList(typical), expected)
})

t.test('the same answer when the body is split at every byte', async t => {
  for (let i = 0; i <= typical.length; i++) {
    const got = feed([typical.subarray(0, i), typical.subarray(i)])
    t.same(got, expected, `split at ${i}`)
  }
})

t.test('one byte at a time, and it stops reading at the flush-pkt', async t => {
  const parser = new ReceivePackCommandParser()
  let doneAt = -1
  for (let i = 0; i < typical.length; i++) {
    const p = parser.push(typical.subarray(i, i + 1))
    if (p.state === 'done') {
      doneAt = i
      break
    }
    t.equal(p.state, 'more')
  }
  t.equal(doneAt, typical.length - PACK.length - 1, 'done on the last byte of the flush-pkt')
})

t.test('forms git sends', async t => {
  t.match(parseCommandList(body(`${A} ${B} refs/heads/main\0 report-status`, FLUSH_PKT)), {
    state: 'done', commands: [{ ref: 'refs/heads/main' }], capabilities: ['report-status'],
  }, 'no trailing LF')
  t.match(parseCommandList(body(`shallow ${C}\n`, `${A} ${B} refs/heads/main\0${CAPS}\n`, FLUSH_PKT)), {
    state: 'done', commands: [{ ref: 'refs/heads/main' }],
  }, 'shallow lines first')
  t.match(parseCommandList(body(`${'0'.repeat(64)} ${S256} refs/heads/main\0${CAPS}\n`, FLUSH_PKT)), {
    state: 'done', commands: [{ newId: S256 }],
  }, 'SHA-256 ids')
  t.match(parseCommandList(body(`${A} ${B} refs/heads/main\0${CAPS}\n`, FLUSH_PKT, 'push-option\n')), { state: 'done' })
  t.match(parseCommandList(FLUSH_PKT), { state: 'done', commands: [], capabilities: [] }, 'an empty list')
  t.match(parseCommandList(Buffer.from(`00${(8 + 82 + 16).toString(16)}`, 'ascii')), { state: 'error' }, 'cut off')
  t.ok(isZeroId(Z) && isZeroId('0'.repeat(64)) && !isZeroId(A))
})

t.test('malformed or ambiguous bodies are refused', async t => {
  const cases: Array<[string, Buffer, RegExp]> = [
    ['not pkt-lines', Buffer.from('GET / HTTP/1.1\r\n'), /pkt-lines/],
    ['a pkt-line length of 1', Buffer.from('0001'), /malformed pkt-line/],
    ['a pkt-line length of 3', Buffer.from('0003'), /malformed pkt-line/],
    ['no capability list', body(`${A} ${B} refs/heads/main\n`, FLUSH_PKT), /capability/],
    ['a second NUL', body(`${A} ${B} refs/heads/main\0${CAPS}\n`, `${A} ${B} refs/heads/x\0more\n`, FLUSH_PKT), /malformed command/],
    ['two spaces', body(`${A}  ${B} refs/heads/main\0${CAPS}\n`, FLUSH_PKT), /malformed/],
    ['a fourth field', body(`${A} ${B} refs/heads/main extra\0${CAPS}\n`, FLUSH_PKT), /malformed command/],
    ['a short id', body(`${A.slice(1)} ${B} refs/heads/main\0${CAPS}\n`, FLUSH_PKT), /object id/],
    ['upper-case hex', body(`${A.toUpperCase()} ${B} refs/heads/main\0${CAPS}\n`, FLUSH_PKT), /object id/],
    ['mixed id lengths', body(`${A} ${S256} refs/heads/main\0${CAPS}\n`, FLUSH_PKT), /object id/],
    ['a ref outside refs/', body(`${A} ${B} HEAD\0${CAPS}\n`, FLUSH_PKT), /ref name/],
    ['a control character in the ref', body(`${A} ${B} refs/heads/a\rb\0${CAPS}\n`, FLUSH_PKT), /ref name/],
    ['a CR LF ending', body(`${A} ${B} refs/heads/main\r\n`, FLUSH_PKT), /capability|ref name/],
    ['a push certificate', body(`push-cert\0${CAPS}\n`, 'certificate version 0.1\n'), /push certificates/],
    ['a bad shallow line', body('shallow xyz\n', FLUSH_PKT), /shallow/],
    ['ends before the flush', body(`${A} ${B} refs/heads/main\0${CAPS}\n`), /ended before/],
  ]
  for (const [name, data, message] of cases) {
    t.match(parseCommandList(data), { state: 'error', message }, name)
  }
})

t.test('the command section is bounded', async t => {
  const parser = new ReceivePackCommandParser(300)
  const lines = [pktLine(`${A} ${B} refs/heads/b0\0${CAPS}\n`)]
  for (let i = 1; i < 10; i++) lines.push(pktLine(`${A} ${B} refs/heads/b${i}\n`))
  t.match(parser.push(Buffer.concat(lines)), { state: 'error', message: /too many refs/ })
  t.match(parser.push(FLUSH_PKT), { state: 'error' }, 'stays refused')
})

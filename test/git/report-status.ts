// The report a refused push is answered with, read back the way git's
// send-pack reads it: band 2 lines become "remote: …", band 1 carries the
// report-status pkt-lines, a flush ends the stream.
import t from 'tap'
import { encodeRejectionReport, reportModeOf } from '../../src/git/report-status.js'

/** Split pkt-lines; null for a flush-pkt. */
function pkts(data: Buffer): Array<Buffer | null> {
  const out: Array<Buffer | null> = []
  let at = 0
  while (at < data.length) {
    const n = parseInt(data.subarray(at, at + 4).toString('ascii'), 16)
    if (n === 0) {
      out.push(null)
      at += 4
      continue
    }
    out.push(data.subarray(at + 4, at + n))
    at += n
  }
  return out
}

function demux(data: Buffer): { band1: Buffer; band2: string; endsWithFlush: boolean } {
  const lines = pkts(data)
  const b1: Buffer[] = []
  let band2 = ''
  for (const line of lines.slice(0, -1)) {
    if (line === null) throw new Error('flush inside the side-band stream')
    if (line[0] === 1) b1.push(line.subarray(1))
    else if (line[0] === 2) band2 += line.subarray(1).toString('utf8')
    else throw new Error(`unexpected band ${line[0]}`)
    if (line.length + 4 > 65520) throw new Error('packet too long')
  }
  return { band1: Buffer.concat(b1), band2, endsWithFlush: lines[lines.length - 1] === null }
}

const rejections = [
  { ref: 'refs/heads/main', reason: 'protected branch: push not allowed' },
  { ref: 'refs/heads/dev', reason: 'push refused as a whole: another ref was refused' },
]
const REPORT = [
  'unpack ok\n',
  'ng refs/heads/main protected branch: push not allowed\n',
  'ng refs/heads/dev push refused as a whole: another ref was refused\n',
  null,
]

t.test('plain report-status', async t => {
  const out = encodeRejectionReport({ rejections, messages: ['ignored without side-band'], mode: 'plain' })
  t.same(pkts(out).map(p => p?.toString('utf8') ?? null), REPORT)
})

for (const mode of ['side-band-64k', 'side-band'] as const) {
  t.test(`${mode}: messages in band 2, the report in band 1, then a flush`, async t => {
    const out = encodeRejectionReport({ rejections, messages: ['gitward: You are not allowed.\nsecond line'], mode })
    const { band1, band2, endsWithFlush } = demux(out)
    t.equal(band2, 'gitward: You are not allowed. second line\n', 'one line per message, no embedded newline')
    t.same(pkts(band1).map(p => p?.toString('utf8') ?? null), REPORT)
    t.ok(endsWithFlush)
  })
}

t.test('a report larger than one side-band packet is split', async t => {
  const many = Array.from({ length: 2000 }, (_, i) => ({ ref: `refs/heads/branch-${i}`, reason: 'protected branch: push not allowed' }))
  for (const mode of ['side-band-64k', 'side-band'] as const) {
    const { band1 } = demux(encodeRejectionReport({ rejections: many, messages: [], mode }))
    const lines = pkts(band1)
    t.equal(lines.length, 2002, `${mode}: every status line arrives`)
  }
})

t.test('a newline in a reason cannot forge a status line', async t => {
  const out = encodeRejectionReport({ rejections: [{ ref: 'refs/heads/x', reason: 'bad\nok refs/heads/main' }], messages: [], mode: 'plain' })
  t.same(pkts(out).map(p => p?.toString('utf8') ?? null), ['unpack ok\n', 'ng refs/heads/x bad ok refs/heads/main\n', null])
})

t.test('capabilities', async t => {
  t.same(reportModeOf(['report-status', 'side-band-64k']), { mode: 'side-band-64k', reportStatus: true })
  t.same(reportModeOf(['report-status-v2', 'side-band']), { mode: 'side-band', reportStatus: true })
  t.same(reportModeOf(['side-band-64k', 'side-band']), { mode: 'side-band-64k', reportStatus: false })
  t.same(reportModeOf([]), { mode: 'plain', reportStatus: false })
})

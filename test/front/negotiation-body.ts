// The negotiation body as the upstream receives it: the limit counts the
// bytes git will read (inflated), never the bytes on the wire.
import t from 'tap'
import { PassThrough, Readable } from 'node:stream'
import zlib from 'node:zlib'
import { negotiationBody, plainBodyHeaders, type NegotiationRefusal } from '../../src/front/negotiation-body.js'

async function drain(body: Readable): Promise<{ data: Buffer; error?: string }> {
  const chunks: Buffer[] = []
  return new Promise(resolve => {
    body.on('data', (c: Buffer) => chunks.push(c))
    body.on('end', () => resolve({ data: Buffer.concat(chunks) }))
    body.on('error', e => resolve({ data: Buffer.concat(chunks), error: e.message }))
  })
}

const haves = (n: number): Buffer => Buffer.from('0032have 0123456789012345678901234567890123456789\n'.repeat(n))

t.test('a gzip body is inflated and forwarded plain', async t => {
  const plain = haves(100)
  const refused: NegotiationRefusal[] = []
  const body = negotiationBody(Readable.from([zlib.gzipSync(plain)]), { limit: 64 * 1024, timeoutMs: 10_000, gzip: true, onRefused: w => refused.push(w) })
  const out = await drain(body)
  t.same(out.data, plain)
  t.same(refused, [])
})

t.test('a small gzip body that inflates past the limit is refused for size', async t => {
  const plain = haves(10_000) // 500 KB of haves
  const wire = zlib.gzipSync(plain)
  t.ok(wire.length < 16 * 1024, `${wire.length} bytes on the wire`)
  const refused: NegotiationRefusal[] = []
  const out = await drain(negotiationBody(Readable.from([wire]), { limit: 64 * 1024, timeoutMs: 10_000, gzip: true, onRefused: w => refused.push(w) }))
  t.same(refused, ['size'])
  t.ok(out.error !== undefined, 'the stream errors')
  t.ok(out.data.length <= 64 * 1024, `no more than the limit was forwarded (${out.data.length})`)
})

t.test('a gzip bomb is stopped at the limit: neither inflated nor read to its end', async t => {
  // 8 GiB of zeros in 1 MiB deflate segments; no trailer is ever reached.
  const segment = zlib.deflateRawSync(Buffer.alloc(1 << 20), { level: 9, finishFlush: zlib.constants.Z_FULL_FLUSH })
  let pulled = 0
  const total = 8192
  const source = Readable.from(
    (function* () {
      yield Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3])
      for (let i = 0; i < total; i++) {
        pulled++
        yield segment
      }
    })(),
    { objectMode: false },
  )
  const refused: NegotiationRefusal[] = []
  const out = await drain(negotiationBody(source, { limit: 1024 * 1024, timeoutMs: 10_000, gzip: true, onRefused: w => refused.push(w) }))
  t.same(refused, ['size'])
  t.ok(out.data.length <= 1024 * 1024, `no more than the limit was forwarded (${out.data.length})`)
  t.ok(pulled < total / 8, `reading stopped early (${pulled} of ${total} segments)`)
})

t.test('a body that is not gzip is refused as such', async t => {
  const refused: NegotiationRefusal[] = []
  const out = await drain(negotiationBody(Readable.from([haves(10)]), { limit: 64 * 1024, timeoutMs: 10_000, gzip: true, onRefused: w => refused.push(w) }))
  t.same(refused, ['gzip'])
  t.ok(out.error !== undefined)
})

t.test('a plain body is counted as before', async t => {
  const refused: NegotiationRefusal[] = []
  const ok = await drain(negotiationBody(Readable.from([haves(10)]), { limit: 64 * 1024, timeoutMs: 10_000, gzip: false, onRefused: w => refused.push(w) }))
  t.same(ok.data, haves(10))
  const big = await drain(negotiationBody(Readable.from([haves(2000)]), { limit: 64 * 1024, timeoutMs: 10_000, gzip: false, onRefused: w => refused.push(w) }))
  t.ok(big.error !== undefined)
  t.same(refused, ['size'])
})

t.test('a body that never ends is refused for time', async t => {
  // limitBody's timer does not hold the process open; this does, meanwhile.
  const hold = setTimeout(() => {}, 5000)
  t.teardown(() => clearTimeout(hold))
  const refused: NegotiationRefusal[] = []
  const source = new PassThrough()
  source.write(zlib.gzipSync(haves(1)).subarray(0, 10))
  const out = await drain(negotiationBody(source, { limit: 64 * 1024, timeoutMs: 50, gzip: true, onRefused: w => refused.push(w) }))
  t.same(refused, ['time'])
  t.ok(out.error !== undefined)
})

t.test('headers for the inflated body: no encoding, no length, chunked', async t => {
  const out = plainBodyHeaders({ 'content-encoding': 'gzip', 'content-length': '123', 'content-type': 'application/x-git-upload-pack-request', 'git-protocol': 'version=2' })
  t.same({ ...out }, { 'content-type': 'application/x-git-upload-pack-request', 'git-protocol': 'version=2', 'transfer-encoding': 'chunked' })
})

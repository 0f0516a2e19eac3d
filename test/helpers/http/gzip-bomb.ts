// A gzip bomb built without compressing gigabytes: one deflate segment of
// 1 MiB of zeros, ended with a full flush (which resets the dictionary, so
// the segment is self-contained), repeated as often as needed between a gzip
// header and a correct trailer. 2 GiB of zeros come to about 2 MiB on the
// wire — well under the negotiation body limit, so the bomb reaches whatever
// inflates it.
import { Readable } from 'node:stream'
import zlib from 'node:zlib'

const MiB = 1 << 20
const HEADER = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3])

export interface GzipBomb {
  /** Size on the wire. */
  compressedBytes: number
  /** Size once inflated. */
  inflatedBytes: number
  /** A fresh stream of the bomb's bytes. */
  stream(): Readable
}

export function gzipBombOfZeros(mebibytes: number): GzipBomb {
  const zeros = Buffer.alloc(MiB)
  const segment = zlib.deflateRawSync(zeros, { level: 9, finishFlush: zlib.constants.Z_FULL_FLUSH })
  const last = zlib.deflateRawSync(Buffer.alloc(0))
  let crc = 0
  for (let i = 0; i < mebibytes; i++) crc = zlib.crc32(zeros, crc)
  const trailer = Buffer.alloc(8)
  trailer.writeUInt32LE(crc >>> 0, 0)
  trailer.writeUInt32LE((mebibytes * MiB) >>> 0, 4)
  return {
    compressedBytes: HEADER.length + segment.length * mebibytes + last.length + trailer.length,
    inflatedBytes: mebibytes * MiB,
    stream: () =>
      Readable.from(
        (function* () {
          yield HEADER
          // 64 segments per chunk keeps the writes few and the memory small.
          for (let i = 0; i < mebibytes; i += 64) yield Buffer.concat(Array(Math.min(64, mebibytes - i)).fill(segment) as Buffer[])
          yield Buffer.concat([last, trailer])
        })(),
      ),
  }
}

// A seeded, deterministic source of bytes and numbers for the benchmark's
// generated repositories. It is the AES-128-CTR keystream of a key derived
// from the seed: fast enough to fill a gigabyte in seconds, and the same seed
// gives the same repositories on every machine and every run, so results are
// comparable and the fixtures can be cached.
import { createCipheriv, createHash } from 'node:crypto'

const CHUNK = 64 * 1024

export function createPrng(seed) {
  const key = createHash('sha256').update(`gitward-bench:${seed}`).digest().subarray(0, 16)
  const cipher = createCipheriv('aes-128-ctr', key, Buffer.alloc(16))
  const zeros = Buffer.alloc(CHUNK)
  let pool = Buffer.alloc(0)
  let at = 0

  const refill = () => {
    pool = cipher.update(zeros)
    at = 0
  }

  /** The next `n` bytes of the stream, in a fresh Buffer. */
  function bytes(n) {
    const out = Buffer.allocUnsafe(n)
    let filled = 0
    // Whole chunks straight from the cipher; the pool serves the small calls.
    while (n - filled >= CHUNK && at === pool.length) {
      cipher.update(zeros).copy(out, filled)
      filled += CHUNK
    }
    while (filled < n) {
      if (at === pool.length) refill()
      const take = Math.min(n - filled, pool.length - at)
      pool.copy(out, filled, at, at + take)
      at += take
      filled += take
    }
    return out
  }

  function u32() {
    if (pool.length - at < 4) refill()
    const v = pool.readUInt32LE(at)
    at += 4
    return v
  }

  /** A whole number in [0, n) (n ≤ 2^32; the bias is below 2^-20 for n < 4096). */
  const int = n => Math.floor((u32() / 0x1_0000_0000) * n)
  /** A whole number in [lo, hi]. */
  const between = (lo, hi) => lo + int(hi - lo + 1)
  const chance = p => u32() / 0x1_0000_0000 < p
  const pick = list => list[int(list.length)]

  return { bytes, u32, int, between, chance, pick }
}

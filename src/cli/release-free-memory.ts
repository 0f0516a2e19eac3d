// Hands the C heap's free pages back to the kernel once `serve` is up
// (src/native/malloc-trim.c). Start-up compiles every module gitward runs;
// what V8's compiler and the loaders allocate with malloc for that is freed
// again, but glibc keeps the freed pages in its arenas, and an idle gate
// never allocates enough to reuse them. Measured one second after start
// (docs/performance.md): 58.6–62.4 MiB resident without the trim, in two
// clusters about 3 MiB apart; 58.0–59.8 MiB with it.
import { createRequire } from 'node:module'

/** What a release did: memory given back, nothing to give, or not possible here (and why). */
export type ReleaseResult = { kind: 'released' } | { kind: 'nothing-free' } | { kind: 'unavailable'; reason: string }

interface NativeTrim {
  trim(): boolean | null
}

/** The addon, or why it is not there. */
function loadTrim(): NativeTrim | string {
  if (process.platform !== 'linux') return `malloc_trim is glibc's (this is ${process.platform})`
  try {
    // dist/cli/ -> package root
    const loaded = createRequire(import.meta.url)('../../src/native/build/Release/malloc_trim.node') as Partial<NativeTrim>
    return typeof loaded.trim === 'function' ? (loaded as NativeTrim) : 'the malloc_trim addon has no trim function'
  } catch (err) {
    return `the malloc_trim addon did not load (${(err as Error).message.split('\n')[0]})`
  }
}

/** `serve` calls it once, so nothing is kept between calls. */
export function releaseFreeMemory(): ReleaseResult {
  const trim = loadTrim()
  if (typeof trim === 'string') return { kind: 'unavailable', reason: trim }
  const released = trim.trim()
  if (released === null) return { kind: 'unavailable', reason: 'this C library has no malloc_trim' }
  return released ? { kind: 'released' } : { kind: 'nothing-free' }
}

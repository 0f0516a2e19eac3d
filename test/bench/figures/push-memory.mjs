// Figure 7: resident memory of a freshly started gitward: at rest, then its
// peak during a full clone of the large repository, then its peak during a
// 1 GiB push (incompressible data). gitward must stream packs, never hold
// them: its peak should stay far below the pack size. The peak is the
// kernel's own high-water mark (VmHWM), read after each operation, so a
// spike between two samples is not missed; VmRSS is sampled too.
// The client stores and sends the push uncompressed (pack.compression=0,
// core.compression=0, pack.window=0) so that its zlib and delta search do
// not eat the CPU the servers need.
import { join } from 'node:path'
import { readMemory, watchMemory } from '../rss-probe.mjs'
import { median } from '../stats.mjs'
import { timedClone } from '../targets.mjs'
import { timedPush } from './push-large.mjs'

export const LOW_CPU_PUSH = { 'pack.compression': '0', 'core.compression': '0', 'pack.window': '0' }

const MiB = kib => (kib === null || kib === undefined ? null : kib / 1024)
const sleep = ms => new Promise(r => setTimeout(r, ms))

/** Idle RSS, then clone and push through `t` while sampling `pid`'s memory (MiB). */
export async function measureMemory(ctx, t, pid, bytes) {
  await sleep(1000) // let start-up garbage settle
  const idle = readMemory(pid)
  const cloneWatch = watchMemory(pid, 50)
  let clone
  const cloneMs = await timedClone(ctx, t, ctx.fixtures.served.large, join(ctx.runDir, 'clones', 'memory'), ['--no-checkout']).finally(() => {
    clone = cloneWatch.stop()
  })
  const pushWatch = watchMemory(pid, 50)
  let push
  const pushMs = await timedPush(ctx, t, ctx.fixtures.sources.huge, LOW_CPU_PUSH).finally(() => {
    push = pushWatch.stop()
  })
  await sleep(1000)
  const after = readMemory(pid)
  return {
    label: t.label,
    idleRssMiB: MiB(idle?.rssKiB),
    clone: { seconds: cloneMs / 1000, hwmMiB: MiB(clone.hwmKiB), peakSampledRssMiB: MiB(clone.peakSampledRssKiB) },
    push: {
      seconds: pushMs / 1000,
      throughputMBps: bytes / 1e6 / (pushMs / 1000),
      hwmMiB: MiB(push.hwmKiB),
      peakSampledRssMiB: MiB(push.peakSampledRssKiB),
    },
    afterRssMiB: MiB(after?.rssKiB),
  }
}

/**
 * Idle RSS of `count` fresh processes, each read one second after it says it
 * is listening: one process is one sample of a spread (about ±1.5 MiB here,
 * depending on what the start-up left in V8's and malloc's free lists), so
 * the figure is their median and the report shows the range. The last one
 * is read again after `settleMs`, once V8's memory reducer (which starts
 * about 8 s after the last allocation burst) has given pages back: what an
 * administrator sees of a server that has been idle for a while.
 */
export async function measureIdle({ start, count, settleMs }) {
  const samples = []
  let settled = null
  for (let i = 0; i < count; i++) {
    const server = await start(i)
    try {
      await sleep(1000)
      samples.push(MiB(readMemory(server.pid)?.rssKiB))
      if (i === count - 1) {
        await sleep(settleMs - 1000)
        settled = MiB(readMemory(server.pid)?.rssKiB)
      }
    } finally {
      await server.stop()
    }
  }
  const read = samples.filter(x => x !== null)
  return {
    samples,
    medianMiB: median(read),
    minMiB: read.length === 0 ? null : Math.min(...read),
    maxMiB: read.length === 0 ? null : Math.max(...read),
    settledMiB: settled,
    settleSeconds: settleMs / 1000,
  }
}

// Figure 7: peak resident memory of a freshly started server process while a
// 1 GiB push (incompressible data) streams through it. gitward must stream
// the pack, never hold it: its peak should stay far below the pack size.
// The client stores and sends the data uncompressed (pack.compression=0,
// core.compression=0, pack.window=0) so that the client's zlib and delta
// search do not eat the CPU the servers need.
import { watchMemory } from '../rss-probe.mjs'
import { timedPush } from './push-large.mjs'

export const LOW_CPU_PUSH = { 'pack.compression': '0', 'core.compression': '0', 'pack.window': '0' }

/** Push the huge source through `t` while sampling `pid`'s memory. */
export async function measurePushMemory(ctx, t, pid, bytes) {
  let mem
  const watch = watchMemory(pid, 50)
  const ms = await timedPush(ctx, t, ctx.fixtures.sources.huge, LOW_CPU_PUSH).finally(() => {
    mem = watch.stop()
  })
  return {
    label: t.label,
    pushSeconds: ms / 1000,
    throughputMBps: bytes / 1e6 / (ms / 1000),
    idleRssMB: (mem.startRssKiB * 1024) / 1e6,
    peakSampledRssMB: (mem.peakSampledRssKiB * 1024) / 1e6,
    hwmMB: (mem.hwmKiB * 1024) / 1e6,
    samples: mem.samples,
  }
}

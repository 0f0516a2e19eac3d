// Watches a process's memory through /proc/<pid>/status: VmRSS (resident
// now), sampled on an interval, and VmHWM (the kernel's own high-water mark of
// resident memory, so a peak between two samples is not missed).
import { readFileSync } from 'node:fs'

export function readMemory(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8')
    const kb = name => {
      const m = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)
      return m === null ? null : Number(m[1])
    }
    return { rssKiB: kb('VmRSS'), hwmKiB: kb('VmHWM') }
  } catch {
    return null
  }
}

export function watchMemory(pid, intervalMs = 50) {
  const start = readMemory(pid)
  let peakRssKiB = start?.rssKiB ?? 0
  let samples = 0
  const timer = setInterval(() => {
    const m = readMemory(pid)
    if (m === null) return
    samples++
    if (m.rssKiB !== null && m.rssKiB > peakRssKiB) peakRssKiB = m.rssKiB
  }, intervalMs)
  return {
    stop() {
      clearInterval(timer)
      const end = readMemory(pid)
      return {
        startRssKiB: start?.rssKiB ?? null,
        startHwmKiB: start?.hwmKiB ?? null,
        peakSampledRssKiB: Math.max(peakRssKiB, end?.rssKiB ?? 0),
        hwmKiB: end?.hwmKiB ?? null,
        samples,
      }
    },
  }
}

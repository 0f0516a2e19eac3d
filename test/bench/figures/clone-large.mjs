// Figure 1: wall time of a full clone (all history) of the large repository.
// --no-checkout: writing the work tree is the client's local work and the
// same whoever serves the pack; leaving it out makes the ratio stricter.
import { join } from 'node:path'
import { cpuDelta, processCpu } from '../process-cpu.mjs'
import { median, pairedRatio, rotate } from '../stats.mjs'
import { timedClone } from '../targets.mjs'

const sleep = ms => new Promise(r => setTimeout(r, ms))

/**
 * Run `op` (which resolves ms) and, for a single-process server, the CPU its
 * process and its reaped children used meanwhile. The short pause lets the
 * server reap its git processes; it is outside the timed part.
 */
export async function withServerCpu(t, op) {
  const before = t.pid === undefined ? null : processCpu(t.pid)
  const ms = await op()
  if (before === null) return { ms, cpu: null }
  await sleep(300)
  return { ms, cpu: cpuDelta(before, processCpu(t.pid)) }
}

/** Median CPU seconds per operation, for the variants that have them. */
export function cpuSummary(cpu) {
  const out = {}
  for (const [label, list] of Object.entries(cpu)) {
    if (list.length === 0 || list.some(c => c === null)) continue
    out[label] = { self: median(list.map(c => c.self)), children: median(list.map(c => c.children)), samples: list }
  }
  return out
}

export async function cloneLargeFigure(ctx, targets) {
  const project = ctx.fixtures.served.large
  const dest = join(ctx.runDir, 'clones', 'large')
  // One untimed clone first, so every variant reads the pack from the page cache.
  ctx.log('  warm-up clone (untimed)')
  await timedClone(ctx, targets[0], project, dest, ['--no-checkout'])
  const samples = Object.fromEntries(targets.map(t => [t.label, []]))
  const cpu = Object.fromEntries(targets.map(t => [t.label, []]))
  for (let r = 0; r < ctx.options.rounds; r++) {
    for (const t of rotate(targets, r)) {
      const { ms, cpu: used } = await withServerCpu(t, () => timedClone(ctx, t, project, dest, ['--no-checkout']))
      samples[t.label].push(ms / 1000)
      if (used !== null) cpu[t.label].push(used)
      const cpuText = used === null ? '' : ` (server CPU: node ${used.self.toFixed(2)} s, git ${used.children.toFixed(2)} s)`
      ctx.log(`  round ${r + 1}: ${t.label} ${(ms / 1000).toFixed(2)} s${cpuText}`)
    }
  }
  return { ...summarize(samples, 's'), serverCpuSeconds: cpuSummary(cpu) }
}

/**
 * Medians per variant, plus paired ratios: every variant against nginx
 * (nginx + fcgiwrap without authentication, the baseline of every target)
 * and against direct (the embedded backend without the gate) where both ran.
 */
export function summarize(samples, unit) {
  const out = { unit, samples, median: {}, ratio: {}, vsDirect: {} }
  for (const [label, values] of Object.entries(samples)) out.median[label] = median(values)
  for (const label of Object.keys(samples)) {
    if (label !== 'nginx' && samples.nginx) out.ratio[label] = pairedRatio(samples[label], samples.nginx)
    if (label !== 'direct' && samples.direct) out.vsDirect[label] = pairedRatio(samples[label], samples.direct)
  }
  return out
}

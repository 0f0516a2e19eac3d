// Figure 1: wall time of a full clone (all history) of the large repository.
// --no-checkout: writing the work tree is the client's local work and the
// same whoever serves the pack; leaving it out makes the ratio stricter.
import { join } from 'node:path'
import { median, pairedRatio, rotate } from '../stats.mjs'
import { timedClone } from '../targets.mjs'

export async function cloneLargeFigure(ctx, targets) {
  const project = ctx.fixtures.served.large
  const dest = join(ctx.runDir, 'clones', 'large')
  // One untimed clone first, so every variant reads the pack from the page cache.
  ctx.log('  warm-up clone (untimed)')
  await timedClone(ctx, targets[0], project, dest, ['--no-checkout'])
  const samples = Object.fromEntries(targets.map(t => [t.label, []]))
  for (let r = 0; r < ctx.options.rounds; r++) {
    for (const t of rotate(targets, r)) {
      const ms = await timedClone(ctx, t, project, dest, ['--no-checkout'])
      samples[t.label].push(ms / 1000)
      ctx.log(`  round ${r + 1}: ${t.label} ${(ms / 1000).toFixed(2)} s`)
    }
  }
  return summarize(samples, 's')
}

/** Medians per variant, plus gitward/direct and nginx-auth/nginx paired ratios. */
export function summarize(samples, unit) {
  const out = { unit, samples, median: {} }
  for (const [label, values] of Object.entries(samples)) out.median[label] = median(values)
  out.ratio = {
    gitward: samples.gitward && samples.direct ? pairedRatio(samples.gitward, samples.direct) : null,
    nginxAuth: samples['nginx-auth'] && samples.nginx ? pairedRatio(samples['nginx-auth'], samples.nginx) : null,
  }
  return out
}

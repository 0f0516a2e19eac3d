// Figure 2: wall time of cloning the small repository (a handful of
// commits): latency-bound, so it shows the per-request cost of the gate —
// the 401 round trip that asks git for credentials, the token check, the
// extra hop. Several clones per variant per round; their median is the
// round's value.
//
// One more variant, gitward-preauth, sends the token up front with
// http.extraHeader (as CI checkouts often do): no 401 round trip and no
// credential helper, so what remains against direct is the gate alone.
import { join } from 'node:path'
import { median, rotate } from '../stats.mjs'
import { timedClone } from '../targets.mjs'
import { summarize } from './clone-large.mjs'

export async function cloneSmallFigure(ctx, targets) {
  const project = ctx.fixtures.served.small
  const dest = join(ctx.runDir, 'clones', 'small')
  for (const t of targets) await timedClone(ctx, t, project, dest) // warm-up, untimed
  const samples = Object.fromEntries(targets.map(t => [t.label, []]))
  const all = Object.fromEntries(targets.map(t => [t.label, []]))
  for (let r = 0; r < ctx.options.rounds; r++) {
    for (const t of rotate(targets, r)) {
      const times = []
      for (let i = 0; i < ctx.options.smallClonesPerRound; i++) times.push(await timedClone(ctx, t, project, dest))
      samples[t.label].push(median(times))
      all[t.label].push(...times)
    }
    ctx.log(`  round ${r + 1}: ${targets.map(t => `${t.label} ${samples[t.label][r].toFixed(0)} ms`).join(', ')}`)
  }
  return { ...summarize(samples, 'ms'), clonesPerRound: ctx.options.smallClonesPerRound, allClones: all }
}

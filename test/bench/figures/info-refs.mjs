// Figure 4: authenticated `info/refs?service=git-upload-pack` requests per
// second at 16 concurrent connections (wrk -c16 -t2), with p50/p99 latency.
// Every request starts a git process on every server, so this is the gate's
// per-request overhead (parse, token check from the cache, policy, proxy hop)
// against a real, cheap backend answer.
import { join } from 'node:path'
import { processCpu } from '../process-cpu.mjs'
import { median, pairedRatio, rotate } from '../stats.mjs'
import { basicValue, probe } from '../targets.mjs'
import { writeSingleCredential } from '../flood-tokens.mjs'
import { runWrk } from '../wrk.mjs'

export async function infoRefsFigure(ctx, targets) {
  const path = `/${ctx.fixtures.served.small}.git/info/refs?service=git-upload-pack`
  const files = {}
  for (const t of targets) {
    // Every variant gets credentials; the ones without authentication ignore them.
    const auth = t.auth ?? ctx.gitwardAuth
    files[t.label] = writeSingleCredential(join(ctx.runDir, `auth-${t.label}.txt`), auth.user, auth.password)
    const status = await probe(t.url + path, basicValue(auth))
    if (status !== 200) throw new Error(`${t.label} answered ${status} to an authenticated info/refs request; expected 200`)
  }
  const runs = Object.fromEntries(targets.map(t => [t.label, []]))
  for (let r = 0; r < ctx.options.rounds; r++) {
    for (const t of rotate(targets, r)) {
      const before = t.pid === undefined ? null : processCpu(t.pid)
      const w = await runWrk({ registry: ctx.registry, wrk: ctx.wrk, url: t.url + path, script: ctx.wrkScripts.static, authFile: files[t.label], durationS: ctx.options.wrkSeconds })
      const { raw, ...report } = w
      // CPU of the server's own process (not its git children) per answered
      // request: for gitward, the gate plus the hand-off to git or upstream.
      const after = t.pid === undefined ? null : processCpu(t.pid)
      report.cpuUsPerRequest = before === null || after === null || !report.requests ? null : ((after.self - before.self) / report.requests) * 1e6
      runs[t.label].push(report)
      if (report.non2xx > 0 || (report.socketErrors && Object.values(report.socketErrors).some(n => n > 0))) {
        ctx.log(`  warning: ${t.label} had ${report.non2xx} non-2xx answers and socket errors ${JSON.stringify(report.socketErrors)}`)
      }
      const cpuText = report.cpuUsPerRequest === null ? '' : `, server process CPU ${report.cpuUsPerRequest.toFixed(0)} µs/request`
      ctx.log(`  round ${r + 1}: ${t.label} ${report.rps.toFixed(0)} req/s, p50 ${report.p50ms?.toFixed(2)} ms, p99 ${report.p99ms?.toFixed(2)} ms${cpuText}`)
    }
  }
  const pick = (label, key) => runs[label].map(x => x[key])
  const med = key => Object.fromEntries(targets.map(t => [t.label, median(pick(t.label, key))]))
  const pair = (a, b, key) => (runs[a] && runs[b] ? pairedRatio(pick(a, key), pick(b, key)) : null)
  const ratios = key => {
    const out = {}
    for (const t of targets) {
      if (t.label !== 'nginx' && runs.nginx) out[t.label] = pair(t.label, 'nginx', key)
    }
    return out
  }
  const cpu = med('cpuUsPerRequest')
  return {
    connections: 16,
    threads: 2,
    seconds: ctx.options.wrkSeconds,
    runs,
    median: { rps: med('rps'), p50ms: med('p50ms'), p99ms: med('p99ms'), cpuUsPerRequest: cpu },
    ratio: { rps: ratios('rps'), p50: ratios('p50ms'), p99: ratios('p99ms') },
    // The gate's own cost: gitward's process CPU per request minus that of
    // the same embedded backend without the gate (direct). With an upstream,
    // gitward's whole process CPU per request is gate plus proxying.
    gateUsPerRequest: {
      embedded: cpu.gitward !== null && cpu.direct !== null && cpu.gitward !== undefined && cpu.direct !== undefined ? cpu.gitward - cpu.direct : null,
      upstream: cpu['gitward-upstream'] ?? null,
    },
  }
}

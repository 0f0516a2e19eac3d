// The stdout table and the target checks, from the results object that is
// also written to results.json.
const MB = 1e6

const f = (x, digits = 2) => (x === null || x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(digits))

/** Targets from docs/performance.md, checked against the measured medians. */
export function checkTargets(results) {
  const fig = results.figures
  const checks = []
  const add = (figure, what, value, target, ok) => checks.push({ figure, what, value, target, ok: value === null || value === undefined ? null : ok })
  if (fig.cloneLarge) add(1, 'full clone, gitward/direct', fig.cloneLarge.ratio.gitward, '≤ 1.05', fig.cloneLarge.ratio.gitward <= 1.05)
  if (fig.cloneSmall) add(2, 'small clone, gitward/direct', fig.cloneSmall.ratio.gitward, '≤ 1.10', fig.cloneSmall.ratio.gitward <= 1.1)
  if (fig.push) add(3, 'push into an empty repository, gitward/direct', fig.push.ratio.gitward, '≤ 1.05', fig.push.ratio.gitward <= 1.05)
  if (fig.infoRefs) {
    add(4, 'info/refs req/s, gitward/direct', fig.infoRefs.ratio.gitward.rps, '≥ 0.90', fig.infoRefs.ratio.gitward.rps >= 0.9)
    add(4, 'info/refs p50, gitward/direct', fig.infoRefs.ratio.gitward.p50, '≤ 1.10', fig.infoRefs.ratio.gitward.p50 <= 1.1)
  }
  if (fig.verification) {
    const [small, big] = fig.verification.bySize
    const flat = big.usPerVerification / small.usPerVerification
    add(6, `cached verification, µs (${big.tokens} tokens)`, big.usPerVerification, '< 500', big.usPerVerification < 500)
    add(6, `verification ${big.tokens}/${small.tokens} tokens`, flat, '≤ 1.20 (flat)', flat <= 1.2)
    for (const u of fig.verification.firstUse) add(6, `bcrypt compares on first use (${u.tokens} tokens)`, u.firstUseCompares, '= 1', u.firstUseCompares === 1 && u.secondUseCompares === 0)
  }
  if (fig.pushMemory?.gitward) add(7, 'gitward peak RSS (VmHWM) during the big push, MB', fig.pushMemory.gitward.hwmMB, '< 150', fig.pushMemory.gitward.hwmMB < 150)
  return checks
}

function table(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map(r => String(r[i] ?? '').length)))
  return rows.map(r => r.map((c, i) => (i === 0 ? String(c ?? '').padEnd(widths[i]) : String(c ?? '').padStart(widths[i]))).join('  ')).join('\n')
}

export function formatReport(results) {
  const { machine, figures: fig } = results
  const lines = []
  lines.push(`gitward benchmark — ${results.profile} profile, ${results.rounds} rounds, ${results.finishedAt}`)
  lines.push(`machine: ${machine.cpu}, ${machine.cores} cores, ${machine.ramGiB} GiB RAM, Node ${machine.node}, git ${machine.git}, ${machine.kernel}`)
  lines.push(`load average (1 min) during the run: min ${f(results.load.min)}, median ${f(results.load.median)}, max ${f(results.load.max)}`)
  const peer = results.peer.available ? `nginx ${results.peer.version} + fcgiwrap (-c ${results.peer.fcgiProcesses}) + git http-backend; nginx-auth adds auth_basic with a bcrypt (cost 10) htpasswd` : `nginx peer skipped: ${results.peer.reason}`
  lines.push(`peer: ${peer}`)
  const s = results.fixtures
  lines.push(`repositories: large ${f(s.large.packBytes / MB, 0)} MB packed (${s.large.commits} commits, ${s.large.objects} objects); small ${s.small.commits} commits; push ${f(s.push.packBytes / MB, 0)} MB packed; memory push ${f(s.huge.packBytes / MB, 0)} MB`)
  lines.push('')

  const rows = [['figure', 'direct', 'gitward', 'gw/direct', 'target', 'nginx', 'nginx-auth', 'auth/nginx']]
  const row = (name, x, digits, target) => {
    if (!x) return
    rows.push([name, f(x.median.direct, digits), f(x.median.gitward, digits), f(x.ratio.gitward, 3), target, f(x.median.nginx, digits), f(x.median['nginx-auth'], digits), f(x.ratio.nginxAuth, 3)])
  }
  row('1 full clone, large (s)', fig.cloneLarge, 2, '≤ 1.05')
  row('2 clone, small (ms)', fig.cloneSmall, 0, '≤ 1.10')
  row(`3 push ${f(results.fixtures.push.packBytes / MB, 0)} MB, empty repo (s)`, fig.push, 2, '≤ 1.05')
  if (fig.infoRefs) {
    const i = fig.infoRefs
    const m = k => i.median[k]
    rows.push(['4 info/refs req/s (c16)', f(m('rps').direct, 0), f(m('rps').gitward, 0), f(i.ratio.gitward.rps, 3), '≥ 0.90', f(m('rps').nginx, 0), f(m('rps')['nginx-auth'], 1), f(i.ratio.nginxAuth.rps, 3)])
    rows.push(['  p50 latency (ms)', f(m('p50ms').direct), f(m('p50ms').gitward), f(i.ratio.gitward.p50, 3), '≤ 1.10', f(m('p50ms').nginx), f(m('p50ms')['nginx-auth'], 0), f(i.ratio.nginxAuth.p50, 3)])
    rows.push(['  p99 latency (ms)', f(m('p99ms').direct), f(m('p99ms').gitward), f(i.ratio.gitward.p99, 3), '', f(m('p99ms').nginx), f(m('p99ms')['nginx-auth'], 0), f(i.ratio.nginxAuth.p99, 3)])
  }
  lines.push(table(rows))
  const cpuLine = (name, x) => {
    const c = x?.serverCpuSeconds
    if (!c || !c.direct || !c.gitward) return
    const one = label => `${label} node ${f(c[label].self)} s + git ${f(c[label].children)} s`
    lines.push(`  server CPU per ${name} (median): ${Object.keys(c).map(one).join('; ')}`)
  }
  for (const [name, x, unit, digits] of [['full clone', fig.cloneLarge, 's', 2], ['push', fig.push, 's', 2]]) {
    if (x?.median['gitward-socket'] === undefined) continue
    lines.push(`  ${name} through gitward with embedded_transport=socket: ${f(x.median['gitward-socket'], digits)} ${unit}, ${f(x.ratio.gitwardSocket, 3)} × direct`)
  }
  if (fig.cloneSmall?.median['gitward-preauth'] !== undefined) {
    lines.push(`  small clone through gitward with the token sent up front (no 401 round trip, no credential helper): ${f(fig.cloneSmall.median['gitward-preauth'], 0)} ms, ${f(fig.cloneSmall.ratio.gitwardPreauth, 3)} × direct`)
  }
  cpuLine('large clone', fig.cloneLarge)
  cpuLine('push', fig.push)

  if (fig.rejections) {
    const r = fig.rejections
    lines.push('')
    lines.push(`5 rejected requests (gitward, ban ${r.ban}; ${r.seconds} s floods at 16 connections)`)
    const rr = [['flood', 'req/s', 'statuses', 'p50 ms', 'p99 ms', 'legit clone ms', 'vs quiet']]
    rr.push(['(no flood)', '', '', '', '', f(r.quietCloneMedianMs, 0), '1.00'])
    for (const [name, x] of Object.entries(r.floods)) {
      const label = { none: 'no credentials', unknown: 'unknown token ids', guesses: 'known id, wrong secrets' }[name] ?? name
      rr.push([label, f(x.rps, 0), JSON.stringify(x.statuses ?? {}), f(x.p50ms), f(x.p99ms), f(x.legitCloneMedianMs, 0), f(x.legitSlowdown, 2) + (x.clonesInsideFlood ? '' : ' *')])
    }
    lines.push(table(rr))
    if (Object.values(r.floods).some(x => !x.clonesInsideFlood)) lines.push('  * some legitimate clones finished after the flood ended')
  }
  if (fig.verification) {
    const v = fig.verification
    lines.push('')
    lines.push(`6 token verification, in-process (bcrypt cost ${v.bcryptCost}; median of ${v.rounds} rounds of ${v.calls} cached verifications)`)
    const [a, b] = v.bySize
    lines.push(`  cached: ${f(a.usPerVerification, 1)} µs with ${a.tokens} tokens, ${f(b.usPerVerification, 1)} µs with ${b.tokens} tokens (ratio ${f(b.usPerVerification / a.usPerVerification, 3)}; target < 500 µs, flat)`)
    for (const u of v.firstUse) {
      lines.push(`  first use (${u.tokens} tokens): ${u.firstUseCompares} bcrypt compare, ${f(u.firstUseMs, 0)} ms; second use: ${u.secondUseCompares} compares, ${u.secondUseCacheHits} cache hit`)
    }
  }
  if (fig.pushMemory) {
    lines.push('')
    lines.push(`7 peak memory of a fresh server process during a ${f(results.fixtures.huge.packBytes / MB, 0)} MB incompressible push (target gitward < 150 MB)`)
    for (const m of [fig.pushMemory.gitward, fig.pushMemory.direct].filter(Boolean)) {
      lines.push(`  ${m.label.padEnd(8)} VmHWM ${f(m.hwmMB, 1)} MB (idle ${f(m.idleRssMB, 1)} MB, highest sampled VmRSS ${f(m.peakSampledRssMB, 1)} MB), push ${f(m.pushSeconds, 1)} s = ${f(m.throughputMBps, 0)} MB/s`)
    }
  }
  lines.push('')
  lines.push('targets:')
  for (const c of results.checks) {
    const verdict = c.ok === null ? 'n/a' : c.ok ? 'met' : 'MISSED'
    lines.push(`  [${verdict}] fig ${c.figure}: ${c.what} = ${typeof c.value === 'number' ? f(c.value, 3) : c.value} (target ${c.target})`)
  }
  return lines.join('\n') + '\n'
}

// The stdout table and the target checks, from the results object that is
// also written to results.json.
const MB = 1e6

const f = (x, digits = 2) => (x === null || x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(digits))

const MiB_TARGET = { clone: 100, push: 100, idle: 60 }

/** Targets of docs/performance.md, checked against the measured medians. */
export function checkTargets(results) {
  const fig = results.figures
  const checks = []
  const add = (figure, what, value, target, ok) => checks.push({ figure, what, value, target, ok: value === null || value === undefined ? null : ok })
  if (fig.cloneSmall) add(2, 'small clone, gitward/nginx (401 round trip included)', fig.cloneSmall.ratio.gitward, '≤ 1.05', fig.cloneSmall.ratio.gitward <= 1.05)
  if (fig.infoRefs) add(4, 'authenticated info/refs req/s, gitward/nginx', fig.infoRefs.ratio.rps.gitward, '≥ 1.00', fig.infoRefs.ratio.rps.gitward >= 1)
  if (fig.cloneLarge) add(1, 'large clone, gitward-upstream/nginx', fig.cloneLarge.ratio['gitward-upstream'], '≤ 1.03', fig.cloneLarge.ratio['gitward-upstream'] <= 1.03)
  if (fig.push) add(3, 'push, gitward-upstream/nginx', fig.push.ratio['gitward-upstream'], '≤ 1.03', fig.push.ratio['gitward-upstream'] <= 1.03)
  if (fig.rejections) {
    for (const [name, what] of [['none', 'no credentials'], ['unknown', 'unknown token ids']]) {
      const x = fig.rejections.floods[name]
      if (x) add(5, `rejections/s, ${what}`, x.rps, '≥ 20000', x.rps >= 20_000)
    }
  }
  if (fig.verification) {
    const [small, big] = fig.verification.bySize
    const flat = big.usPerVerification / small.usPerVerification
    add(6, `cached verification, µs (${big.tokens} tokens)`, big.usPerVerification, '< 500', big.usPerVerification < 500)
    add(6, `verification ${big.tokens}/${small.tokens} tokens`, flat, '≤ 1.20 (flat)', flat <= 1.2)
    for (const u of fig.verification.firstUse) add(6, `bcrypt compares on first use (${u.tokens} tokens)`, u.firstUseCompares, '= 1', u.firstUseCompares === 1 && u.secondUseCompares === 0)
  }
  for (const [label, m] of Object.entries(fig.memory ?? {})) {
    add(7, `${label} peak RSS during a large clone, MiB`, m.clone.hwmMiB, `≤ ${MiB_TARGET.clone}`, m.clone.hwmMiB <= MiB_TARGET.clone)
    add(7, `${label} peak RSS during the big push, MiB`, m.push.hwmMiB, `≤ ${MiB_TARGET.push}`, m.push.hwmMiB <= MiB_TARGET.push)
    // The median of several fresh processes (one process is one sample of a spread); older results have only the one.
    const idle = m.idle?.medianMiB ?? m.idleRssMiB
    add(7, `${label} idle RSS, MiB${m.idle ? ` (median of ${m.idle.samples.length} starts)` : ''}`, idle, `≤ ${MiB_TARGET.idle}`, idle <= MiB_TARGET.idle)
  }
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

  // The issue's table: one row per server, each cell the median and its
  // paired ratio against nginx + fcgiwrap without authentication.
  const pushMB = f(results.fixtures.push.packBytes / MB, 0)
  const rows = [['server', 'large clone', 'ratio', `push ${pushMB} MB`, 'ratio', 'small clone', 'ratio', 'info/refs req/s', 'ratio', 'p50 ms', 'peak RSS clone/push/idle MiB']]
  const LABELS = [
    ['nginx', 'nginx + fcgiwrap, no auth'],
    ['nginx-auth', 'nginx auth_basic (bcrypt)'],
    ['gitward', 'gitward, embedded backend'],
    ['gitward-upstream', 'gitward --upstream nginx'],
    ['node-pipe', '  plain Node pipe → nginx'],
    ['gitward-preauth', '  embedded, token sent up front'],
    ['direct', '  embedded backend, no gate'],
  ]
  const cell = (x, label, digits, unit) => (x?.median[label] === undefined ? ['', ''] : [`${f(x.median[label], digits)} ${unit}`, label === 'nginx' ? '1.00' : f(x.ratio[label], 3)])
  for (const [label, name] of LABELS) {
    const i = fig.infoRefs
    const rps = i?.median.rps[label]
    const mem = fig.memory?.[label]
    if ([fig.cloneLarge, fig.push, fig.cloneSmall].every(x => x?.median[label] === undefined) && rps === undefined) continue
    rows.push([
      name,
      ...cell(fig.cloneLarge, label, 2, 's'),
      ...cell(fig.push, label, 2, 's'),
      ...cell(fig.cloneSmall, label, 0, 'ms'),
      rps === undefined ? '' : f(rps, rps < 100 ? 1 : 0),
      rps === undefined ? '' : label === 'nginx' ? '1.00' : f(i.ratio.rps[label], 3),
      i?.median.p50ms[label] === undefined ? '' : f(i.median.p50ms[label], 1),
      mem === undefined ? '' : `${f(mem.clone.hwmMiB, 0)} / ${f(mem.push.hwmMiB, 0)} / ${f(mem.idle?.medianMiB ?? mem.idleRssMiB, 0)}`,
    ])
  }
  lines.push(table(rows))
  if (fig.infoRefs) {
    const c = fig.infoRefs.median.cpuUsPerRequest
    const g = fig.infoRefs.gateUsPerRequest
    const one = label => (c[label] === undefined || c[label] === null ? null : `${label} ${f(c[label], 0)} µs`)
    lines.push(`  server process CPU per info/refs request (median, git children excluded): ${['gitward', 'gitward-upstream', 'direct'].map(one).filter(Boolean).join(', ')}`)
    lines.push(`  the gate's own cost per allowed request: embedded ${f(g.embedded, 0)} µs (gitward − direct); with an upstream ${f(g.upstream, 0)} µs (gate + proxy, the whole process)`)
  }
  const cpuLine = (name, x) => {
    const c = x?.serverCpuSeconds
    if (!c || Object.keys(c).length === 0) return
    const one = label => `${label} node ${f(c[label].self)} s + git ${f(c[label].children)} s`
    lines.push(`  server CPU per ${name} (median): ${Object.keys(c).map(one).join('; ')}`)
  }
  cpuLine('large clone', fig.cloneLarge)
  cpuLine('push', fig.push)
  // The external-upstream target is "no worse than a plain stream pipe": the
  // same ratios against the plain Node pipe of this run.
  const vsPipe = x => (x?.median['gitward-upstream'] === undefined || x?.median['node-pipe'] === undefined ? null : x.median['gitward-upstream'] / x.median['node-pipe'])
  if (vsPipe(fig.cloneLarge) !== null || vsPipe(fig.push) !== null) {
    lines.push(`  gitward --upstream against the plain Node pipe (medians): large clone ${f(vsPipe(fig.cloneLarge), 3)}, push ${f(vsPipe(fig.push), 3)}`)
  }

  if (fig.rejections) {
    const r = fig.rejections
    lines.push('')
    lines.push(`5 rejected requests (gitward, ban ${r.ban}; ${r.seconds} s floods at 16 connections)`)
    const rr = [['flood', 'req/s', 'statuses', 'p50 ms', 'p99 ms', 'gitward CPU µs/req', 'legit clone ms', 'vs quiet']]
    rr.push(['(no flood)', '', '', '', '', '', f(r.quietCloneMedianMs, 0), '1.00'])
    for (const [name, x] of Object.entries(r.floods)) {
      const label = { none: 'no credentials', unknown: 'unknown token ids', guesses: 'known id, wrong secrets' }[name] ?? name
      rr.push([label, f(x.rps, 0), JSON.stringify(x.statuses ?? {}), f(x.p50ms), f(x.p99ms), f(x.cpuUsPerRequest, 0), f(x.legitCloneMedianMs, 0), f(x.legitSlowdown, 2) + (x.clonesInsideFlood ? '' : ' *')])
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
  if (fig.memory) {
    lines.push('')
    lines.push(`7 memory of a fresh gitward (MiB; peaks are VmHWM): idle, a full clone of the large repository, a ${f(results.fixtures.huge.packBytes / MB, 0)} MB incompressible push`)
    for (const m of Object.values(fig.memory)) {
      if (m.idle) lines.push(`  ${m.label.padEnd(17)} idle, ${m.idle.samples.length} fresh processes 1 s after start: median ${f(m.idle.medianMiB, 1)} (${f(m.idle.minMiB, 1)}–${f(m.idle.maxMiB, 1)}); the last after ${f(m.idle.settleSeconds, 0)} s: ${f(m.idle.settledMiB, 1)}`)
      lines.push(`  ${m.label.padEnd(17)} idle ${f(m.idleRssMiB, 1)}; clone peak ${f(m.clone.hwmMiB, 1)} (${f(m.clone.seconds, 1)} s); push peak ${f(m.push.hwmMiB, 1)} (${f(m.push.seconds, 1)} s = ${f(m.push.throughputMBps, 0)} MB/s); after ${f(m.afterRssMiB, 1)}`)
    }
  }
  if (fig.stores) {
    const st = fig.stores
    lines.push('')
    if (!st.available) {
      lines.push(`8 PostgreSQL beside SQLite: not measured (${st.reason})`)
    } else {
      lines.push(`8 the store engines (median of ${st.rounds} rounds of ${st.seconds} s, ${st.concurrency} concurrent; PostgreSQL on loopback)`)
      const sr = [['engine', 'cached verify/s', 'info/refs req/s']]
      for (const [name, e] of Object.entries(st.engines)) sr.push([name, f(e.verifyPerSecond, 0), f(e.infoRefsPerSecond, 0)])
      const { sqlite, postgres } = st.engines
      if (sqlite && postgres) sr.push(['postgres / sqlite', f(postgres.verifyPerSecond / sqlite.verifyPerSecond, 2), f(postgres.infoRefsPerSecond / sqlite.infoRefsPerSecond, 2)])
      lines.push(table(sr))
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

// Figure 3: wall time of pushing a ~200 MB pack into an empty repository.
// Each push gets a fresh empty bare repository, deleted afterwards, so every
// push sends the whole pack and the server indexes all of it.
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { rotate } from '../stats.mjs'
import { cpuSummary, summarize, withServerCpu } from './clone-large.mjs'

/** An empty bare repository at the push project's path, as `gitward repo create` makes it. */
export async function freshPushRepository(ctx) {
  const dir = join(ctx.fixtures.reposRoot, `${ctx.fixtures.served.push}.git`)
  rmSync(dir, { recursive: true, force: true })
  await ctx.git.must(['init', '--bare', '--quiet', '--initial-branch=main', dir])
  return dir
}

export async function removePushRepository(ctx) {
  rmSync(join(ctx.fixtures.reposRoot, `${ctx.fixtures.served.push}.git`), { recursive: true, force: true })
  // Leave an empty one behind: the project stays registered.
  await freshPushRepository(ctx)
}

/** Push `source`'s main into the fresh push repository through `t`; resolves ms. */
export async function timedPush(ctx, t, source, extraConfig = {}) {
  const dir = await freshPushRepository(ctx)
  try {
    const r = await ctx.git.must(['-C', source, 'push', '--quiet', t.repoUrl(ctx.fixtures.served.push), 'main:main'], {
      auth: t.auth,
      config: { ...t.gitConfig, ...t.pushConfig, ...extraConfig },
      timeoutMs: ctx.options.pushTimeoutMs,
    })
    const want = await ctx.git.output(['-C', source, 'rev-parse', 'main'])
    const got = await ctx.git.output(['-C', dir, 'rev-parse', 'main'])
    if (want !== got) throw new Error(`the push through ${t.label} did not arrive (main is ${got}, expected ${want})`)
    return r.ms
  } finally {
    await removePushRepository(ctx)
  }
}

export async function pushFigure(ctx, targets) {
  const source = ctx.fixtures.sources.push
  const samples = Object.fromEntries(targets.map(t => [t.label, []]))
  const cpu = Object.fromEntries(targets.map(t => [t.label, []]))
  for (let r = 0; r < ctx.options.rounds; r++) {
    for (const t of rotate(targets, r)) {
      const { ms, cpu: used } = await withServerCpu(t, () => timedPush(ctx, t, source))
      samples[t.label].push(ms / 1000)
      if (used !== null) cpu[t.label].push(used)
      const cpuText = used === null ? '' : ` (server CPU: node ${used.self.toFixed(2)} s, git ${used.children.toFixed(2)} s)`
      ctx.log(`  round ${r + 1}: ${t.label} ${(ms / 1000).toFixed(2)} s${cpuText}`)
    }
  }
  return { ...summarize(samples, 's'), serverCpuSeconds: cpuSummary(cpu) }
}

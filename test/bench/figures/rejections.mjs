// Figure 5: how fast gitward turns away bad credentials, and what a flood of
// them does to a legitimate user. Three floods at 16 connections against
// info/refs of the small repository:
//   none     no credentials at all (401 without any token work)
//   unknown  well-formed tokens whose ids do not exist (one row lookup, no bcrypt)
//   guesses  the legitimate token's id with ever-changing wrong secrets (one
//            bcrypt compare each, bounded by bcrypt_concurrency/bcrypt_queue;
//            the negative cache cannot help because no guess repeats)
// During each flood a legitimate client clones the small repository a few
// times; its median is compared with the same clone on a quiet server.
// Runs against a gitward with ban_enabled=false: with bans on, the flood
// source 127.0.0.1 would be banned after 30 failures, and the legitimate
// client (also 127.0.0.1) with it, which would measure nothing.
import { join } from 'node:path'
import { processCpu } from '../process-cpu.mjs'
import { median } from '../stats.mjs'
import { writeUnknownIdTokens, writeWrongSecretTokens } from '../flood-tokens.mjs'
import { timedClone } from '../targets.mjs'
import { runWrk } from '../wrk.mjs'

const sleep = ms => new Promise(r => setTimeout(r, ms))

export async function rejectionsFigure(ctx, gitward, legitTokenId) {
  const project = ctx.fixtures.served.small
  const url = `${gitward.url}/${project}.git/info/refs?service=git-upload-pack`
  const dest = join(ctx.runDir, 'clones', 'legit')
  const count = ctx.options.floodTokens
  const floods = [
    { name: 'none', authFile: undefined },
    { name: 'unknown', authFile: writeUnknownIdTokens(join(ctx.runDir, 'flood-unknown.txt'), { prefix: ctx.tokenPrefix, count, seed: 1 }) },
    { name: 'guesses', authFile: writeWrongSecretTokens(join(ctx.runDir, 'flood-guesses.txt'), { prefix: ctx.tokenPrefix, id: legitTokenId, count, seed: 2 }) },
  ]
  const clones = ctx.options.legitClones
  await timedClone(ctx, gitward, project, dest) // warm: the legitimate token's verdict is cached from here on
  const quiet = []
  for (let i = 0; i < clones; i++) quiet.push(await timedClone(ctx, gitward, project, dest))
  ctx.log(`  legitimate small clone, no flood: ${median(quiet).toFixed(0)} ms`)

  const results = {}
  for (const f of floods) {
    const started = performance.now()
    const cpuBefore = gitward.pid === undefined ? null : processCpu(gitward.pid)
    const flood = runWrk({ registry: ctx.registry, wrk: ctx.wrk, url, script: ctx.wrkScripts.cycling, authFile: f.authFile, durationS: ctx.options.floodSeconds })
    flood.catch(() => {}) // awaited below
    await sleep(1500) // let the flood reach its steady state
    const during = []
    for (let i = 0; i < clones; i++) during.push(await timedClone(ctx, gitward, project, dest))
    const clonesDoneAtS = (performance.now() - started) / 1000
    const { raw, ...w } = await flood
    const cpuAfter = gitward.pid === undefined ? null : processCpu(gitward.pid)
    results[f.name] = {
      rps: w.rps,
      p50ms: w.p50ms,
      p99ms: w.p99ms,
      requests: w.requests,
      statuses: w.statuses,
      socketErrors: w.socketErrors,
      // gitward's process CPU per request during the flood (the legitimate
      // clones' share included; they are a handful against thousands).
      cpuUsPerRequest: cpuBefore === null || cpuAfter === null || !w.requests ? null : ((cpuAfter.self - cpuBefore.self) / w.requests) * 1e6,
      legitCloneMs: during,
      legitCloneMedianMs: median(during),
      legitSlowdown: median(during) / median(quiet),
      // True when every legitimate clone ran while the flood was still on.
      clonesInsideFlood: clonesDoneAtS <= ctx.options.floodSeconds,
    }
    ctx.log(`  flood ${f.name}: ${w.rps.toFixed(0)} rejected req/s ${JSON.stringify(w.statuses)}, legitimate clone ${median(during).toFixed(0)} ms`)
  }
  return { ban: 'disabled (GITWARD_BAN_ENABLED=false)', seconds: ctx.options.floodSeconds, floodTokens: count, quietCloneMs: quiet, quietCloneMedianMs: median(quiet), floods: results }
}

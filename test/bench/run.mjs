#!/usr/bin/env node
// gitward's benchmark: `npm run bench` (builds, then runs this file).
//
// Measures gitward against what its users would run otherwise, side by side
// in one run:
//   nginx             nginx + fcgiwrap + git http-backend, no authentication
//                     (the baseline: every ratio is against it)
//   nginx-auth        the same with auth_basic against a bcrypt htpasswd
//   gitward           `gitward serve` with its embedded backend (the default)
//   gitward-upstream  `gitward serve --upstream` that same nginx
//   direct            gitward's embedded backend with no gate (figures 2 and
//                     4): what is left of gitward's cost without the gate
// Variants run interleaved (A B C D, then B C D A, ...) for ROUNDS rounds and
// the report gives medians and paired ratios. See docs/performance.md.
//
// Environment:
//   GITWARD_BENCH_DIR     work directory (default $TMPDIR/gitward-bench);
//                         generated repositories are cached there
//   GITWARD_BENCH_ROUNDS  rounds per figure (default 5; quick: 2)
//   GITWARD_BENCH_QUICK=1 small repositories and short runs, for a smoke test
//
// Everything listens on 127.0.0.1; every process it starts is stopped at the
// end, on error and on Ctrl-C.
import { randomBytes } from 'node:crypto'
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseToken } from '../../dist/auth/token-format.js'
import { loadConfig } from '../../dist/config/load.js'
import { ensureFixtures } from './fixtures.mjs'
import { createGitClient } from './git-client.mjs'
import { loadAverage, machineFacts } from './machine.mjs'
import { startNginxPeer } from './nginx-peer.mjs'
import { createProcessRegistry } from './processes.mjs'
import { checkTargets, formatReport } from './report.mjs'
import { gitwardCli, startDirect, startGitward, startNodePipe } from './servers.mjs'
import { median } from './stats.mjs'
import { ensureBinaries } from './system-tools.mjs'
import { basicValue, directPushConfig, target } from './targets.mjs'
import { measureVerification } from './verify-scaling.mjs'
import { measureStoreFigures } from './store-figures.mjs'
import { writeWrkScripts } from './wrk.mjs'
import { cloneLargeFigure } from './figures/clone-large.mjs'
import { cloneSmallFigure } from './figures/clone-small.mjs'
import { infoRefsFigure } from './figures/info-refs.mjs'
import { measureIdle, measureMemory } from './figures/push-memory.mjs'
import { pushFigure, removePushRepository } from './figures/push-large.mjs'
import { rejectionsFigure } from './figures/rejections.mjs'

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)))
const log = msg => process.stderr.write(`${msg}\n`)

function readOptions(env) {
  const quick = env.GITWARD_BENCH_QUICK === '1'
  const roundsText = env.GITWARD_BENCH_ROUNDS
  const rounds = roundsText === undefined || roundsText === '' ? (quick ? 2 : 5) : Number(roundsText)
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > 50) throw new Error('GITWARD_BENCH_ROUNDS must be a whole number from 1 to 50')
  return {
    quick,
    profile: quick ? 'quick' : 'full',
    rounds,
    workDir: resolve(env.GITWARD_BENCH_DIR || join(tmpdir(), 'gitward-bench')),
    smallClonesPerRound: quick ? 3 : 5,
    wrkSeconds: quick ? 3 : 10,
    floodSeconds: quick ? 6 : 12,
    legitClones: quick ? 3 : 5,
    idleStarts: quick ? 3 : 7,
    floodTokens: quick ? 2000 : 5000,
    verifyCalls: quick ? 5000 : 20_000,
    verifySizes: [10, 100_000],
    cloneTimeoutMs: 600_000,
    pushTimeoutMs: 900_000,
    fcgiProcesses: 16,
  }
}

async function main(registry) {
  const options = readOptions(process.env)
  const startedAt = new Date()
  const machine = machineFacts()
  const loadSamples = [loadAverage()[0]]
  const loadTimer = setInterval(() => loadSamples.push(loadAverage()[0]), 15_000)
  loadTimer.unref()
  log(`gitward benchmark (${options.profile}, ${options.rounds} rounds); work directory ${options.workDir}`)
  log(`load average now: ${loadAverage().join(' ')}`)

  const runDir = join(options.workDir, 'run')
  rmSync(runDir, { recursive: true, force: true })
  mkdirSync(join(runDir, 'logs'), { recursive: true })
  mkdirSync(join(runDir, 'clones'), { recursive: true })
  const git = createGitClient({ home: join(runDir, 'home'), registry })

  const wrkTool = ensureBinaries(['wrk'], ['wrk'], log)
  if (!wrkTool.ok) log(`figures 4 and 5 will be skipped: ${wrkTool.reason}`)

  const fixtures = await ensureFixtures({ workDir: options.workDir, profileName: options.profile, git, registry, log })
  const config = loadConfig({ flags: {}, env: {}, cwd: runDir })

  // A fresh database for this run: the three projects and one group token.
  const db = join(runDir, 'gitward.db')
  const cli = args => gitwardCli({ root: ROOT, db, repos: fixtures.reposRoot, args })
  cli(['init'])
  // The generated repositories exist already: register them as they are.
  for (const project of Object.values(fixtures.served)) cli(['repo', 'create', project, '--adopt'])
  const token = cli(['token', 'create', '--group', 'bench', '--name', 'bench', '--scopes', 'read_repository,write_repository']).trim()
  const parsed = parseToken(config.token_prefix, token)
  if (!parsed.ok) throw new Error('gitward token create did not print a token')
  const gitwardAuth = { user: 'git', password: token }
  await removePushRepository({ fixtures, git })

  const ctx = {
    registry,
    git,
    log,
    runDir,
    fixtures,
    options,
    wrk: wrkTool.ok ? wrkTool.paths.wrk : null,
    wrkScripts: writeWrkScripts(runDir),
    gitwardAuth,
    tokenPrefix: config.token_prefix,
  }
  const logFile = name => join(runDir, 'logs', `${name}.log`)
  const figures = {}

  // ---- figures 1-4: every server side by side --------------------------------
  // The peer first: gitward --upstream forwards to it.
  log('starting the nginx peer, gitward (embedded), gitward --upstream nginx and direct')
  const nginxAuth = { user: 'git', password: randomBytes(18).toString('base64url') }
  const peer = await startNginxPeer({
    registry,
    root: ROOT,
    dir: join(runDir, 'nginx'),
    reposRoot: fixtures.reposRoot,
    user: nginxAuth.user,
    password: nginxAuth.password,
    fcgiProcesses: options.fcgiProcesses,
    log,
  })
  if (!peer.available) log(`the nginx peer is skipped, and with it every ratio and gitward --upstream: ${peer.reason}`)
  const direct = await startDirect({ registry, root: ROOT, repos: fixtures.reposRoot, logFile: logFile('direct') })
  const gitward = await startGitward({ registry, root: ROOT, db, repos: fixtures.reposRoot, logFile: logFile('gitward') })
  const upstream = peer.available
    ? await startGitward({ registry, root: ROOT, db, repos: fixtures.reposRoot, settings: { upstream: peer.plain.url }, logFile: logFile('gitward-upstream'), label: 'gitward-upstream' })
    : null
  // The floor of forwarding through Node: a plain pipe to the same nginx.
  const pipe = peer.available ? await startNodePipe({ registry, root: ROOT, upstream: peer.plain.url, password: gitwardAuth.password, logFile: logFile('node-pipe') }) : null
  // nginx's git http-backend enables receive-pack only with REMOTE_USER,
  // which the shipped config takes from X-Gitward-User (gitward sends it).
  const nginxPush = { 'http.extraHeader': 'X-Gitward-User: bench_bot' }
  const tDirect = target({ label: 'direct', url: direct.url, pushConfig: directPushConfig, pid: direct.pid })
  const tGitward = target({ label: 'gitward', url: gitward.url, auth: gitwardAuth, pid: gitward.pid })
  const peers = peer.available
    ? [target({ label: 'nginx', url: peer.plain.url, pushConfig: nginxPush }), target({ label: 'nginx-auth', url: peer.auth.url, auth: nginxAuth, pushConfig: nginxPush })]
    : []
  const tUpstream = upstream === null ? [] : [target({ label: 'gitward-upstream', url: upstream.url, auth: gitwardAuth, pid: upstream.pid })]
  const main4 = [...peers, tGitward, ...tUpstream]
  // Figures 1 and 3 also pass through the plain Node pipe (what an external
  // upstream's target is measured against); it forwards X-Gitward-User for pushes.
  const tPipe = pipe === null ? [] : [target({ label: 'node-pipe', url: pipe.url, auth: gitwardAuth, pushConfig: nginxPush, pid: pipe.pid })]

  log(`figure 1: full clone of the large repository (${(fixtures.stats.large.packBytes / 1e6).toFixed(0)} MB)`)
  figures.cloneLarge = await cloneLargeFigure(ctx, [...main4, ...tPipe])
  log('figure 2: clone of the small repository')
  const tPreauth = target({
    label: 'gitward-preauth',
    url: gitward.url,
    gitConfig: { 'http.extraHeader': `Authorization: ${basicValue(gitwardAuth)}` },
  })
  figures.cloneSmall = await cloneSmallFigure(ctx, [...main4, tPreauth, tDirect])
  log(`figure 3: push of ${(fixtures.stats.push.packBytes / 1e6).toFixed(0)} MB into an empty repository`)
  figures.push = await pushFigure(ctx, [...main4, ...tPipe])
  if (ctx.wrk !== null) {
    log('figure 4: authenticated info/refs requests, wrk -c16 -t2')
    figures.infoRefs = await infoRefsFigure(ctx, [...main4, tDirect])
  }
  await upstream?.stop()
  await pipe?.stop()
  await gitward.stop()
  await direct.stop()

  // ---- figure 5: floods of bad credentials, bans off -----------------------
  if (ctx.wrk !== null) {
    log('figure 5: rejected requests and a legitimate clone during the flood (GITWARD_BAN_ENABLED=false)')
    const noBan = await startGitward({ registry, root: ROOT, db, repos: fixtures.reposRoot, settings: { ban_enabled: false }, logFile: logFile('gitward-noban'), label: 'gitward (bans off)' })
    try {
      figures.rejections = await rejectionsFigure(ctx, target({ label: 'gitward', url: noBan.url, auth: gitwardAuth, pid: noBan.pid }), parsed.token.id)
    } finally {
      await noBan.stop()
    }
  }

  // ---- figure 6: verification cost vs number of tokens, in-process ----------
  log('figure 6: cached token verification with 10 and 100,000 tokens')
  const verifyDir = join(runDir, 'verify')
  mkdirSync(verifyDir, { recursive: true })
  figures.verification = await measureVerification({ dir: verifyDir, sizes: options.verifySizes, calls: options.verifyCalls, rounds: options.rounds, log })

  // ---- figure 7: memory of fresh processes: idle, large clone, 1 GiB push ---
  log(`figure 7: memory of a fresh gitward: idle, during a large clone, during a ${(fixtures.stats.huge.packBytes / 1e6).toFixed(0)} MB push`)
  figures.memory = {}
  const memoryRuns = [['gitward', {}]]
  if (peer.available) memoryRuns.push(['gitward-upstream', { upstream: peer.plain.url }])
  for (const [label, settings] of memoryRuns) {
    const gw = await startGitward({ registry, root: ROOT, db, repos: fixtures.reposRoot, settings, logFile: logFile(`${label}-memory`), label: `${label} (memory)` })
    try {
      figures.memory[label] = await measureMemory(ctx, target({ label, url: gw.url, auth: gitwardAuth }), gw.pid, fixtures.stats.huge.packBytes)
    } finally {
      await gw.stop()
    }
    const idle = await measureIdle({
      count: options.idleStarts,
      settleMs: 20_000,
      start: i => startGitward({ registry, root: ROOT, db, repos: fixtures.reposRoot, settings, logFile: logFile(`${label}-idle`), label: `${label} (idle ${i + 1})` }),
    })
    figures.memory[label].idle = idle
    log(`  ${label} idle RSS of ${idle.samples.length} fresh processes: ${idle.samples.map(x => x?.toFixed(1)).join(', ')} MiB; after ${idle.settleSeconds} s: ${idle.settledMiB?.toFixed(1)} MiB`)
  }
  if (peer.available) await peer.stop()

  // ---- figure 8: the PostgreSQL store beside SQLite ---------------------------
  log('figure 8: cached verification and authenticated info/refs on SQLite and on PostgreSQL')
  figures.stores = await measureStoreFigures({ rounds: options.rounds, seconds: options.quick ? 2 : 4, log })
  clearInterval(loadTimer)
  loadSamples.push(loadAverage()[0])

  const results = {
    profile: options.profile,
    rounds: options.rounds,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    durationMinutes: Math.round(((Date.now() - startedAt.getTime()) / 60_000) * 10) / 10,
    machine,
    load: { samples: loadSamples, min: Math.min(...loadSamples), median: median(loadSamples), max: Math.max(...loadSamples) },
    fixtures: fixtures.stats,
    peer: peer.available ? { available: true, version: peer.version, fcgiProcesses: peer.fcgiProcesses } : { available: false, reason: peer.reason },
    options,
    figures,
  }
  results.checks = checkTargets(results)
  const json = JSON.stringify(results, null, 2) + '\n'
  assertNoSecrets(json, [token, nginxAuth.password], 'results.json')
  for (const name of readdirSync(join(runDir, 'logs'))) assertNoSecrets(readFileSync(join(runDir, 'logs', name), 'utf8'), [token, parsed.token.secret], `logs/${name}`)
  const resultsFile = join(options.workDir, 'results.json')
  writeFileSync(resultsFile, json)
  process.stdout.write(formatReport(results))
  process.stdout.write(`\nresults: ${resultsFile} (run took ${results.durationMinutes} min)\n`)
}

/** The bench token must not reach results or any server log. */
function assertNoSecrets(text, secrets, where) {
  for (const s of secrets) {
    if (text.includes(s) || text.includes(Buffer.from(`git:${s}`).toString('base64'))) {
      throw new Error(`a secret appeared in ${where}; refusing to keep these results`)
    }
  }
}

const registry = createProcessRegistry()
let stopping = false
async function shutdown(code, why) {
  if (stopping) {
    registry.killAllNow()
    process.exit(code)
  }
  stopping = true
  log(why)
  await registry.stopAll()
  process.exit(code)
}
process.on('SIGINT', () => void shutdown(130, 'interrupted: stopping every process the benchmark started'))
process.on('SIGTERM', () => void shutdown(143, 'terminated: stopping every process the benchmark started'))
process.on('exit', () => registry.killAllNow())

main(registry).then(
  () => registry.stopAll(),
  async error => {
    if (stopping) return // interrupted: the failure is the interruption itself
    log(`benchmark failed: ${error instanceof Error ? error.stack : String(error)}`)
    await registry.stopAll()
    process.exitCode = 1
  },
)

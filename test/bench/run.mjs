#!/usr/bin/env node
// gitward's benchmark: `npm run bench` (builds, then runs this file).
//
// Measures what gitward costs a git user, side by side in one run:
//   direct      gitward's embedded git-http-backend with no gate (its own process)
//   gitward     `gitward serve`: gate + the same embedded backend, called in-process
//   gitward-socket  the same with embedded_transport=socket (figures 1 and 3)
//   nginx       nginx + fcgiwrap + git http-backend (the shipped upstream config)
//   nginx-auth  the same with auth_basic against a bcrypt htpasswd
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
import { SCHEMA } from '../../dist/config/schema.js'
import { ensureFixtures } from './fixtures.mjs'
import { createGitClient } from './git-client.mjs'
import { loadAverage, machineFacts } from './machine.mjs'
import { startNginxPeer } from './nginx-peer.mjs'
import { createProcessRegistry } from './processes.mjs'
import { checkTargets, formatReport } from './report.mjs'
import { gitwardCli, startDirect, startGitward } from './servers.mjs'
import { median } from './stats.mjs'
import { ensureBinaries } from './system-tools.mjs'
import { basicValue, directPushConfig, target } from './targets.mjs'
import { measureVerification } from './verify-scaling.mjs'
import { writeWrkScripts } from './wrk.mjs'
import { cloneLargeFigure } from './figures/clone-large.mjs'
import { cloneSmallFigure } from './figures/clone-small.mjs'
import { infoRefsFigure } from './figures/info-refs.mjs'
import { measurePushMemory } from './figures/push-memory.mjs'
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
  for (const project of Object.values(fixtures.served)) cli(['repo', 'create', project])
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

  // ---- figures 1-4: the four servers side by side -------------------------
  log('starting direct, gitward and the nginx peer')
  const direct = await startDirect({ registry, root: ROOT, repos: fixtures.reposRoot, logFile: logFile('direct') })
  const gitward = await startGitward({ registry, root: ROOT, db, repos: fixtures.reposRoot, logFile: logFile('gitward') })
  // The other way to reach the embedded backend (HTTP over a private Unix
  // socket), for the throughput figures: what the second hop costs.
  const gitwardSocket = 'embedded_transport' in SCHEMA
    ? await startGitward({ registry, root: ROOT, db, repos: fixtures.reposRoot, settings: { embedded_transport: 'socket' }, logFile: logFile('gitward-socket'), label: 'gitward-socket' })
    : null
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
  if (!peer.available) log(`the nginx peer is skipped: ${peer.reason}`)
  const tDirect = target({ label: 'direct', url: direct.url, pushConfig: directPushConfig, pid: direct.pid })
  const tGitward = target({ label: 'gitward', url: gitward.url, auth: gitwardAuth, pid: gitward.pid })
  const tSocket = gitwardSocket === null ? [] : [target({ label: 'gitward-socket', url: gitwardSocket.url, auth: gitwardAuth, pid: gitwardSocket.pid })]
  const readTargets = [tDirect, tGitward]
  if (peer.available) readTargets.push(target({ label: 'nginx', url: peer.plain.url }), target({ label: 'nginx-auth', url: peer.auth.url, auth: nginxAuth }))

  log(`figure 1: full clone of the large repository (${(fixtures.stats.large.packBytes / 1e6).toFixed(0)} MB)`)
  figures.cloneLarge = await cloneLargeFigure(ctx, [...readTargets, ...tSocket])
  log('figure 2: clone of the small repository')
  const tPreauth = target({
    label: 'gitward-preauth',
    url: gitward.url,
    gitConfig: { 'http.extraHeader': `Authorization: ${basicValue(gitwardAuth)}` },
  })
  figures.cloneSmall = await cloneSmallFigure(ctx, [...readTargets, tPreauth])
  log(`figure 3: push of ${(fixtures.stats.push.packBytes / 1e6).toFixed(0)} MB into an empty repository`)
  figures.push = await pushFigure(ctx, [tDirect, tGitward, ...tSocket])
  if (ctx.wrk !== null) {
    log('figure 4: authenticated info/refs requests, wrk -c16 -t2')
    figures.infoRefs = await infoRefsFigure(ctx, readTargets)
  }
  await gitward.stop()
  await gitwardSocket?.stop()
  await direct.stop()
  if (peer.available) await peer.stop()

  // ---- figure 5: floods of bad credentials, bans off -----------------------
  if (ctx.wrk !== null) {
    log('figure 5: rejected requests and a legitimate clone during the flood (GITWARD_BAN_ENABLED=false)')
    const noBan = await startGitward({ registry, root: ROOT, db, repos: fixtures.reposRoot, settings: { ban_enabled: false }, logFile: logFile('gitward-noban'), label: 'gitward (bans off)' })
    try {
      figures.rejections = await rejectionsFigure(ctx, target({ label: 'gitward', url: noBan.url, auth: gitwardAuth }), parsed.token.id)
    } finally {
      await noBan.stop()
    }
  }

  // ---- figure 6: verification cost vs number of tokens, in-process ----------
  log('figure 6: cached token verification with 10 and 100,000 tokens')
  const verifyDir = join(runDir, 'verify')
  mkdirSync(verifyDir, { recursive: true })
  figures.verification = await measureVerification({ dir: verifyDir, sizes: options.verifySizes, calls: options.verifyCalls, rounds: options.rounds, log })

  // ---- figure 7: memory during a 1 GiB push, fresh processes ----------------
  log(`figure 7: peak memory during a ${(fixtures.stats.huge.packBytes / 1e6).toFixed(0)} MB push`)
  figures.pushMemory = {}
  {
    const gw = await startGitward({ registry, root: ROOT, db, repos: fixtures.reposRoot, logFile: logFile('gitward-memory'), label: 'gitward (memory)' })
    try {
      figures.pushMemory.gitward = await measurePushMemory(ctx, target({ label: 'gitward', url: gw.url, auth: gitwardAuth }), gw.pid, fixtures.stats.huge.packBytes)
    } finally {
      await gw.stop()
    }
    const d = await startDirect({ registry, root: ROOT, repos: fixtures.reposRoot, logFile: logFile('direct-memory'), label: 'direct (memory)' })
    try {
      figures.pushMemory.direct = await measurePushMemory(ctx, target({ label: 'direct', url: d.url, pushConfig: directPushConfig }), d.pid, fixtures.stats.huge.packBytes)
    } finally {
      await d.stop()
    }
  }
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

#!/usr/bin/env node
// PostgreSQL beside SQLite: figure 8 of `npm run bench` (run.mjs calls
// measureStoreFigures), and a command of its own after a build:
// `npx tsc -p tsconfig.json && node test/bench/store-figures.mjs`.
//   1. cached verification: verifier.verifyFor() of a token whose bcrypt
//      verdict is cached — what is left is the per-request read of the
//      token's row and the project (findTokenAndProject, one round trip);
//   2. info/refs throughput: authenticated GET info/refs through a real
//      gitward (startApp, embedded backend) over loopback keep-alive.
// Both run for each engine, interleaved (SQLite, PostgreSQL, PostgreSQL,
// SQLite, ...) for ROUNDS rounds; medians are printed. PostgreSQL is a
// throwaway cluster started here (Debian's initdb/pg_ctl, as the tests do)
// unless GITWARD_BENCH_PG names a database. Everything is on 127.0.0.1,
// every loop is bounded in time, every process is stopped at the end.
import { execFileSync, spawnSync } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import http from 'node:http'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { startApp } from '../../dist/app.js'
import { systemClock } from '../../dist/clock.js'
import { loadConfig } from '../../dist/config/load.js'
import { createLogger } from '../../dist/log/logger.js'

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)))
const BIN = join(ROOT, 'bin', 'gitward')
const CONCURRENCY = 8

const median = xs => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

function freePort() {
  return new Promise((res, rej) => {
    const s = createServer()
    s.once('error', rej)
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => res(port))
    })
  })
}

/** A throwaway cluster, as test/helpers/postgres-cluster.ts starts one. */
async function startCluster() {
  const versions = existsSync('/usr/lib/postgresql') ? readdirSync('/usr/lib/postgresql').sort((a, b) => b - a) : []
  const bin = versions.map(v => `/usr/lib/postgresql/${v}/bin`).find(b => existsSync(`${b}/initdb`))
  if (bin === undefined) throw new Error('PostgreSQL is not installed (apt-get install postgresql), or set GITWARD_BENCH_PG')
  const asRoot = process.getuid() === 0
  const dir = mkdtempSync(join(tmpdir(), 'gitward-bench-pg-'))
  if (asRoot) {
    const uid = Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout)
    const gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout)
    chownSync(dir, uid, gid)
  }
  const run = (prog, args) =>
    asRoot ? execFileSync('runuser', ['-u', 'postgres', '--', prog, ...args], { cwd: dir, stdio: 'pipe' }) : execFileSync(prog, args, { cwd: dir, stdio: 'pipe' })
  const data = join(dir, 'data')
  run(`${bin}/initdb`, ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync'])
  const port = await freePort()
  // (Postgres refuses to run as root: the cluster belongs to the postgres user.)
  // Durable settings (fsync on): the figure is for a real server, not the tests' throwaway one.
  run(`${bin}/pg_ctl`, ['-D', data, '-l', join(dir, 'log'), '-w', '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`, 'start'])
  const admin = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${port}/postgres` })
  await admin.connect()
  await admin.query('CREATE DATABASE gitward_bench')
  await admin.end()
  return {
    url: `postgres://postgres@127.0.0.1:${port}/gitward_bench`,
    stop: () => {
      try {
        run(`${bin}/pg_ctl`, ['-D', data, '-m', 'fast', '-w', 'stop'])
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    },
  }
}

function cli(args, db, repos) {
  return execFileSync(process.execPath, [BIN, '--db', db, '--repos', repos, ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, GITWARD_BCRYPT_COST: '10' },
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim()
}

async function startEngine(name, db, dir) {
  const repos = join(dir, `${name}-repos`)
  cli(['init'], db, repos)
  cli(['repo', 'create', 'bench/app'], db, repos)
  const token = cli(['token', 'create', '--project', 'bench/app', '--name', 'bench', '--scopes', 'read_repository'], db, repos)
  const config = loadConfig({ flags: { listen: '127.0.0.1:0', db, repos }, env: { GITWARD_LOG_LEVEL: 'error' }, cwd: dir })
  const logger = createLogger({ write: () => {}, clock: systemClock, level: 'error' })
  const app = await startApp({ config, clock: systemClock, random: randomBytes, logger })
  await app.verifier.verify(token) // the one bcrypt compare; every later check is cached
  return { name, app, token }
}

async function verifyRate(engine, seconds) {
  const until = Date.now() + seconds * 1000
  let n = 0
  const worker = async () => {
    while (Date.now() < until) {
      const { check: r } = await engine.app.verifier.verifyFor(engine.token, 'bench/app')
      if (r.kind !== 'valid') throw new Error(`refused: ${r.reason}`)
      n++
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker))
  return n / seconds
}

async function infoRefsRate(engine, seconds) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY })
  const auth = `Basic ${Buffer.from(`git:${engine.token}`).toString('base64')}`
  const url = new URL(`${engine.app.url}/bench/app.git/info/refs?service=git-upload-pack`)
  const get = () =>
    new Promise((res, rej) => {
      const req = http.get(url, { agent, headers: { Authorization: auth } }, r => {
        r.resume()
        r.on('end', () => (r.statusCode === 200 ? res() : rej(new Error(`status ${r.statusCode}`))))
      })
      req.on('error', rej)
    })
  const until = Date.now() + seconds * 1000
  let n = 0
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (Date.now() < until) {
        await get()
        n++
      }
    }),
  )
  agent.destroy()
  return n / seconds
}

/**
 * Both figures for each engine, interleaved, `rounds` rounds of `seconds`
 * each; medians per second. Resolves { available: false, reason } when
 * PostgreSQL is not installed and GITWARD_BENCH_PG names no database.
 */
export async function measureStoreFigures({ rounds, seconds, log = () => {} }) {
  const dir = mkdtempSync(join(tmpdir(), 'gitward-store-figures-'))
  let cluster = null
  const engines = []
  try {
    let pgUrl = process.env.GITWARD_BENCH_PG
    if (pgUrl === undefined) {
      try {
        cluster = await startCluster()
      } catch (e) {
        return { available: false, reason: e.message }
      }
      pgUrl = cluster.url
    }
    engines.push(await startEngine('sqlite', join(dir, 'gitward.db'), dir))
    engines.push(await startEngine('postgres', pgUrl, dir))
    const samples = Object.fromEntries(engines.map(e => [e.name, { verify: [], infoRefs: [] }]))
    for (let round = 0; round < rounds; round++) {
      log(`  store figures round ${round + 1}/${rounds}`)
      const order = round % 2 === 0 ? engines : [...engines].reverse()
      for (const e of order) samples[e.name].verify.push(await verifyRate(e, seconds))
      for (const e of order) samples[e.name].infoRefs.push(await infoRefsRate(e, seconds))
    }
    const engineFigures = Object.fromEntries(
      engines.map(e => [e.name, { verifyPerSecond: median(samples[e.name].verify), infoRefsPerSecond: median(samples[e.name].infoRefs) }]),
    )
    return { available: true, rounds, seconds, concurrency: CONCURRENCY, engines: engineFigures }
  } finally {
    for (const e of engines) await e.app.stop()
    cluster?.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const rounds = Number(process.env.GITWARD_BENCH_ROUNDS ?? 3)
  const seconds = Number(process.env.GITWARD_BENCH_SECONDS ?? 3)
  const r = await measureStoreFigures({ rounds, seconds })
  if (!r.available) {
    console.log(`store figures: PostgreSQL unavailable (${r.reason})`)
    process.exitCode = 1
  } else {
    console.log(`store figures: ${rounds} rounds x ${seconds} s, ${CONCURRENCY} concurrent, medians`)
    console.log('engine     cached verify/s   info/refs req/s')
    for (const [name, e] of Object.entries(r.engines)) {
      console.log(`${name.padEnd(10)} ${String(Math.round(e.verifyPerSecond)).padStart(15)}   ${String(Math.round(e.infoRefsPerSecond)).padStart(15)}`)
    }
  }
}

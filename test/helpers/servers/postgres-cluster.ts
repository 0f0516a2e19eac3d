// A throwaway PostgreSQL cluster for the tests: initdb in a temp dir, the
// server on a free loopback port with its Unix socket inside that dir, a
// fresh database per test, and everything stopped and removed at the end.
//
// One cluster per test FILE (startPostgresCluster in the file's top-level
// test), one database per test (cluster.createDatabase): initdb costs about a
// second, CREATE DATABASE a few milliseconds.
//
// PostgreSQL refuses to run as root, so as root the server runs as the
// `postgres` system user (which the Debian package creates) through runuser.
//
// When PostgreSQL is not installed the tests that need it skip and say why;
// under CI (CI=true) they fail instead, so a broken install in .ci/run cannot
// turn into a green run that tested nothing.
import { execFile, spawnSync } from 'node:child_process'
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Test } from 'tap'
import pg from 'pg'

export interface PostgresCluster {
  /** Loopback port the server listens on. */
  readonly port: number
  /** Directory holding the server's Unix socket. */
  readonly socketDir: string
  /** A new empty database; returns its postgres:// URL (user postgres, no password). */
  createDatabase(name?: string): Promise<string>
  /** URL of an existing database. */
  url(database: string): string
  /** URL the harness itself connects with as the superuser (the Unix socket when TCP needs a password). */
  adminUrl(database: string): string
  /** Stop the server (fast shutdown: open connections are cut). */
  stop(): Promise<void>
  /** Start it again on the same port and data. */
  start(): Promise<void>
  /** The server's log so far (for failure messages). */
  log(): string
}

/** Where the PostgreSQL server programs are, newest version first; null if none. */
export function findPostgresBin(): string | null {
  const root = '/usr/lib/postgresql'
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter(v => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a))
    for (const v of versions) {
      const bin = join(root, v, 'bin')
      if (existsSync(join(bin, 'initdb')) && existsSync(join(bin, 'pg_ctl'))) return bin
    }
  }
  const found = spawnSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' })
  const initdb = found.stdout.trim()
  if (found.status === 0 && initdb !== '') return join(initdb, '..')
  return null
}

const underCi = (): boolean => process.env['CI'] === 'true'

/**
 * Decide whether this file can use PostgreSQL. Returns the bin directory, or
 * null after marking `t` skipped (outside CI) or failed (under CI).
 */
export function requirePostgres(t: Test): string | null {
  const bin = findPostgresBin()
  if (bin !== null) return bin
  const reason = 'PostgreSQL server programs (initdb, pg_ctl) are not installed; apt-get install postgresql'
  if (underCi()) t.fail(`${reason} — CI must run the PostgreSQL tests, not skip them`)
  else t.pass(reason, { skip: reason })
  return null
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

interface RunAs {
  command: string
  prefix: string[]
  uid: number | null
  gid: number | null
}

/** As root, run the server programs as the postgres user. */
function runAs(): RunAs {
  if (process.getuid?.() !== 0) return { command: '', prefix: [], uid: null, gid: null }
  const id = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' })
  const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' })
  if (id.status !== 0 || gid.status !== 0) {
    throw new Error('running as root, but there is no "postgres" user to run PostgreSQL as (the Debian package creates it)')
  }
  return { command: 'runuser', prefix: ['-u', 'postgres', '--'], uid: Number(id.stdout.trim()), gid: Number(gid.stdout.trim()) }
}

/** Write a file the server will read, owned by the user it runs as. */
function writeOwned(as: RunAs, file: string, text: string, mode: number): void {
  writeFileSync(file, text, { mode })
  chmodSync(file, mode)
  if (as.uid !== null && as.gid !== null) chownSync(file, as.uid, as.gid)
}

function run(as: RunAs, program: string, args: string[], cwd: string): Promise<string> {
  const [command, argv] = as.command === '' ? [program, args] : [as.command, [...as.prefix, program, ...args]]
  return new Promise((resolve, reject) => {
    execFile(command, argv, { cwd, timeout: 60_000, env: { ...process.env, LC_ALL: 'C' } }, (error, stdout, stderr) => {
      if (error !== null) reject(new Error(`${program} ${args.join(' ')} failed: ${error.message}\n${stdout}\n${stderr}`))
      else resolve(stdout)
    })
  })
}

let databases = 0

export interface ClusterOptions {
  /**
   * Replaces the TCP lines of pg_hba.conf (the Unix socket stays `trust`, so
   * the harness itself still connects without a password). Default: trust.
   */
  hostRules?: string[]
  /** Serve TLS with this certificate and key (copied into the data directory). */
  ssl?: { certFile: string; keyFile: string }
}

/**
 * Start a cluster for the rest of this test file; stopped and removed at
 * `t`'s teardown. Returns null (after skipping or failing `t`) when
 * PostgreSQL is not installed.
 */
export async function startPostgresCluster(t: Test, clusterOptions: ClusterOptions = {}): Promise<PostgresCluster | null> {
  const bin = requirePostgres(t)
  if (bin === null) return null
  const as = runAs()
  const dir = mkdtempSync(join(tmpdir(), 'gitward-pg-'))
  if (as.uid !== null && as.gid !== null) chownSync(dir, as.uid, as.gid)
  const data = join(dir, 'data')
  const logFile = join(dir, 'server.log')
  let port = 0
  let running = false

  t.teardown(async () => {
    if (running) await run(as, join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop'], dir).catch(() => undefined)
    running = false
    rmSync(dir, { recursive: true, force: true })
  })

  // trust on loopback and the private socket only: the cluster lives for one
  // test file, in a 0700 directory, and listens on 127.0.0.1 alone.
  await run(as, join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync', '--no-instructions'], dir)
  const extra: string[] = []
  if (clusterOptions.hostRules !== undefined) {
    writeOwned(as, join(data, 'pg_hba.conf'), ['local all all trust', ...clusterOptions.hostRules, ''].join('\n'), 0o600)
  }
  if (clusterOptions.ssl !== undefined) {
    // The server refuses a key readable by others, and reads both as its own user.
    writeOwned(as, join(data, 'server.crt'), readFileSync(clusterOptions.ssl.certFile, 'utf8'), 0o600)
    writeOwned(as, join(data, 'server.key'), readFileSync(clusterOptions.ssl.keyFile, 'utf8'), 0o600)
    extra.push('-c ssl=on')
  }

  const start = async (): Promise<void> => {
    // fsync off and a small buffer pool: throwaway data, a shared 2-core box.
    const options = [
      `-p ${port}`,
      `-k ${dir}`,
      '-c listen_addresses=127.0.0.1',
      '-c fsync=off',
      '-c synchronous_commit=off',
      '-c full_page_writes=off',
      '-c shared_buffers=16MB',
      '-c max_connections=60',
      ...extra,
    ].join(' ')
    await run(as, join(bin, 'pg_ctl'), ['-D', data, '-l', logFile, '-w', '-t', '60', '-o', options, 'start'], dir)
    running = true
  }

  // A port found free can be taken before the server binds it: try again.
  for (let attempt = 1; ; attempt++) {
    port = await freePort()
    try {
      await start()
      break
    } catch (e) {
      if (attempt >= 3) throw e
    }
  }

  const url = (database: string): string => `postgres://postgres@127.0.0.1:${port}/${encodeURIComponent(database)}`
  // The harness's own connections: over TCP when TCP is trusted, else over the Unix socket.
  const adminUrl = (database: string): string =>
    clusterOptions.hostRules === undefined ? url(database) : `postgres://postgres@/${encodeURIComponent(database)}?host=${encodeURIComponent(dir)}&port=${port}`
  return {
    get port() {
      return port
    },
    socketDir: dir,
    url,
    adminUrl,
    async createDatabase(name) {
      const database = name ?? `t${process.pid}_${++databases}`
      const client = new pg.Client({ connectionString: adminUrl('postgres') })
      await client.connect()
      try {
        await client.query(`CREATE DATABASE "${database.replace(/"/g, '""')}" STRATEGY = FILE_COPY`)
      } finally {
        await client.end()
      }
      return url(database)
    },
    async stop() {
      await run(as, join(bin, 'pg_ctl'), ['-D', data, '-m', 'fast', '-w', 'stop'], dir)
      running = false
    },
    start,
    log: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''),
  }
}

// Running a foreground daemon (nginx, fcgiwrap, apache2) as a child process
// for a test: find its binary, pick a loopback port, wait until it answers,
// and stop it for sure. Shared by the upstream helpers.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process'
import { accessSync, constants, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'

// Daemons live in sbin, which a non-root PATH often lacks.
const EXTRA_DIRS = ['/usr/local/sbin', '/usr/sbin', '/sbin']

/** Absolute path of an executable, or null when it is not installed. */
export function findBinary(name: string, pathEnv: string | undefined): string | null {
  const dirs = [...(pathEnv ?? '').split(delimiter).filter(d => d !== ''), ...EXTRA_DIRS]
  for (const dir of dirs) {
    const candidate = join(dir, name)
    try {
      accessSync(candidate, constants.X_OK)
      return candidate
    } catch {
      // not here; try the next directory
    }
  }
  return null
}

export function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

/**
 * A fresh directory with a short path, for Unix sockets: a socket path is
 * limited to about 107 bytes, which a deep test directory easily exceeds.
 */
export function shortTempDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix))
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) }
}

/** A port on 127.0.0.1 that was free a moment ago (the caller retries on a race). */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address !== null ? address.port : 0
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no port assigned'))))
    })
  })
}

export interface Daemon {
  readonly child: ChildProcess
  /** The last few KiB of stdout and stderr, for error messages. */
  output(): string
  /** True once the process has exited. */
  exited(): boolean
  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
  stop(graceMs?: number): Promise<void>
}

const OUTPUT_LIMIT = 8 * 1024

export function startDaemon(command: string, args: readonly string[], options: SpawnOptions): Daemon {
  const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] })
  let captured = ''
  const keep = (chunk: Buffer): void => {
    captured = (captured + chunk.toString('utf8')).slice(-OUTPUT_LIMIT)
  }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  let done = false
  const exit = new Promise<void>(resolve => {
    child.on('exit', () => {
      done = true
      resolve()
    })
    // A spawn failure (ENOENT) emits 'error' and no 'exit'.
    child.on('error', error => {
      keep(Buffer.from(`\nspawn failed: ${error.message}\n`))
      done = true
      resolve()
    })
  })
  return {
    child,
    output: () => captured,
    exited: () => done,
    async stop(graceMs = 5000) {
      if (done) return
      child.kill('SIGTERM')
      let timer: NodeJS.Timeout | undefined
      const timedOut = new Promise<boolean>(resolve => {
        timer = setTimeout(() => resolve(true), graceMs)
      })
      const late = await Promise.race([exit.then(() => false), timedOut])
      clearTimeout(timer)
      if (late && !done) {
        child.kill('SIGKILL')
        await exit
      }
    },
  }
}

/** Replace every occurrence of `from`; a template without it is a broken template. */
export function substitute(template: string, from: string, to: string, templateName: string): string {
  if (!template.includes(from)) {
    throw new Error(`${templateName} no longer contains "${from}"; update the test helper that rewrites it`)
  }
  return template.split(from).join(to)
}

/** The end of a log file, or nothing when it does not exist (for error messages). */
export function readTail(path: string, bytes = 4096): string {
  try {
    return readFileSync(path, 'utf8').slice(-bytes)
  } catch {
    return ''
  }
}

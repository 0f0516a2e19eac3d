// Starts git without forking the gateway. Node's child_process.spawn calls
// fork(), which copies the page tables of the whole gitward process on the
// event loop: the bigger gitward's memory, the longer every request waits
// (measured in docs/performance.md). The native addon in src/native/posix-spawn.c
// uses posix_spawn instead (clone with CLONE_VM | CLONE_VFORK in glibc),
// whose cost does not depend on the parent's size.
//
// The result keeps child_process's contract for what the embedded backend
// uses — pid, three stdio streams, 'error', 'exit' and 'close' — and the same
// isolation: the environment is exactly the one given, the child has its
// own process group, default signal handling and only its three stdio
// sockets (Unix stream socket pairs, as libuv makes for child_process).
// Anything outside that contract (another stdio shape, no process group, a
// program not found on the child's PATH, a failed posix_spawn) goes to
// child_process.spawn, which reports errors the usual way.
import { spawn as nodeSpawn } from 'node:child_process'
import type { ChildProcess, SpawnOptions } from 'node:child_process'
import { EventEmitter } from 'node:events'
import { accessSync, constants } from 'node:fs'
import { createRequire } from 'node:module'
import { Socket } from 'node:net'
import { constants as osConstants } from 'node:os'
import path from 'node:path'

/** The spawn function the embedded backend is given. */
export type SpawnFunction = typeof nodeSpawn

interface NativeSpawn {
  /**
   * Makes the three stdio socket pairs at once and starts the child on a libuv worker
   * thread: posix_spawn holds its calling thread until the child has
   * exec'd, which on a busy machine can take milliseconds.
   */
  spawn(
    file: string,
    argv: string[],
    envp: string[],
    cwd: string,
    onSpawned: (error: (Error & { errno?: number }) | null, pid: number | null) => void,
    onExit: (code: number | null, signal: number) => void,
  ): [stdin: number, stdout: number, stderr: number]
}

export type NativeSpawnLoad = { ok: true; native: NativeSpawn } | { ok: false; reason: string }

/** Loads src/native/build/Release/posix_spawn.node (built by node-gyp at `npm ci`). */
export function loadNativeSpawn(): NativeSpawnLoad {
  if (process.platform !== 'linux') return { ok: false, reason: `posix_spawn with pidfd is Linux-only (this is ${process.platform})` }
  try {
    // dist/backend/ -> package root
    const require = createRequire(import.meta.url)
    const native = require('../../src/native/build/Release/posix_spawn.node') as NativeSpawn
    if (typeof native.spawn !== 'function') return { ok: false, reason: 'the native addon has no spawn function' }
    return { ok: true, native }
  } catch (err) {
    return { ok: false, reason: `the native addon did not load (${(err as Error).message.split('\n')[0]}); run "npm rebuild" or "npx node-gyp rebuild"` }
  }
}

const SIGNAL_NAMES = Object.create(null) as Record<number, NodeJS.Signals>
for (const [name, number] of Object.entries(osConstants.signals)) SIGNAL_NAMES[number] ??= name as NodeJS.Signals

/**
 * A child started by posix_spawn, shaped like the part of ChildProcess the
 * embedded backend uses. 'close' comes after the exit and after all three
 * pipes have closed, as with child_process.
 */
class PosixChild extends EventEmitter {
  /** Known once the child runs ('spawn'), as with child_process. */
  pid: number | undefined = undefined
  readonly stdin: Socket
  readonly stdout: Socket
  readonly stderr: Socket
  exitCode: number | null = null
  signalCode: NodeJS.Signals | null = null
  killed = false
  private pending = 4

  constructor(fds: [number, number, number]) {
    super()
    this.stdin = new Socket({ fd: fds[0], readable: false, writable: true })
    this.stdout = new Socket({ fd: fds[1], readable: true, writable: false })
    this.stderr = new Socket({ fd: fds[2], readable: true, writable: false })
    for (const stream of [this.stdin, this.stdout, this.stderr]) stream.once('close', () => this.settle())
  }

  onSpawned(error: (Error & { errno?: number }) | null, pid: number | null): void {
    if (error !== null || pid === null) {
      // As child_process reports a failed start: 'error', then the end.
      const failure: Error & { errno?: number; syscall?: string } = error ?? new Error('posix_spawn failed')
      failure.syscall = 'spawn'
      this.emit('error', failure)
      this.stdin.destroy()
      this.stdout.destroy()
      this.stderr.destroy()
      this.onExit(-(failure.errno ?? 1), 0)
      return
    }
    this.pid = pid
    this.emit('spawn')
  }

  onExit(code: number | null, signal: number): void {
    this.exitCode = code
    this.signalCode = signal === 0 ? null : (SIGNAL_NAMES[signal] ?? null)
    // As child_process does: nothing more can be written to a dead process.
    this.stdin.destroy()
    this.emit('exit', this.exitCode, this.signalCode)
    this.settle()
  }

  kill(signal: NodeJS.Signals | number = 'SIGTERM'): boolean {
    if (this.pid === undefined || this.exitCode !== null || this.signalCode !== null) return false
    try {
      process.kill(this.pid, signal)
      this.killed = true
      return true
    } catch {
      return false
    }
  }

  private settle(): void {
    this.pending -= 1
    if (this.pending === 0) this.emit('close', this.exitCode, this.signalCode)
  }
}

function isExecutableFile(file: string): boolean {
  try {
    accessSync(file, constants.X_OK)
    return true
  } catch {
    return false
  }
}

/** `file` as the child's PATH finds it, or null (child_process then reports ENOENT). */
function lookUp(file: string, pathEnv: string | undefined, cwd: string): string | null {
  if (file.includes('/')) return isExecutableFile(path.resolve(cwd, file)) ? path.resolve(cwd, file) : null
  for (const dir of (pathEnv ?? '').split(':')) {
    if (dir === '' || !path.isAbsolute(dir)) continue
    const candidate = path.join(dir, file)
    if (isExecutableFile(candidate)) return candidate
  }
  return null
}

const isPipe = (s: unknown): boolean => s === 'pipe' || s === undefined || s === null

export interface PosixSpawnOptions {
  native: NativeSpawn
  /** Used for every call the fast path does not cover (default child_process.spawn). */
  fallback?: SpawnFunction
  /** Told once per reason why a call went to the fallback. */
  onFallback?: (reason: string) => void
}

/** A spawn function with child_process.spawn's signature that starts git with posix_spawn. */
export function createPosixSpawn(options: PosixSpawnOptions): SpawnFunction {
  const { native, fallback = nodeSpawn, onFallback = () => {} } = options
  const told = new Set<string>()
  // The program's location on a given PATH; hot, so cached (git does not move
  // while gitward runs; if it does, the spawn fails and the entry is dropped).
  const resolved = new Map<string, string>()
  const fall = (reason: string, file: string, args: readonly string[], spawnOptions: SpawnOptions): ChildProcess => {
    if (!told.has(reason)) {
      told.add(reason)
      onFallback(reason)
    }
    return fallback(file, args, spawnOptions)
  }

  const spawn = (file: string, args: readonly string[] = [], spawnOptions: SpawnOptions = {}): ChildProcess => {
    const stdio = spawnOptions.stdio ?? 'pipe'
    const pipes = stdio === 'pipe' || (Array.isArray(stdio) && stdio.length === 3 && stdio.every(isPipe))
    if (!pipes || spawnOptions.detached !== true || (spawnOptions.shell !== undefined && spawnOptions.shell !== false) ||
      spawnOptions.uid !== undefined || spawnOptions.gid !== undefined || spawnOptions.env === undefined ||
      typeof spawnOptions.cwd !== 'string') {
      return fall('options outside the fast path (three pipes, detached, explicit env and cwd)', file, args, spawnOptions)
    }
    const env = spawnOptions.env
    const cwd = spawnOptions.cwd
    const key = `${file}\0${env.PATH ?? ''}\0${cwd}`
    let program = resolved.get(key)
    if (program === undefined) {
      const found = lookUp(file, env.PATH, cwd)
      if (found === null) return fall(`${file} not found on the child's PATH`, file, args, spawnOptions)
      program = found
      resolved.set(key, program)
    }
    const envp: string[] = []
    for (const name in env) {
      const value = env[name]
      if (value !== undefined) envp.push(`${name}=${value}`)
    }
    let fds: [number, number, number]
    let child: PosixChild | null = null
    try {
      fds = native.spawn(
        program,
        [file, ...args],
        envp,
        cwd,
        (error, pid) => child?.onSpawned(error, pid),
        (code, signal) => child?.onExit(code, signal),
      )
    } catch (err) {
      resolved.delete(key)
      return fall(`posix_spawn failed (${(err as Error).message})`, file, args, spawnOptions)
    }
    // Both callbacks come from later turns of the event loop, never before this.
    child = new PosixChild(fds)
    return child as unknown as ChildProcess
  }
  return spawn as SpawnFunction
}

/**
 * The spawn the embedded backend should use: posix_spawn when the addon is
 * there, child_process.spawn otherwise, with the reason handed to `report`.
 */
export function chooseSpawn(report: (message: string, fields: Record<string, unknown>) => void): {
  spawn: SpawnFunction
  fast: boolean
} {
  const loaded = loadNativeSpawn()
  if (!loaded.ok) {
    report('git processes start with child_process.spawn (fork), which costs more as gitward grows', { reason: loaded.reason })
    return { spawn: nodeSpawn, fast: false }
  }
  return {
    spawn: createPosixSpawn({
      native: loaded.native,
      onFallback: reason => report('a git process starts with child_process.spawn instead of posix_spawn', { reason }),
    }),
    fast: true,
  }
}

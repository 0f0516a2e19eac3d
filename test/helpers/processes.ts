// Processes, seen from outside: a git client started in its own process
// group (so "the client died" can mean the whole client, as when a laptop
// loses power or a user presses Ctrl-C), bounded polling, and a scan of
// /proc for server-side git processes still working on a test's repositories.
import { spawn, type ChildProcess } from 'node:child_process'
import { readdirSync, readFileSync, readlinkSync } from 'node:fs'
import { gitEnv } from './git/client.js'

export interface ClientProcess {
  child: ChildProcess
  /** stdout + stderr so far. */
  output(): string
  /** Resolves with the exit code (or the signal name) once git has exited. */
  exited: Promise<number | NodeJS.Signals>
  /** SIGKILL to the client's whole process group (git, remote-http, send-pack, pack-objects). */
  killGroup(): void
}

/**
 * Spawn git as a process-group leader. Killing only the top `git` would
 * leave its `git-remote-http` helper running, which may well finish the
 * upload on its own; a dead client takes all of them.
 */
export function spawnClientGroup(home: string, args: readonly string[], options: { cwd: string; env?: Record<string, string> }): ClientProcess {
  const child = spawn('git', [...args], { cwd: options.cwd, env: gitEnv(home, options.env), stdio: ['ignore', 'pipe', 'pipe'], detached: true })
  let out = ''
  const keep = (c: Buffer): void => {
    out = (out + c.toString('utf8')).slice(-16_384)
  }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  const exited = new Promise<number | NodeJS.Signals>(resolve => {
    child.on('close', (code, signal) => resolve(code ?? signal ?? 'SIGKILL'))
    child.on('error', () => resolve(1))
  })
  return {
    child,
    output: () => out,
    exited,
    killGroup: () => {
      if (child.pid === undefined) return
      try {
        process.kill(-child.pid, 'SIGKILL')
      } catch {
        // ESRCH: already gone.
      }
    },
  }
}

export interface ProcessInfo {
  pid: number
  cmdline: string
}

function read(path: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return ''
  }
}

/**
 * Processes (other than this one) whose command line, working directory or
 * environment mentions `dir`. A `git http-backend` names its repositories
 * root in GIT_PROJECT_ROOT; receive-pack and upload-pack name the repository
 * on their command line; index-pack and pack-objects run inside it.
 */
export function processesMentioning(dir: string): ProcessInfo[] {
  const found: ProcessInfo[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    const pid = Number(entry)
    if (pid === process.pid) continue
    const cmdline = read(`/proc/${pid}/cmdline`).split('\0').join(' ').trim()
    if (cmdline === '') continue // a kernel thread, or already gone
    let cwd = ''
    try {
      cwd = readlinkSync(`/proc/${pid}/cwd`)
    } catch {
      // gone, or not ours to look at
    }
    const environ = read(`/proc/${pid}/environ`)
    if (cmdline.includes(dir) || cwd.startsWith(dir) || environ.includes(`=${dir}\0`) || environ.includes(`=${dir}/`)) {
      found.push({ pid, cmdline })
    }
  }
  return found
}

/** Only the git processes among them. */
export const gitProcessesMentioning = (dir: string): ProcessInfo[] =>
  processesMentioning(dir).filter(p => /(^|\/)git(-[a-z-]+)?( |$)/.test(p.cmdline))

/** `promise`, or a rejection naming `what` after `ms` (keeps every wait bounded). */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms)
  })
  try {
    return await Promise.race([promise, late])
  } finally {
    clearTimeout(timer)
  }
}

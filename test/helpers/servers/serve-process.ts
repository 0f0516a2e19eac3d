// The installed program as an operator runs it: `node bin/gitward serve` as a
// child process, its JSON log lines on stdout, its notices on stderr, and
// the port learned from the "listening" line. Also the admin CLI, run the
// same way against the same database.
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { BIN } from '../paths/root.js'
import type { RunResult } from '../git/client.js'

export interface ServeProcess {
  child: ChildProcess
  url: string
  port: number
  stdout(): string
  stderr(): string
  /** The JSON objects logged so far (a line that is not JSON throws). */
  logLines(): Array<Record<string, unknown>>
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  isRunning(): boolean
}

const LISTENING = /gitward is listening on (https?:\/\/127\.0\.0\.1:(\d+))/

/** A small environment: no HOME config, no GITWARD_* from the machine. */
export function serveEnv(home: string, extra: Record<string, string> = {}): Record<string, string> {
  return { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home, LANG: 'C', GITWARD_BCRYPT_COST: '4', ...extra }
}

/** Spawn `gitward serve <args>` and wait (bounded) for its listening line. */
export async function startServeProcess(
  args: readonly string[],
  options: { cwd: string; env: Record<string, string>; timeoutMs?: number },
): Promise<ServeProcess> {
  const child = spawn(process.execPath, [BIN, 'serve', ...args], { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  child.stdout?.on('data', (c: Buffer) => (out += c.toString('utf8')))
  child.stderr?.on('data', (c: Buffer) => (err += c.toString('utf8')))
  let running = true
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>(resolve => {
    child.on('close', (code, signal) => {
      running = false
      resolve({ code, signal })
    })
    child.on('error', () => {
      running = false
      resolve({ code: null, signal: null })
    })
  })
  const found = await new Promise<RegExpExecArray | null>(resolve => {
    const timer = setTimeout(() => done(null), options.timeoutMs ?? 30_000)
    const check = (): void => {
      const m = LISTENING.exec(err)
      if (m !== null) done(m)
    }
    const done = (m: RegExpExecArray | null): void => {
      clearTimeout(timer)
      child.stderr?.off('data', check)
      resolve(m)
    }
    child.stderr?.on('data', check)
    void exited.then(() => done(LISTENING.exec(err)))
  })
  if (found === null) {
    child.kill('SIGKILL')
    throw new Error(`gitward serve did not start listening.\nstderr:\n${err}\nstdout:\n${out}`)
  }
  return {
    child,
    url: found[1] as string,
    port: Number(found[2]),
    stdout: () => out,
    stderr: () => err,
    logLines: () =>
      out
        .split('\n')
        .filter(l => l !== '')
        .map(l => JSON.parse(l) as Record<string, unknown>),
    exited,
    isRunning: () => running,
  }
}

/** `gitward serve <args>` expected to fail before listening: its exit code and output. */
export function runServeToFailure(args: readonly string[], options: { cwd: string; env: Record<string, string> }): Promise<RunResult> {
  return runGitward(['serve', ...args], options)
}

/** Run `node bin/gitward <args>` to completion (bounded). */
export function runGitward(args: readonly string[], options: { cwd: string; env: Record<string, string> }): Promise<RunResult> {
  return new Promise(resolve => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: options.cwd, env: options.env, encoding: 'utf8', timeout: 60_000 },
      (error, stdout, stderr) =>
        resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr }),
    )
  })
}

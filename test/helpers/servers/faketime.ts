// Runs the real `gitward serve` (bin/gitward, from dist/) as a child process
// whose wall clock and time zone the test controls: TZ is set for the
// process, and libfaketime (LD_PRELOAD) reads the fake time from a file on
// every clock call, so one server can be moved across midnight between
// requests. Only the wall clock is faked; the monotonic clock (timers) runs
// normally. Time zones and the system clock stay process-local: nothing in
// the test process itself changes.
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { BIN } from '../paths/root.js'

const LIBFAKETIME = [
  '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1',
  '/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1',
  '/usr/lib/faketime/libfaketime.so.1',
  '/usr/local/lib/faketime/libfaketime.so.1',
]

/** Path of libfaketime, or null when it is not installed. */
export function findLibfaketime(): string | null {
  return LIBFAKETIME.find(p => existsSync(p)) ?? null
}

/** `YYYY-MM-DD HH:MM:SS` of an instant as a wall clock in `timeZone` shows it (what libfaketime reads). */
export function wallClock(instant: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(instant)
  const get = (type: string): string => parts.find(p => p.type === type)?.value ?? '00'
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}:${get('second')}`
}

export interface FakeTimeServer {
  url: string
  port: number
  /** Move the server's wall clock to `instant` (frozen there). */
  setTime(instant: Date): void
  output(): string
  stop(): Promise<void>
}

export async function startFakeTimeServer(options: {
  lib: string
  timeZone: string
  start: Date
  dir: string
  db: string
  repos: string
}): Promise<FakeTimeServer> {
  const stampFile = join(options.dir, `faketime-${options.timeZone.replace(/\W/g, '_')}`)
  const setTime = (instant: Date): void => writeFileSync(stampFile, `${wallClock(instant, options.timeZone)}\n`)
  setTime(options.start)
  const env = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    TZ: options.timeZone,
    LD_PRELOAD: options.lib,
    FAKETIME_TIMESTAMP_FILE: stampFile,
    FAKETIME_NO_CACHE: '1',
    FAKETIME_DONT_FAKE_MONOTONIC: '1',
    GITWARD_DB: options.db,
    GITWARD_REPOS: options.repos,
    GITWARD_LISTEN: '127.0.0.1:0',
    GITWARD_BCRYPT_COST: '4',
    GITWARD_BAN_ENABLED: 'false',
  }
  return launch([BIN, 'serve'], env, options.dir, setTime)
}

async function launch(args: string[], env: Record<string, string>, cwd: string, setTime: (instant: Date) => void): Promise<FakeTimeServer> {
  const child: ChildProcess = spawn(process.execPath, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout?.on('data', (c: Buffer) => (out += c.toString('utf8')))
  child.stderr?.on('data', (c: Buffer) => (out += c.toString('utf8')))
  const exited = new Promise<void>(resolve => child.on('close', () => resolve()))
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`gitward serve did not start:\n${out}`))
    }, 30_000)
    const check = (): void => {
      const m = /gitward is listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)
      if (m?.[1] !== undefined) {
        clearTimeout(timer)
        resolve(m[1])
      }
    }
    child.stdout?.on('data', check)
    child.stderr?.on('data', check)
    child.on('close', code => {
      clearTimeout(timer)
      reject(new Error(`gitward serve exited (${code}):\n${out}`))
    })
  })
  return {
    url,
    port: Number(new URL(url).port),
    setTime,
    output: () => out,
    stop: async () => {
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
      await exited
      clearTimeout(timer)
    },
  }
}

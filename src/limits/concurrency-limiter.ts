// Bounds how much of an expensive resource runs at once: git processes (each
// clone or push costs a process tree, memory and CPU) and bcrypt compares
// (each costs tens of milliseconds of a core). Without a bound a burst of
// requests, or a deliberate flood, starves the machine. Requests over the
// bound wait in a short queue and are refused with OVERLOADED when it is full
// or their wait runs out, so a client is told to retry instead of hanging;
// a waiter whose client has gone (its AbortSignal fired) leaves the queue.
import { GitwardError } from '../errors.js'

/** Gives a slot back. Calling it more than once has no further effect. */
export type Release = () => void

/** Schedules `fn` after `ms`; returns a function that cancels it. */
export type Schedule = (fn: () => void, ms: number) => () => void

export interface ConcurrencyLimiterOptions {
  /** Slots that may be held at once (at least 1). */
  maxConcurrent: number
  /** Longest wait for a slot, in milliseconds. */
  queueTimeoutMs: number
  /** Longest queue; further requests are refused at once. Default: 4 × maxConcurrent. */
  maxQueue?: number
  schedule?: Schedule
  /** What is limited, for messages: "git operations", "token checks". */
  what?: string
  /**
   * Told how each wait for a slot ended (not called when a slot was free at
   * once): granted, timeout, full (refused without waiting) or aborted.
   */
  onWaitEnd?: (outcome: WaitOutcome, waitedMs: number) => void
  /** Milliseconds, for measuring waits (default performance.now). */
  now?: () => number
}

export type WaitOutcome = 'granted' | 'timeout' | 'full' | 'aborted'

export interface ConcurrencyLimiter {
  /**
   * Resolves with a Release once a slot is free. Rejects with
   * GitwardError('OVERLOADED') when the queue is full or the wait runs out,
   * and with the signal's reason when `signal` aborts while waiting.
   */
  acquire(signal?: AbortSignal): Promise<Release>
  /** Run `work` holding a slot; the slot is released however it ends. */
  run<T>(work: () => Promise<T>, signal?: AbortSignal): Promise<T>
  /** Slots currently held. */
  active(): number
  /** Requests currently waiting. */
  queued(): number
}

const timerSchedule: Schedule = (fn, ms) => {
  const t = setTimeout(fn, ms)
  return () => clearTimeout(t)
}

interface Waiter {
  grant: () => void
}

/** Why a wait was abandoned: the signal's reason (an Error, as the callers pass one). */
const abortError = (signal: AbortSignal): Error =>
  signal.reason instanceof Error ? signal.reason : new Error(`aborted: ${String(signal.reason)}`)

export function createConcurrencyLimiter(options: ConcurrencyLimiterOptions): ConcurrencyLimiter {
  const { maxConcurrent, queueTimeoutMs } = options
  const maxQueue = options.maxQueue ?? 4 * maxConcurrent
  const schedule = options.schedule ?? timerSchedule
  const what = options.what ?? 'git operations'
  const onWaitEnd = options.onWaitEnd ?? ((): void => {})
  const now = options.now ?? ((): number => performance.now())
  if (!Number.isSafeInteger(maxConcurrent) || maxConcurrent < 1) {
    throw new GitwardError('INVALID_CONFIG', `The limit on concurrent ${what} must be a whole number of at least 1.`)
  }
  if (!Number.isSafeInteger(maxQueue) || maxQueue < 0) {
    throw new GitwardError('INVALID_CONFIG', `The queue length for ${what} must be a whole number of at least 0.`)
  }
  if (!(queueTimeoutMs >= 0)) {
    throw new GitwardError('INVALID_CONFIG', `The queue timeout for ${what} must not be negative.`)
  }

  let held = 0
  const queue: Waiter[] = []

  const makeRelease = (): Release => {
    let released = false
    return () => {
      if (released) return
      released = true
      // Hand the slot straight to the next waiter, so a newcomer cannot
      // overtake the queue between release and grant.
      const next = queue.shift()
      if (next) next.grant()
      else held--
    }
  }

  const overloaded = (): GitwardError =>
    new GitwardError('OVERLOADED', `Too many ${what} are running; try again shortly.`)

  const limiter: ConcurrencyLimiter = {
    acquire(signal?: AbortSignal): Promise<Release> {
      if (signal?.aborted) return Promise.reject(abortError(signal))
      if (held < maxConcurrent) {
        held++
        return Promise.resolve(makeRelease())
      }
      if (queue.length >= maxQueue) {
        onWaitEnd('full', 0)
        return Promise.reject(overloaded())
      }
      const started = now()
      return new Promise<Release>((resolve, reject) => {
        let cancelTimer = (): void => {}
        const leave = (outcome: WaitOutcome): void => {
          const i = queue.indexOf(waiter)
          if (i !== -1) queue.splice(i, 1)
          cancelTimer()
          signal?.removeEventListener('abort', onAbort)
          onWaitEnd(outcome, now() - started)
        }
        const onAbort = (): void => {
          leave('aborted')
          if (signal !== undefined) reject(abortError(signal))
        }
        const waiter: Waiter = {
          grant: () => {
            leave('granted')
            resolve(makeRelease())
          },
        }
        queue.push(waiter)
        signal?.addEventListener('abort', onAbort, { once: true })
        cancelTimer = schedule(() => {
          leave('timeout')
          reject(overloaded())
        }, queueTimeoutMs)
      })
    },
    async run<T>(work: () => Promise<T>, signal?: AbortSignal): Promise<T> {
      const release = await limiter.acquire(signal)
      try {
        return await work()
      } finally {
        release()
      }
    },
    active: () => held,
    queued: () => queue.length,
  }
  return limiter
}

// Bounds how much of an expensive resource runs at once: git processes (each
// clone or push costs a process tree, memory and CPU) and bcrypt compares
// (each costs tens of milliseconds of a core). Without a bound a burst of
// requests, or a deliberate flood, starves the machine. Requests over the
// bound wait in a short queue and are refused with OVERLOADED when it is full
// or their wait runs out, so a client is told to retry instead of hanging;
// a waiter whose client has gone (its AbortSignal fired) leaves the queue.
//
// A bound shared by everyone can be taken by one client: a flood of guesses
// from one address filled the whole bcrypt queue, and sockets that never read
// held every git slot. So a request may name a key (the client address), and
// one key may hold at most `maxConcurrentPerKey` slots and keep at most
// `maxQueuePerKey` requests waiting. Freed slots go to waiting keys in turn
// (round robin), not first come first served, so a key with a long queue
// cannot make another key's single request wait behind all of it.
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
  /** Slots one key may hold at once. Default: maxConcurrent (no share). */
  maxConcurrentPerKey?: number
  /** Requests one key may have waiting. Default: maxQueue (no share). */
  maxQueuePerKey?: number
  schedule?: Schedule
  /**
   * Told how each wait for a slot ended (not called when a slot was free at
   * once): granted, timeout, full (refused without waiting) or aborted.
   */
  onWaitEnd?: (outcome: WaitOutcome, waitedMs: number) => void
  /** Milliseconds, for measuring waits (default performance.now). */
  now?: () => number
  /** What is limited, for messages: "git operations", "token checks". */
  what?: string
}

export interface ConcurrencyLimiter {
  /**
   * Resolves with a Release once a slot is free. Rejects with
   * GitwardError('OVERLOADED') when the queue (or `key`'s share of it) is
   * full or the wait runs out, and with the signal's reason when `signal`
   * aborts while waiting. Without a key, only the overall bounds apply.
   */
  acquire(signal?: AbortSignal, key?: string): Promise<Release>
  /** Run `work` holding a slot; the slot is released however it ends. */
  run<T>(work: () => Promise<T>, signal?: AbortSignal, key?: string): Promise<T>
  /** Slots currently held. */
  active(): number
  /** Requests currently waiting. */
  queued(): number
  /** Slots currently held under `key`. */
  activeFor(key: string): number
}

export type WaitOutcome = 'granted' | 'timeout' | 'full' | 'aborted'

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

/** Requests without a key share no per-key bound; they queue under this one. */
const UNKEYED = Symbol('unkeyed')
type Key = string | typeof UNKEYED

function wholeNumber(value: number, min: number, what: string, name: string): void {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new GitwardError('INVALID_CONFIG', `The ${name} for ${what} must be a whole number of at least ${min}.`)
  }
}

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
  const perKeySlots = options.maxConcurrentPerKey ?? maxConcurrent
  const perKeyQueue = options.maxQueuePerKey ?? maxQueue
  wholeNumber(perKeySlots, 1, what, 'per-client limit')
  wholeNumber(perKeyQueue, 0, what, 'per-client queue length')

  let held = 0
  let waiting = 0
  const heldBy = new Map<Key, number>()
  // Waiters by key; the map's order is the round-robin turn order.
  const queues = new Map<Key, Waiter[]>()

  const slotsOf = (key: Key): number => heldBy.get(key) ?? 0
  const mayHoldMore = (key: Key): boolean => key === UNKEYED || slotsOf(key) < perKeySlots

  const take = (key: Key): Release => {
    held++
    heldBy.set(key, slotsOf(key) + 1)
    let released = false
    return () => {
      if (released) return
      released = true
      held--
      const left = slotsOf(key) - 1
      if (left === 0) heldBy.delete(key)
      else heldBy.set(key, left)
      // Hand the slot straight to the next eligible waiter, so a newcomer
      // cannot overtake the queue between release and grant.
      dispatch()
    }
  }

  /** Grant free slots to waiting keys in turn; a key at its share is skipped. */
  function dispatch(): void {
    while (held < maxConcurrent) {
      let granted = false
      for (const [key, waiters] of queues) {
        if (!mayHoldMore(key)) continue
        const next = waiters[0]
        if (next === undefined) continue
        next.grant() // leaves the queue, and drops the key's list once empty
        // This key has had its turn: to the back of the line.
        const rest = queues.get(key)
        if (rest !== undefined) {
          queues.delete(key)
          queues.set(key, rest)
        }
        granted = true
        break
      }
      if (!granted) return
    }
  }

  const overloaded = (): GitwardError =>
    new GitwardError('OVERLOADED', `Too many ${what} are running; try again shortly.`)

  const limiter: ConcurrencyLimiter = {
    acquire(signal?: AbortSignal, keyName?: string): Promise<Release> {
      if (signal?.aborted) return Promise.reject(abortError(signal))
      const key: Key = keyName ?? UNKEYED
      // While a slot is free, no waiter that could use it exists (dispatch
      // runs on every release), so taking it overtakes nobody.
      if (held < maxConcurrent && mayHoldMore(key)) return Promise.resolve(take(key))
      const own = queues.get(key) ?? []
      if (waiting >= maxQueue || (key !== UNKEYED && own.length >= perKeyQueue)) {
        onWaitEnd('full', 0)
        return Promise.reject(overloaded())
      }
      const started = now()
      return new Promise<Release>((resolve, reject) => {
        let cancelTimer = (): void => {}
        const leave = (outcome: WaitOutcome): void => {
          const list = queues.get(key)
          const i = list?.indexOf(waiter) ?? -1
          if (list !== undefined && i !== -1) {
            list.splice(i, 1)
            waiting--
            if (list.length === 0) queues.delete(key)
          }
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
            resolve(take(key))
          },
        }
        own.push(waiter)
        waiting++
        if (!queues.has(key)) queues.set(key, own)
        signal?.addEventListener('abort', onAbort, { once: true })
        cancelTimer = schedule(() => {
          leave('timeout')
          reject(overloaded())
        }, queueTimeoutMs)
      })
    },
    async run<T>(work: () => Promise<T>, signal?: AbortSignal, key?: string): Promise<T> {
      const release = await limiter.acquire(signal, key)
      try {
        return await work()
      } finally {
        release()
      }
    },
    active: () => held,
    queued: () => waiting,
    activeFor: key => slotsOf(key),
  }
  return limiter
}

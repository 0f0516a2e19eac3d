// Bounds how much of an expensive resource runs at once (bcrypt compares,
// git processes). Excess callers wait in a bounded queue for a bounded time;
// past either bound they are refused with OVERLOADED (503), so a flood cannot
// queue unbounded work or memory.
import { GitwardError } from '../errors.js'

export interface WorkLimiterOptions {
  /** How many may run at once. */
  concurrency: number
  /** How many may wait. */
  maxQueue: number
  /** How long one may wait, in ms. */
  queueTimeoutMs: number
  /** Used in the refusal message, e.g. "token checks". */
  what: string
}

export type Release = () => void

export class WorkLimiter {
  readonly #options: WorkLimiterOptions
  #running = 0
  readonly #queue: Array<{ grant: (r: Release) => void; timer: NodeJS.Timeout }> = []

  constructor(options: WorkLimiterOptions) {
    this.#options = options
  }

  get running(): number {
    return this.#running
  }

  get waiting(): number {
    return this.#queue.length
  }

  acquire(): Promise<Release> {
    if (this.#running < this.#options.concurrency) {
      this.#running++
      return Promise.resolve(this.#releaser())
    }
    if (this.#queue.length >= this.#options.maxQueue) return Promise.reject(this.#overloaded())
    return new Promise<Release>((resolve, reject) => {
      const waiter = {
        grant: resolve,
        timer: setTimeout(() => {
          const i = this.#queue.indexOf(waiter)
          if (i !== -1) this.#queue.splice(i, 1)
          reject(this.#overloaded())
        }, this.#options.queueTimeoutMs),
      }
      this.#queue.push(waiter)
    })
  }

  /** Run `work` inside a slot. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    const release = await this.acquire()
    try {
      return await work()
    } finally {
      release()
    }
  }

  #releaser(): Release {
    let released = false
    return () => {
      if (released) return
      released = true
      const next = this.#queue.shift()
      if (next === undefined) {
        this.#running--
        return
      }
      clearTimeout(next.timer)
      // The slot passes straight to the next waiter.
      next.grant(this.#releaser())
    }
  }

  #overloaded(): GitwardError {
    return new GitwardError('OVERLOADED', `Too many ${this.#options.what} are waiting; try again shortly.`)
  }
}

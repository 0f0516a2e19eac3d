// Time is always passed in, never read from a global, so tests can move it
// (expiry at midnight UTC, last-used batching, ban windows).
export interface Clock {
  /** Milliseconds since the epoch, like Date.now(). */
  now(): number
}

export const systemClock: Clock = { now: () => Date.now() }

/** A clock tests can set and advance. */
export class ManualClock implements Clock {
  #ms: number
  constructor(start: number | Date) {
    this.#ms = typeof start === 'number' ? start : start.getTime()
  }
  now(): number {
    return this.#ms
  }
  set(to: number | Date): void {
    this.#ms = typeof to === 'number' ? to : to.getTime()
  }
  advance(ms: number): void {
    this.#ms += ms
  }
}

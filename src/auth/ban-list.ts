// Brute-force protection per client address: after `maxFailures` failed token
// checks within `windowMs`, the address is banned for `banMs`. While banned it
// is refused before any database or bcrypt work. A successful check resets the
// count. Memory is bounded: at most `maxTracked` addresses are remembered,
// oldest first out.
import type { Clock } from '../clock.js'
import { AddressRanges } from '../net/address-ranges.js'

export interface BanListOptions {
  enabled: boolean
  maxFailures: number
  windowMs: number
  banMs: number
  allowlist: readonly string[]
  clock: Clock
  maxTracked?: number
}

interface Entry {
  windowStart: number
  failures: number
  bannedUntil: number
}

export class BanList {
  readonly #o: BanListOptions
  readonly #allow: AddressRanges
  readonly #entries = new Map<string, Entry>()
  readonly #maxTracked: number

  constructor(options: BanListOptions) {
    this.#o = options
    this.#allow = new AddressRanges(options.allowlist)
    this.#maxTracked = options.maxTracked ?? 100_000
  }

  isBanned(address: string): boolean {
    if (!this.#o.enabled) return false
    const e = this.#entries.get(address)
    return e !== undefined && e.bannedUntil > this.#o.clock.now()
  }

  /** Count one failed token check; returns true when this failure starts a ban. */
  recordFailure(address: string): boolean {
    if (!this.#o.enabled || this.#allow.has(address)) return false
    const now = this.#o.clock.now()
    let e = this.#entries.get(address)
    if (e === undefined || now - e.windowStart >= this.#o.windowMs) {
      e = { windowStart: now, failures: 0, bannedUntil: e?.bannedUntil ?? 0 }
    }
    e.failures++
    let started = false
    if (e.failures >= this.#o.maxFailures && e.bannedUntil <= now) {
      e.bannedUntil = now + this.#o.banMs
      e.failures = 0
      e.windowStart = now
      started = true
    }
    this.#entries.delete(address)
    this.#entries.set(address, e)
    while (this.#entries.size > this.#maxTracked) {
      const oldest = this.#entries.keys().next().value
      if (oldest === undefined) break
      this.#entries.delete(oldest)
    }
    return started
  }

  /** Addresses banned now (for metrics; walks at most maxTracked entries). */
  bannedCount(): number {
    if (!this.#o.enabled) return 0
    const now = this.#o.clock.now()
    let n = 0
    for (const e of this.#entries.values()) if (e.bannedUntil > now) n++
    return n
  }

  recordSuccess(address: string): void {
    const e = this.#entries.get(address)
    if (e !== undefined && e.bannedUntil <= this.#o.clock.now()) this.#entries.delete(address)
  }
}

// Brute-force protection per client address: `maxFailures` failed token
// checks within the last `windowMs` ban the address for `banMs`. While banned
// it is refused before any database or bcrypt work.
//
// A success does not wipe the failures: they age out of the sliding window.
// Wiping them let a client repeat "wrong, wrong, right" for ever — a guess
// flood interleaved with one valid token never banned and kept the bcrypt
// pool busy. With the default threshold (30 in 3 minutes) a user who mistypes
// a token twice loses nothing.
//
// Memory is bounded: at most `maxTracked` addresses are remembered, the least
// recently failed first out.
import type { Clock } from '../clock.js'
import { AddressRanges } from '../net/address-ranges.js'

/**
 * What the gate (and the metrics) need of a ban list. Small on purpose: a
 * list shared by several instances (through the database) can implement the
 * same calls.
 */
export interface BanList {
  isBanned(address: string): boolean
  /** Count one failed token check; returns true when this failure starts a ban. */
  recordFailure(address: string): boolean
  /** Addresses banned now (for metrics; walks at most maxTracked entries). */
  bannedCount(): number
}

export interface BanListOptions {
  enabled: boolean
  maxFailures: number
  windowMs: number
  banMs: number
  /** Canonical addresses and CIDR ranges that are never banned. */
  allowlist: readonly string[]
  clock: Clock
  maxTracked?: number
}

interface Entry {
  /** Times of the failures still inside the window, oldest first (at most maxFailures). */
  failures: number[]
  bannedUntil: number
}

export class InMemoryBanList implements BanList {
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

  recordFailure(address: string): boolean {
    if (!this.#o.enabled || this.#allow.has(address)) return false
    const now = this.#o.clock.now()
    const e = this.#entries.get(address) ?? { failures: [], bannedUntil: 0 }
    // Drop what has aged out of the window; the rest still counts.
    const since = now - this.#o.windowMs
    while (e.failures.length > 0 && (e.failures[0] ?? 0) <= since) e.failures.shift()
    e.failures.push(now)
    let started = false
    if (e.failures.length >= this.#o.maxFailures && e.bannedUntil <= now) {
      e.bannedUntil = now + this.#o.banMs
      e.failures = []
      started = true
    }
    // Keep at most maxFailures times: older ones could never matter again.
    if (e.failures.length > this.#o.maxFailures) e.failures.splice(0, e.failures.length - this.#o.maxFailures)
    this.#entries.delete(address)
    this.#entries.set(address, e)
    while (this.#entries.size > this.#maxTracked) {
      const oldest = this.#entries.keys().next().value
      if (oldest === undefined) break
      this.#entries.delete(oldest)
    }
    return started
  }

  bannedCount(): number {
    if (!this.#o.enabled) return 0
    const now = this.#o.clock.now()
    let n = 0
    for (const e of this.#entries.values()) if (e.bannedUntil > now) n++
    return n
  }
}

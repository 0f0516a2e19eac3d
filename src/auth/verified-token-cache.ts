// Remembers bcrypt verdicts so a token pays for bcrypt once, not on every
// request. Keys are an HMAC of the full presented token under a per-process
// random key: the cache never holds a token, and a memory dump of it cannot be
// replayed or brute-forced offline without the key.
//
// The cache answers only "did this exact string match this exact hash?".
// Revocation and expiry are never cached: the verifier reads the token's row
// on every request.
import { createHmac } from 'node:crypto'
import type { Clock } from '../clock.js'
import type { RandomBytes } from './token-format.js'

export interface CachedVerdict {
  /** True when the secret matched `hash`. */
  ok: boolean
  /** The bcrypt hash the verdict was computed against. */
  hash: string
}

export interface VerifiedTokenCacheOptions {
  maxEntries: number
  ttlMs: number
  clock: Clock
  random: RandomBytes
}

export class VerifiedTokenCache {
  readonly #key: Buffer
  readonly #max: number
  readonly #ttl: number
  readonly #clock: Clock
  // Map keeps insertion order: the first key is the least recently used.
  // Right and wrong verdicts live in separate maps, so a flood of wrong
  // guesses can only evict other wrong guesses, never a good token's entry.
  readonly #right = new Map<string, CachedVerdict & { until: number }>()
  readonly #wrong = new Map<string, CachedVerdict & { until: number }>()

  constructor(options: VerifiedTokenCacheOptions) {
    this.#key = options.random(32)
    this.#max = options.maxEntries
    this.#ttl = options.ttlMs
    this.#clock = options.clock
  }

  /** The cache key for a presented token: HMAC-SHA256, base64url. */
  keyFor(token: string): string {
    return createHmac('sha256', this.#key).update(token).digest('base64url')
  }

  get(key: string): CachedVerdict | undefined {
    for (const entries of [this.#right, this.#wrong]) {
      const entry = entries.get(key)
      if (entry === undefined) continue
      if (entry.until <= this.#clock.now()) {
        entries.delete(key)
        return undefined
      }
      // Refresh recency.
      entries.delete(key)
      entries.set(key, entry)
      return { ok: entry.ok, hash: entry.hash }
    }
    return undefined
  }

  set(key: string, verdict: CachedVerdict): void {
    if (this.#max === 0 || this.#ttl === 0) return
    const entries = verdict.ok ? this.#right : this.#wrong
    ;(verdict.ok ? this.#wrong : this.#right).delete(key)
    entries.delete(key)
    entries.set(key, { ...verdict, until: this.#clock.now() + this.#ttl })
    while (entries.size > this.#max) {
      const oldest = entries.keys().next().value
      if (oldest === undefined) break
      entries.delete(oldest)
    }
  }

  get size(): number {
    return this.#right.size + this.#wrong.size
  }

  /** Every stored key and verdict, for tests that prove no token is held. */
  dump(): Array<[string, CachedVerdict]> {
    return [...this.#right, ...this.#wrong].map(([k, v]) => [k, { ok: v.ok, hash: v.hash }])
  }
}

// Writes each token's last-used time at most once a minute, in batches, on a
// timer — never on the request path, so a slow or locked database cannot slow
// a clone, and a busy write is simply retried at the next flush.
import type { Clock } from '../clock.js'
import type { Store } from '../store/store.js'
import type { Logger } from '../log/logger.js'

export interface LastUsedRecorderOptions {
  store: Pick<Store, 'recordTokenUse'>
  clock: Clock
  logger: Logger
  flushEveryMs: number
  /** Minimum spacing of writes for one token. */
  minIntervalMs?: number
}

export class LastUsedRecorder {
  readonly #o: LastUsedRecorderOptions
  readonly #minInterval: number
  readonly #pending = new Map<string, number>()
  readonly #lastWritten = new Map<string, number>()
  #timer: NodeJS.Timeout | null = null

  constructor(options: LastUsedRecorderOptions) {
    this.#o = options
    this.#minInterval = options.minIntervalMs ?? 60_000
  }

  start(): void {
    if (this.#timer !== null) return
    this.#timer = setInterval(() => void this.flush(), this.#o.flushEveryMs)
    this.#timer.unref()
  }

  /** Note a use; cheap, synchronous, no I/O. */
  note(tokenId: string): void {
    const now = this.#o.clock.now()
    const last = this.#lastWritten.get(tokenId)
    if (last !== undefined && now - last < this.#minInterval) return
    this.#pending.set(tokenId, now)
  }

  get pendingCount(): number {
    return this.#pending.size
  }

  async flush(): Promise<void> {
    if (this.#pending.size === 0) return
    const batch = [...this.#pending]
    this.#pending.clear()
    try {
      await this.#o.store.recordTokenUse(batch.map(([id, at]) => ({ id, at: new Date(at).toISOString() })))
      for (const [id, at] of batch) this.#lastWritten.set(id, at)
      // Forget tokens not used for a while so the map stays small.
      const horizon = this.#o.clock.now() - this.#minInterval
      for (const [id, at] of this.#lastWritten) if (at < horizon) this.#lastWritten.delete(id)
    } catch (error) {
      // Keep the newest time of each failed entry for the next flush.
      for (const [id, at] of batch) if ((this.#pending.get(id) ?? 0) < at) this.#pending.set(id, at)
      this.#o.logger.warn('could not record token use; will retry', { error, tokens: batch.length })
    }
  }

  async stop(): Promise<void> {
    if (this.#timer !== null) clearInterval(this.#timer)
    this.#timer = null
    await this.flush()
  }
}

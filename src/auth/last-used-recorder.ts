// Writes each token's last-used time and client address at most once a
// minute per (token, address), in batches, on a timer — never on the request
// path, so a slow or locked database cannot slow a clone, and a busy write is
// simply retried at the next flush. The store keeps the last few distinct
// addresses per token in the same batch transaction.
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

interface Use {
  id: string
  address: string
  at: number
}

export class LastUsedRecorder {
  readonly #o: LastUsedRecorderOptions
  readonly #minInterval: number
  /** Keyed by tokenId + "\n" + address: ids and addresses never contain a newline. */
  readonly #pending = new Map<string, Use>()
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

  /** Note a use from a client address; cheap, synchronous, no I/O. */
  note(tokenId: string, address: string): void {
    const now = this.#o.clock.now()
    const key = `${tokenId}\n${address}`
    const last = this.#lastWritten.get(key)
    if (last !== undefined && now - last < this.#minInterval) return
    const pending = this.#pending.get(key)
    if (pending === undefined) this.#pending.set(key, { id: tokenId, address, at: now })
    else pending.at = now
  }

  get pendingCount(): number {
    return this.#pending.size
  }

  async flush(): Promise<void> {
    if (this.#pending.size === 0) return
    const batch = [...this.#pending]
    this.#pending.clear()
    try {
      await this.#o.store.recordTokenUse(batch.map(([, u]) => ({ id: u.id, at: new Date(u.at).toISOString(), address: u.address })))
      for (const [key, u] of batch) this.#lastWritten.set(key, u.at)
      // Forget tokens not used for a while so the map stays small.
      const horizon = this.#o.clock.now() - this.#minInterval
      for (const [id, at] of this.#lastWritten) if (at < horizon) this.#lastWritten.delete(id)
    } catch (error) {
      // Keep the newest time of each failed entry for the next flush.
      for (const [key, u] of batch) if ((this.#pending.get(key)?.at ?? 0) < u.at) this.#pending.set(key, u)
      this.#o.logger.warn('could not record token use; will retry', { error, tokens: batch.length })
    }
  }

  async stop(): Promise<void> {
    if (this.#timer !== null) clearInterval(this.#timer)
    this.#timer = null
    await this.flush()
  }
}

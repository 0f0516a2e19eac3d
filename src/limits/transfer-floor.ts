// A minimum transfer rate for clients, so a connection cannot hold a git
// process (or an upstream request) by not reading its response or by
// trickling its request body. Without it, a few sockets that POST
// upload-pack and then stop reading keep every backend slot for as long as
// the idle timeout allows — a byte now and then resets that.
//
// Only time spent waiting on the client counts: a direction is "waiting"
// while gitward has bytes the client has not taken (the response) or wants
// bytes the client has not sent (the request body, with nothing backing it
// up on gitward's side). While git is busy — counting objects, running a hook,
// reading a pack slowly — nothing is measured. Once a direction has waited
// for a whole window, the bytes it moved in that window must reach
// `minBytesPerS × window`; otherwise the transfer is cut.
//
// Time comes from the ticks of one shared timer (injected), never from a
// clock read: a window is a number of ticks.

/** One direction of a transfer, as seen at one tick. */
export interface DirectionSample {
  /** Bytes moved so far in this direction (a counter that only grows). */
  bytes: number
  /** True while the transfer is held up by the client in this direction. */
  waitingOnClient: boolean
}

export type Direction = 'upload' | 'download'

/** Samples both directions of one transfer. */
export type TransferProbe = () => Record<Direction, DirectionSample>

/** Calls `fn` every `ms` until the returned function is called. */
export type Ticker = (fn: () => void, ms: number) => () => void

export const intervalTicker: Ticker = (fn, ms) => {
  const timer = setInterval(fn, ms)
  timer.unref()
  return () => clearInterval(timer)
}

/**
 * The rate check for one direction, fed one sample per tick: pure, so
 * every sequence can be tested as a table.
 */
export class RateFloor {
  /** Ticks waited in the current window; -1 when not waiting. */
  #waited = -1
  #bytesAtStart = 0

  constructor(
    /** Ticks in a window. */
    private readonly windowTicks: number,
    /** Least bytes a window of waiting must move. */
    private readonly minBytes: number,
  ) {}

  /** 'too-slow' once a whole window of waiting moved fewer than minBytes. */
  step(sample: DirectionSample): 'ok' | 'too-slow' {
    if (!sample.waitingOnClient) {
      this.#waited = -1
      return 'ok'
    }
    if (this.#waited < 0) {
      this.#waited = 0
      this.#bytesAtStart = sample.bytes
      return 'ok'
    }
    this.#waited++
    if (this.#waited < this.windowTicks) return 'ok'
    if (sample.bytes - this.#bytesAtStart < this.minBytes) return 'too-slow'
    // Fast enough: the next window starts here.
    this.#waited = 0
    this.#bytesAtStart = sample.bytes
    return 'ok'
  }
}

export interface TransferWatchOptions {
  /** 0 turns the floor off. */
  minBytesPerS: number
  windowMs: number
  /** Ticks per window (default 8): how finely "waiting" is sampled. */
  ticksPerWindow?: number
  every?: Ticker
}

/** Why a transfer was cut, for the log. */
export interface TooSlow {
  direction: Direction
  windowMs: number
  minBytesPerS: number
}

export interface TransferWatch {
  /**
   * Check one transfer until the returned function is called;
   * `onTooSlow` is called at most once, and the watch then ends by itself.
   */
  watch(probe: TransferProbe, onTooSlow: (why: TooSlow) => void): () => void
  /** Transfers being watched. */
  size(): number
}

interface Watched {
  probe: TransferProbe
  floors: Record<Direction, RateFloor>
  onTooSlow: (why: TooSlow) => void
}

export function createTransferWatch(o: TransferWatchOptions): TransferWatch {
  const ticksPerWindow = Math.max(1, Math.floor(o.ticksPerWindow ?? 8))
  const tickMs = Math.max(1, Math.floor(o.windowMs / ticksPerWindow))
  const minBytes = (o.minBytesPerS * o.windowMs) / 1000
  const every = o.every ?? intervalTicker
  const watched = new Set<Watched>()
  // One timer for all transfers, running only while there is one to watch:
  // nothing per request but a set entry.
  let stopTicking: (() => void) | null = null

  const tick = (): void => {
    for (const w of watched) {
      const sample = w.probe()
      for (const direction of ['upload', 'download'] as const) {
        if (w.floors[direction].step(sample[direction]) === 'too-slow') {
          watched.delete(w)
          w.onTooSlow({ direction, windowMs: o.windowMs, minBytesPerS: o.minBytesPerS })
          break
        }
      }
    }
    if (watched.size === 0) stop()
  }
  const stop = (): void => {
    stopTicking?.()
    stopTicking = null
  }

  return {
    watch(probe, onTooSlow) {
      if (o.minBytesPerS <= 0) return () => {}
      const w: Watched = {
        probe,
        floors: { upload: new RateFloor(ticksPerWindow, minBytes), download: new RateFloor(ticksPerWindow, minBytes) },
        onTooSlow,
      }
      watched.add(w)
      stopTicking ??= every(tick, tickMs)
      return () => {
        watched.delete(w)
        if (watched.size === 0) stop()
      }
    },
    size: () => watched.size,
  }
}

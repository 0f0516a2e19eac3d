// Copies a request body into git's stdin, as `body.pipe(stdin)` would, with
// far fewer wake-ups per byte. git reads a push 4 KiB at a time. With
// `pipe`, every 64 KiB chunk paused and resumed the request (one chunk is
// over the stdin stream's 16 KiB mark), the pieces of a chunked body left in
// one write each, and once git's pipe was full every 4 KiB git took woke
// gitward for one more 4 KiB write. Here:
//
// - the pieces the socket reads of one event-loop turn yield leave in one
//   write (corked until the turn's check phase: the HTTP parser hands each
//   piece of a chunked body over in a callback of its own, so the end of a
//   tick would batch nothing);
// - the body is paused only when git has not taken a write at once; once it
//   has, git gets `refillDelayMs` to empty part of its pipe before the next
//   write, so that write is a large one and git's reads of a pipe that is no
//   longer full wake nobody. With posix-spawn's 1 MiB pipe git still has
//   most of a megabyte to read meanwhile; with a 64 KiB pipe the delay is 0.
//
// Backpressure is kept: at most one tick's reads wait in gitward's memory.
import type { Readable, Writable } from 'node:stream'

export interface BodyPump {
  /** Stop copying (the client or git went away); the body is left paused. */
  stop(): void
}

/**
 * How long git gets to read before the next write, for a pipe of `pipeBytes`
 * (unknown: child_process's 64 KiB). The pipe is full when the wait starts;
 * 2 ms empties a 1 MiB pipe only for a git reading faster than 500 MB/s.
 */
export function refillDelayMs(pipeBytes: number | undefined): number {
  return pipeBytes !== undefined && pipeBytes >= 1024 * 1024 ? 2 : 0
}

export function pumpBody(body: Readable, stdin: Writable, refillDelayMs: number): BodyPump {
  let stopped = false
  let corked = false
  /** Writes whose callback has not come yet. */
  let pending = 0
  /** True while the body is paused by the pump, waiting for git. */
  let held = false
  let timer: NodeJS.Timeout | null = null

  const resume = (): void => {
    timer = null
    if (!stopped) body.resume()
  }
  const written = (err?: Error | null): void => {
    pending--
    if (err) {
      stop()
      return
    }
    if (pending === 0 && held && !stopped) {
      held = false
      if (refillDelayMs > 0) timer = setTimeout(resume, refillDelayMs)
      else resume()
    }
  }
  const uncork = (): void => {
    corked = false
    if (stopped) return
    stdin.uncork()
    // Anything left is waiting for room in git's pipe.
    if (stdin.writableLength > 0) {
      held = true
      body.pause()
    }
  }
  const onData = (chunk: Buffer): void => {
    if (!corked) {
      corked = true
      stdin.cork()
      setImmediate(uncork)
    }
    pending++
    stdin.write(chunk, written)
  }
  const onEnd = (): void => {
    if (stopped) return
    cleanup()
    stdin.end()
  }
  const cleanup = (): void => {
    stopped = true
    if (timer !== null) clearTimeout(timer)
    if (corked) stdin.uncork()
    body.off('data', onData)
    body.off('end', onEnd)
    stdin.off('close', stop)
    stdin.off('error', stop)
  }
  function stop(): void {
    if (stopped) return
    cleanup()
    body.pause()
  }

  stdin.once('close', stop)
  stdin.once('error', stop)
  if (body.readableEnded) {
    onEnd()
  } else {
    body.on('data', onData)
    body.once('end', onEnd)
    body.resume()
  }
  return { stop }
}

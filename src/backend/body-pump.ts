// Copies a request body into git's stdin, as `body.pipe(stdin)` would, with
// far fewer wake-ups per byte. With `pipe`, every 64 KiB chunk paused and
// resumed the request (one chunk is over the stdin stream's 16 KiB mark)
// and the pieces of a chunked body left in one write each. Here:
//
// - the pieces the socket reads of one event-loop turn yield leave in one
//   write (corked until the turn's check phase: the HTTP parser hands each
//   piece of a chunked body over in a callback of its own, so the end of a
//   tick would batch nothing);
// - the body is paused only when git has not taken a write at once, and
//   resumed when it has.
//
// git's stdin is one end of a Unix stream socket pair (posix-spawn.c, as
// libuv's child_process does), whose buffers take large writes while git
// reads 4 KiB at a time. Backpressure is kept: at most one turn's reads wait
// in gitward's memory.
import type { Readable, Writable } from 'node:stream'

export interface BodyPump {
  /** Stop copying (the client or git went away); the body is left paused. */
  stop(): void
}

export function pumpBody(body: Readable, stdin: Writable): BodyPump {
  let stopped = false
  let corked = false
  /** Writes whose callback has not come yet. */
  let pending = 0
  /** True while the body is paused by the pump, waiting for git. */
  let held = false
  const written = (err?: Error | null): void => {
    pending--
    if (err) {
      stop()
      return
    }
    if (pending === 0 && held && !stopped) {
      held = false
      body.resume()
    }
  }
  const uncork = (): void => {
    corked = false
    if (stopped) return
    stdin.uncork()
    // Anything left is waiting for room in git's stdin.
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

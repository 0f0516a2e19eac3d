// A TCP relay on 127.0.0.1 between the git client and gitward (or between
// gitward and an upstream) that can hold one direction of traffic once a
// connection has carried a given number of bytes. It turns "the client is in
// the middle of a push" or "a clone is still downloading" into a state the
// test chooses, instead of a race against a fast loopback. It can also keep
// a copy of what went through, to prove what a hop never saw.
import { connect, createServer, type Socket } from 'node:net'

export type Direction = 'up' | 'down'

export interface RelayOptions {
  /** Where to connect; a function is asked on every connection (the target may start later). */
  targetPort: number | (() => number)
  targetHost?: string
  /** Hold this direction of a connection once it has carried more than `afterBytes`. */
  hold?: { direction: Direction; afterBytes: number }
  /** Keep up to this many bytes of each direction, for inspection. */
  recordBytes?: number
}

export interface Relay {
  port: number
  /** Resolves once some connection is being held. */
  holding: Promise<void>
  /** Let held traffic (and all further traffic) through. */
  release(): void
  /** What clients sent (up) and what came back (down), up to recordBytes each. */
  recorded(direction: Direction): Buffer
  close(): Promise<void>
}

export async function startRelay(options: RelayOptions): Promise<Relay> {
  const host = options.targetHost ?? '127.0.0.1'
  const limit = options.recordBytes ?? 0
  const records: Record<Direction, Buffer[]> = { up: [], down: [] }
  const recordedBytes: Record<Direction, number> = { up: 0, down: 0 }
  let released = options.hold === undefined
  const waiting: Array<() => void> = []
  let onHolding = (): void => {}
  const holding = new Promise<void>(resolve => (onHolding = resolve))
  const sockets = new Set<Socket>()

  const record = (direction: Direction, chunk: Buffer): void => {
    const room = limit - recordedBytes[direction]
    if (room <= 0) return
    const part = chunk.subarray(0, room)
    records[direction].push(Buffer.from(part))
    recordedBytes[direction] += part.length
  }

  /**
   * Copy `from` to `to`, counting bytes; hold when the threshold is passed.
   * Holding client-to-server traffic keeps reading from the client and keeps
   * the bytes, so the client's death is still noticed (a paused socket never
   * sees its peer go). Holding server-to-client traffic stops reading from
   * the server, so the server feels the backpressure of a stalled client.
   */
  const pump = (from: Socket, to: Socket, direction: Direction): void => {
    let carried = 0
    let held = false
    const kept: Buffer[] = []
    const deliver = (chunk: Buffer): void => {
      if (!to.write(chunk)) {
        from.pause()
        to.once('drain', () => from.resume())
      }
    }
    from.on('data', (chunk: Buffer) => {
      record(direction, chunk)
      carried += chunk.length
      const hold = options.hold
      if (held && !released) {
        kept.push(chunk)
        return
      }
      if (!released && hold !== undefined && hold.direction === direction && carried > hold.afterBytes) {
        held = true
        onHolding()
        if (direction === 'up') {
          kept.push(chunk)
          waiting.push(() => {
            if (!to.destroyed) for (const c of kept.splice(0)) to.write(c)
          })
        } else {
          from.pause()
          waiting.push(() => {
            if (!to.destroyed) to.write(chunk)
            from.resume()
          })
        }
        return
      }
      deliver(chunk)
    })
    from.on('end', () => {
      // A half-close is passed on only once held data has gone through.
      const finish = (): void => {
        if (!to.destroyed) to.end()
      }
      if (held && !released) waiting.push(finish)
      else finish()
    })
  }

  const server = createServer(client => {
    const upstream = connect(typeof options.targetPort === 'function' ? options.targetPort() : options.targetPort, host)
    sockets.add(client)
    sockets.add(upstream)
    // Either side going away takes the other with it, as a dead peer would.
    const cut = (): void => {
      client.destroy()
      upstream.destroy()
    }
    client.on('error', cut)
    upstream.on('error', cut)
    client.on('close', () => {
      sockets.delete(client)
      cut()
    })
    upstream.on('close', () => {
      sockets.delete(upstream)
      cut()
    })
    pump(client, upstream, 'up')
    pump(upstream, client, 'down')
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0

  return {
    port,
    holding,
    release: () => {
      released = true
      for (const go of waiting.splice(0)) go()
    },
    recorded: direction => Buffer.concat(records[direction]),
    close: () =>
      new Promise<void>(resolve => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      }),
  }
}

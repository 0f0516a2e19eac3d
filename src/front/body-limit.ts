// Caps the request body of negotiation requests (upload-pack, upload-archive)
// in size and in time. Those bodies are short lists of wants and haves, never
// packs; an unbounded or endlessly trickling one is a cheap way to tie up a
// backend process. Pushes are not capped here.
import { Transform, type TransformCallback } from 'node:stream'

export type BodyLimitExceeded = 'size' | 'time'

export class BodyLimitError extends Error {
  constructor(readonly exceeded: BodyLimitExceeded) {
    super(exceeded === 'size' ? 'request body too large' : 'request body too slow')
    this.name = 'BodyLimitError'
  }
}

export function limitBody(limit: number, timeoutMs: number, onExceeded: (why: BodyLimitExceeded) => void): Transform {
  let seen = 0
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      seen += chunk.length
      if (seen > limit) {
        clearTimeout(timer)
        onExceeded('size')
        callback(new BodyLimitError('size'))
        return
      }
      callback(null, chunk)
    },
    flush(callback: TransformCallback) {
      clearTimeout(timer)
      callback()
    },
  })
  // Declared after the stream it destroys; the stream's callbacks only run later.
  const timer = setTimeout(() => {
    onExceeded('time')
    stream.destroy(new BodyLimitError('time'))
  }, timeoutMs)
  timer.unref()
  stream.once('close', () => clearTimeout(timer))
  return stream
}

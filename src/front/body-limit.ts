// Caps the request body of negotiation requests (upload-pack, upload-archive).
// Those bodies are lists of wants and haves, never packs; an unbounded one is
// a cheap way to tie up a backend process. Pushes are not capped here.
import { Transform, type TransformCallback } from 'node:stream'

export class BodyTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`request body exceeds ${limit} bytes`)
    this.name = 'BodyTooLarge'
  }
}

export function limitBody(limit: number, onExceeded: () => void): Transform {
  let seen = 0
  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      seen += chunk.length
      if (seen > limit) {
        onExceeded()
        callback(new BodyTooLarge(limit))
        return
      }
      callback(null, chunk)
    },
  })
}

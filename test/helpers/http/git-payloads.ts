// Hand-made git payloads the attack tests send: pkt-lines, an empty pack,
// receive-pack bodies that create or delete a ref, an upload-pack want.
import { createHash } from 'node:crypto'

const pkt = (line: string | Buffer): Buffer => {
  const data = typeof line === 'string' ? Buffer.from(line, 'utf8') : line
  return Buffer.concat([Buffer.from((data.length + 4).toString(16).padStart(4, '0'), 'ascii'), data])
}
export const FLUSH = Buffer.from('0000', 'ascii')
export const ZERO_SHA = '0'.repeat(40)

/** An empty version-2 pack (no objects): header and SHA-1 trailer. */
export function emptyPack(): Buffer {
  const head = Buffer.from([0x50, 0x41, 0x43, 0x4b, 0, 0, 0, 2, 0, 0, 0, 0])
  return Buffer.concat([head, createHash('sha1').update(head).digest()])
}

/**
 * A receive-pack request body that deletes `ref` (currently at `oldSha`):
 * no pack is needed for a delete, so it is a few bytes a test can hide
 * inside another request. If it ever reached git, the ref would be gone.
 */
export function deleteRefBody(oldSha: string, ref: string): Buffer {
  return Buffer.concat([pkt(`${oldSha} ${ZERO_SHA} ${ref}\0report-status delete-refs agent=attack\n`), FLUSH])
}

/** A receive-pack body that creates `ref` at an existing commit `sha` (with an empty pack). */
export function createRefBody(sha: string, ref: string): Buffer {
  return Buffer.concat([pkt(`${ZERO_SHA} ${sha} ${ref}\0report-status agent=attack\n`), FLUSH, emptyPack()])
}

/** A minimal upload-pack (v0) request: want `sha`, done. */
export function uploadPackBody(sha: string): Buffer {
  return Buffer.concat([pkt(`want ${sha} agent=attack\n`), FLUSH, pkt('done\n')])
}

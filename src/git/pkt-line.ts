// git's pkt-line framing (gitprotocol-common): four hexadecimal digits giving
// the length of the line including those four bytes, then the payload.
// `0000` is a flush-pkt. Pure encoding helpers; the streaming reader of the
// receive-pack command list lives in receive-pack-commands.ts.

/** Largest pkt-line git sends or accepts, header included (LARGE_PACKET_MAX). */
export const MAX_PKT_LENGTH = 65520
/** Largest payload of one pkt-line. */
export const MAX_PKT_PAYLOAD = MAX_PKT_LENGTH - 4

export const FLUSH_PKT: Buffer = Buffer.from('0000', 'ascii')

/** One pkt-line around `payload`. Throws when it would exceed MAX_PKT_LENGTH (a caller bug). */
export function pktLine(payload: string | Buffer): Buffer {
  const data = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload
  if (data.length > MAX_PKT_PAYLOAD) throw new RangeError(`a pkt-line payload of ${data.length} bytes is too long`)
  const head = Buffer.from((data.length + 4).toString(16).padStart(4, '0'), 'ascii')
  return Buffer.concat([head, data])
}

/**
 * The length a pkt-line header declares, or undefined when the four bytes
 * are not lower- or upper-case hexadecimal (git accepts both).
 */
export function pktLength(header: Buffer): number | undefined {
  if (header.length !== 4) return undefined
  let n = 0
  for (const byte of header) {
    const digit =
      byte >= 0x30 && byte <= 0x39 ? byte - 0x30
        : byte >= 0x61 && byte <= 0x66 ? byte - 0x61 + 10
          : byte >= 0x41 && byte <= 0x46 ? byte - 0x41 + 10
            : -1
    if (digit < 0) return undefined
    n = n * 16 + digit
  }
  return n
}

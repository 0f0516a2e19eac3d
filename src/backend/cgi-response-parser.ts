// Reads the response of a CGI program: header lines, a blank line, then the
// body. The header block is small and bounded; the body (a pack, possibly
// gigabytes) is handed on chunk by chunk, never copied or collected.
import { Transform, type TransformCallback } from 'node:stream'
import { GitwardError } from '../errors.js'

export const DEFAULT_MAX_HEADER_BYTES = 64 * 1024

export interface CgiHead {
  status: number
  /** Header values by lower-case name, in the order git wrote them. */
  headers: Record<string, string[]>
}

// RFC 9110 token characters for a header name.
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/
// Visible characters, spaces and tabs; no CR, LF or NUL can reach a response.
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/
const STATUS = /^([1-5][0-9]{2})(?:[ \t].*)?$/

const LF = 0x0a
const CR = 0x0d

const malformed = (what: string): GitwardError =>
  new GitwardError('UPSTREAM_FAILED', `The git backend sent a malformed response header: ${what}.`)

/**
 * A state machine over the raw bytes. `push` returns the head once the
 * blank line has been seen, and from then on every byte as body. Feeding the
 * same bytes in any chunking gives the same head and the same body bytes.
 */
export class CgiHeadReader {
  readonly #maxHeaderBytes: number
  #line: Buffer[] = []
  #lineBytes = 0
  #headerBytes = 0
  #status = 200
  #headers = Object.create(null) as Record<string, string[]>
  #done = false

  constructor(maxHeaderBytes = DEFAULT_MAX_HEADER_BYTES) {
    this.#maxHeaderBytes = maxHeaderBytes
  }

  get done(): boolean {
    return this.#done
  }

  /**
   * Feed one chunk. Before the head is complete the result has no `head`
   * and no body; the call that completes it returns the head and whatever
   * body bytes followed in the same chunk (possibly empty). After that,
   * `body` is the chunk itself. Throws GitwardError('UPSTREAM_FAILED').
   */
  push(chunk: Buffer): { head?: CgiHead; body?: Buffer } {
    if (this.#done) return { body: chunk }
    let start = 0
    while (start < chunk.length) {
      const nl = chunk.indexOf(LF, start)
      const end = nl === -1 ? chunk.length : nl + 1
      this.#headerBytes += end - start
      if (this.#headerBytes > this.#maxHeaderBytes) {
        throw new GitwardError(
          'UPSTREAM_FAILED',
          `The git backend sent more than ${this.#maxHeaderBytes} bytes of response headers.`,
        )
      }
      if (nl === -1) {
        this.#line.push(chunk.subarray(start))
        this.#lineBytes += chunk.length - start
        return {}
      }
      const part = chunk.subarray(start, nl)
      const line = this.#lineBytes === 0 ? part : Buffer.concat([...this.#line, part])
      this.#line = []
      this.#lineBytes = 0
      start = end
      const text = (line.length > 0 && line[line.length - 1] === CR ? line.subarray(0, -1) : line).toString(
        'latin1',
      )
      if (text === '') {
        this.#done = true
        return { head: { status: this.#status, headers: this.#headers }, body: chunk.subarray(start) }
      }
      this.#header(text)
    }
    return {}
  }

  /** Call at end of input: throws when the head never finished. */
  end(): void {
    if (!this.#done) throw malformed('the output ended before the blank line after the headers')
  }

  #header(text: string): void {
    const colon = text.indexOf(':')
    if (colon <= 0) throw malformed('a header line without a name')
    const name = text.slice(0, colon)
    if (!HEADER_NAME.test(name)) throw malformed('an invalid header name')
    const value = text.slice(colon + 1).trim()
    if (!HEADER_VALUE.test(value)) throw malformed('a control character in a header value')
    const key = name.toLowerCase()
    if (key === 'status') {
      const m = STATUS.exec(value)
      const code = m ? Number(m[1]) : NaN
      // 1xx interim responses have no place in a CGI reply.
      if (!(code >= 200 && code <= 599)) throw malformed('an invalid Status line')
      this.#status = code
      return
    }
    ;(this.#headers[key] ??= []).push(value)
  }
}

/**
 * The CGI response as a stream: write the program's stdout in, read the body
 * out. Emits `'head'` (with a CgiHead) exactly once, before the first body
 * byte is readable. Errors are GitwardError('UPSTREAM_FAILED').
 */
export class CgiResponseParser extends Transform {
  readonly #reader: CgiHeadReader

  constructor(options: { maxHeaderBytes?: number } = {}) {
    super()
    this.#reader = new CgiHeadReader(options.maxHeaderBytes)
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    let step: { head?: CgiHead; body?: Buffer }
    try {
      step = this.#reader.push(chunk)
    } catch (err) {
      callback(err as Error)
      return
    }
    if (step.head) this.emit('head', step.head)
    if (step.body && step.body.length > 0) this.push(step.body)
    callback()
  }

  override _flush(callback: TransformCallback): void {
    try {
      this.#reader.end()
    } catch (err) {
      callback(err as Error)
      return
    }
    callback()
  }
}

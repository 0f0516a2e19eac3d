// What a git process wrote to stderr, for the log. The pipe is always read
// to the end (git would block on a full one), but only the first `limit`
// bytes are kept — the start names the failure; what follows is usually its
// consequences — and the rest is only counted.
export class StderrTail {
  readonly #kept: Buffer[] = []
  #keptBytes = 0
  #dropped = 0

  constructor(private readonly limit: number) {}

  add(chunk: Buffer): void {
    const room = this.limit - this.#keptBytes
    if (room > 0) {
      const part = chunk.length <= room ? chunk : chunk.subarray(0, room)
      this.#kept.push(Buffer.from(part))
      this.#keptBytes += part.length
    }
    this.#dropped += Math.max(0, chunk.length - Math.max(0, room))
  }

  /** The kept text, or '' when git wrote nothing. */
  text(): string {
    return Buffer.concat(this.#kept).toString('utf8').trimEnd()
  }

  /** Bytes read but not kept. */
  dropped(): number {
    return this.#dropped
  }

  /** Log fields: nothing when git was silent. */
  fields(): { stderr?: string; stderrDropped?: number } {
    const text = this.text()
    return text === '' ? {} : { stderr: text, stderrDropped: this.#dropped }
  }
}

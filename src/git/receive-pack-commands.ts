// Reads the ref-update commands at the head of a receive-pack request body
// (gitprotocol-pack, "Reference Update Request and Packfile Transfer"):
//
//   update-requests = *shallow ( command-list | push-cert )
//   shallow         = PKT-LINE("shallow" SP obj-id LF)
//   command-list    = PKT-LINE(command NUL capability-list) *PKT-LINE(command) flush-pkt
//   command         = old-id SP new-id SP refname
//
// Incremental: feed it the body's chunks as they arrive, split anywhere, and
// it answers once the flush-pkt ending the command list has been seen. It
// keeps only the command lines (bounded by MAX_COMMAND_BYTES), never the
// pack that follows: the caller passes every byte on untouched.
//
// Anything it cannot read with certainty is an error, never a guess (the
// threat: a body the gate reads as "updates refs/heads/ci/x" while
// receive-pack reads "deletes main"). A push certificate is refused here
// because its commands sit inside the signed text; gitward does not
// advertise push-cert, so git never sends one.
import { MAX_PKT_LENGTH, pktLength } from './pkt-line.js'

/** Bytes the command section may take; beyond it the push is refused. */
export const MAX_COMMAND_BYTES = 8 * 1024 * 1024

export interface RefCommand {
  /** Object id before the update; all zeros when the ref is created. */
  oldId: string
  /** Object id after the update; all zeros when the ref is deleted. */
  newId: string
  /** Full ref name, e.g. refs/heads/main. */
  ref: string
}

export type CommandList = { commands: RefCommand[]; capabilities: string[] }

export type ParseProgress =
  | { state: 'more' }
  | ({ state: 'done' } & CommandList)
  | { state: 'error'; message: string }

const OBJECT_ID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/
// What receive-pack itself would refuse is refused here too; control
// characters and spaces could make two readers split a line differently.
const REF_NAME = /^refs\/[\x21-\x7e]+$/

export const isZeroId = (id: string): boolean => /^0+$/.test(id)

export class ReceivePackCommandParser {
  private buffered: Buffer = Buffer.alloc(0)
  private seen = 0
  private readonly commands: RefCommand[] = []
  private capabilities: string[] | undefined
  private result: ParseProgress = { state: 'more' }

  constructor(private readonly maxBytes: number = MAX_COMMAND_BYTES) {}

  /** Feed the next chunk. Once `done` or `error`, later chunks are ignored. */
  push(chunk: Buffer): ParseProgress {
    if (this.result.state !== 'more') return this.result
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk])
    for (;;) {
      if (this.buffered.length < 4) return this.result
      const length = pktLength(this.buffered.subarray(0, 4))
      if (length === undefined) return this.fail('the push request does not start with pkt-lines')
      if (length === 0) return this.finish(4)
      if (length < 4 || length > MAX_PKT_LENGTH) return this.fail('the push request has a malformed pkt-line')
      if (this.seen + length > this.maxBytes) return this.fail('the push names too many refs at once')
      if (this.buffered.length < length) return this.result
      const line = this.buffered.subarray(4, length)
      this.buffered = this.buffered.subarray(length)
      this.seen += length
      const problem = this.line(line)
      if (problem !== undefined) return this.fail(problem)
    }
  }

  /** Call at the end of the body: a body that ends before the flush-pkt is malformed. */
  end(): ParseProgress {
    if (this.result.state === 'more') return this.fail('the push request ended before its command list did')
    return this.result
  }

  private line(raw: Buffer): string | undefined {
    let text = raw.toString('latin1')
    if (text.endsWith('\n')) text = text.slice(0, -1)
    if (this.commands.length === 0 && this.capabilities === undefined) {
      if (text.startsWith('shallow ')) {
        return OBJECT_ID.test(text.slice('shallow '.length)) ? undefined : 'the push request has a malformed shallow line'
      }
      if (text.startsWith('push-cert')) return 'signed pushes (push certificates) are not accepted'
      const nul = text.indexOf('\0')
      if (nul === -1) return 'the first command of the push request has no capability list'
      this.capabilities = text.slice(nul + 1).split(' ').filter(c => c !== '')
      text = text.slice(0, nul)
    } else if (text.includes('\0')) {
      return 'the push request has a malformed command'
    }
    const parts = text.split(' ')
    const [oldId, newId, ref] = parts
    if (parts.length !== 3 || oldId === undefined || newId === undefined || ref === undefined) {
      return 'the push request has a malformed command'
    }
    if (!OBJECT_ID.test(oldId) || !OBJECT_ID.test(newId) || oldId.length !== newId.length) {
      return 'the push request has a malformed object id'
    }
    if (!REF_NAME.test(ref)) return 'the push request names a ref that is not a valid ref name'
    this.commands.push({ oldId, newId, ref })
    return undefined
  }

  private finish(flushLength: number): ParseProgress {
    this.buffered = Buffer.alloc(0)
    this.seen += flushLength
    this.result = { state: 'done', commands: this.commands, capabilities: this.capabilities ?? [] }
    return this.result
  }

  private fail(message: string): ParseProgress {
    this.buffered = Buffer.alloc(0)
    this.result = { state: 'error', message }
    return this.result
  }
}

/** Parse a whole command section at once (tests, the hook's tools). */
export function parseCommandList(body: Buffer): ParseProgress {
  const parser = new ReceivePackCommandParser()
  const progress = parser.push(body)
  return progress.state === 'more' ? parser.end() : progress
}

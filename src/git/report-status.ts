// The answer receive-pack gives at the end of a push (gitprotocol-pack,
// "Report Status"), built without running git, for a push the gate refuses
// before it reaches the backend. git then prints its usual
//   ! [remote rejected] <ref> (<reason>)
// line for each ref, and with side-band the explanation lines as
// `remote: <line>`, exactly as when a pre-receive hook declines.
//
//   report-status = unpack-status 1*(command-status) flush-pkt
//   unpack-status = PKT-LINE("unpack" SP unpack-result)
//   command-fail  = PKT-LINE("ng" SP refname SP error-msg)
//
// `ng` lines read the same in report-status and report-status-v2, so one
// encoding serves both. With side-band-64k (or side-band) the whole report,
// flush included, travels inside band-1 packets, messages in band 2, and a
// final flush-pkt ends the stream, as receive-pack's report() and
// cmd_receive_pack() write it.
import { FLUSH_PKT, MAX_PKT_LENGTH, pktLine } from './pkt-line.js'

export interface RefRejection {
  ref: string
  /** Short reason, shown by git in parentheses; one line. */
  reason: string
}

export type ReportMode = 'side-band-64k' | 'side-band' | 'plain'

/** Which answer the client can read, from the capabilities of its first command. */
export function reportModeOf(capabilities: readonly string[]): { mode: ReportMode; reportStatus: boolean } {
  const reportStatus = capabilities.includes('report-status') || capabilities.includes('report-status-v2')
  const mode: ReportMode = capabilities.includes('side-band-64k')
    ? 'side-band-64k'
    : capabilities.includes('side-band')
      ? 'side-band'
      : 'plain'
  return { mode, reportStatus }
}

/** Band payload sizes git uses: LARGE_PACKET_MAX or 1000, less header and band byte. */
const bandPayload = (mode: Exclude<ReportMode, 'plain'>): number => (mode === 'side-band-64k' ? MAX_PKT_LENGTH : 1000) - 5

// A reason or message is one line of printable text: a newline inside an ng
// line would end it early and let the rest read as another status line, and
// no C0 or C1 control character reaches the pusher's terminal.
const oneLine = (text: string): string => text.replace(/[\p{Cc}]+/gu, ' ').trim()

function sideband(band: 1 | 2, data: Buffer, mode: Exclude<ReportMode, 'plain'>): Buffer[] {
  const out: Buffer[] = []
  const size = bandPayload(mode)
  for (let at = 0; at < data.length; at += size) {
    out.push(pktLine(Buffer.concat([Buffer.from([band]), data.subarray(at, at + size)])))
  }
  return out
}

/**
 * The complete response body for a refused push: every ref rejected with its
 * reason, `messages` (when the client uses side-band) shown as `remote:`
 * lines before them. Without report-status the client cannot be told per
 * ref; the caller then answers with a plain HTTP refusal instead.
 */
export function encodeRejectionReport(input: {
  rejections: readonly RefRejection[]
  messages: readonly string[]
  mode: ReportMode
}): Buffer {
  const report = Buffer.concat([
    pktLine('unpack ok\n'),
    ...input.rejections.map(r => pktLine(`ng ${oneLine(r.ref)} ${oneLine(r.reason)}\n`)),
    FLUSH_PKT,
  ])
  if (input.mode === 'plain') return report
  const text = input.messages.map(m => oneLine(m) + '\n').join('')
  return Buffer.concat([
    ...(text === '' ? [] : sideband(2, Buffer.from(text, 'utf8'), input.mode)),
    ...sideband(1, report, input.mode),
    FLUSH_PKT,
  ])
}

/** Content-Type of a receive-pack response. */
export const RECEIVE_PACK_RESULT_TYPE = 'application/x-git-receive-pack-result'

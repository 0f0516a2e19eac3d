// The gate's look at a push before it reaches git: read the ref-update
// commands at the head of the receive-pack body, decide the name rules
// (protected branches and tags, default-branch protection, per-token ref
// rules) and either refuse the push as receive-pack itself would — a
// report-status git prints as `! [remote rejected] <ref> (<reason>)` — or
// hand the body on, every byte of it, untouched.
//
// Only the command list is held (bounded; a few hundred bytes for a normal
// push). The bytes read are put back at the head of the request stream, so
// the pack that follows is never copied, buffered or slowed here.
//
// What the command list cannot tell — whether an update is a fast-forward,
// whether the repository is empty — is left to gitward's pre-receive hook,
// which sees the objects: the decision inputs travel to it in the
// x-gitward-ref-policy header (see access/ref-policy-codec.ts).
import type { IncomingMessage, ServerResponse } from 'node:http'
import { decidePush, decideRefUpdate, refChangeOf, REFUSED_WITH_OTHERS, type RefUpdate } from '../access/ref-protection.js'
import type { RefPolicy } from '../access/ref-rules.js'
import type { Role } from '../model/role.js'
import { isZeroId, ReceivePackCommandParser, type ParseProgress, type RefCommand } from '../git/receive-pack-commands.js'
import { encodeRejectionReport, RECEIVE_PACK_RESULT_TYPE, reportModeOf } from '../git/report-status.js'
import { isGzip, requestContentEncoding } from '../git/request-headers.js'
import type { Project } from '../model/project.js'
import type { ProtectedRef } from '../model/protection.js'
import { encodeRefPolicy } from '../access/ref-policy-codec.js'
import { sendText } from '../http/plain-text.js'
import { assertNever } from '../assert-never.js'

export interface PushScreenInput {
  project: Pick<Project, 'path' | 'defaultBranch' | 'defaultBranchProtection'>
  token: { id: string; role: Role; refRules?: readonly string[] | null | undefined }
  /** Answer `100 Continue` before reading (the client waits for it). */
  expectsContinue: boolean
  /** Send the decision inputs upstream on every push, not only when the hook has work. */
  alwaysSendPolicy: boolean
}

export interface PushScreenOptions {
  /** The project's protected refs and its groups' (one lookup). */
  findRefRules: (projectPath: string) => Promise<ProtectedRef[]>
  /** Time the command list may take to arrive. */
  timeoutMs: number
}

export type PushScreen =
  /** Go ahead: forward `req` itself (the bytes read are back at its head); add `policy` as the header when set. */
  | { kind: 'forward'; policy: string | undefined }
  /** The screen has answered (refused, malformed, too slow); `decision` names why, for the log. */
  | { kind: 'answered'; decision: string }

const MSG_COMPRESSED = 'A git-receive-pack request must not be compressed; git never compresses a push.'
const MSG_SLOW = 'The push did not send its ref updates in time.'

/** The policy of one push: the token's side and the project's, as plain data. */
export function refPolicyFor(input: Pick<PushScreenInput, 'project' | 'token'>, rules: readonly ProtectedRef[]): RefPolicy {
  const { project, token } = input
  return {
    role: token.role,
    tokenRefs: token.refRules === undefined || token.refRules === null || token.refRules.length === 0 ? null : [...token.refRules],
    branches: rules.filter(r => r.refKind === 'branch').map(r => ({ owner: r.owner, pattern: r.pattern, push: r.level, allowForcePush: r.allowForcePush })),
    tags: rules.filter(r => r.refKind === 'tag').map(r => ({ owner: r.owner, pattern: r.pattern, create: r.level })),
    defaultBranch: project.defaultBranch === null ? null : { name: project.defaultBranch, protection: project.defaultBranchProtection },
  }
}

export const updateOf = (c: RefCommand): RefUpdate => ({ ref: c.ref, change: refChangeOf(isZeroId(c.oldId), isZeroId(c.newId)) })

/**
 * Whether the hook has anything left to decide: an update a force-push would
 * turn into a refusal, or a create only an empty repository allows.
 */
export function needsHook(policy: RefPolicy, updates: readonly RefUpdate[]): boolean {
  return updates.some(u => !decideRefUpdate(policy, { ...u, fastForward: false }, { repositoryEmpty: false }).allow)
}

interface CommandRead {
  progress: ParseProgress | { state: 'timeout' } | { state: 'gone' }
}

/**
 * Read the body up to the end of the command list, then put every byte read
 * back at the head of the stream and leave it paused.
 */
function readCommandList(req: IncomingMessage, timeoutMs: number): Promise<CommandRead> {
  return new Promise(resolve => {
    const parser = new ReceivePackCommandParser()
    const chunks: Buffer[] = []
    let settled = false
    const finish = (progress: CommandRead['progress'], unshift: boolean): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      req.off('data', onData)
      req.off('end', onEnd)
      req.off('close', onClose)
      req.pause()
      // Back at the head of the stream, in order: what git receives is the
      // request exactly as the client sent it.
      if (unshift && chunks.length > 0) req.unshift(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks))
      resolve({ progress })
    }
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk)
      const p = parser.push(chunk)
      if (p.state !== 'more') finish(p, p.state === 'done')
    }
    const onEnd = (): void => finish(parser.end(), false)
    const onClose = (): void => finish({ state: 'gone' }, false)
    const timer = setTimeout(() => finish({ state: 'timeout' }, false), timeoutMs)
    req.on('data', onData)
    req.on('end', onEnd)
    req.on('close', onClose)
  })
}

/** Answer a refused push after reading (and discarding) the rest of its body, as receive-pack would. */
function answerAfterBody(req: IncomingMessage, res: ServerResponse, answer: () => void): void {
  if (req.readableEnded) {
    answer()
    return
  }
  req.once('end', answer)
  req.resume()
}

export async function screenPush(req: IncomingMessage, res: ServerResponse, input: PushScreenInput, options: PushScreenOptions): Promise<PushScreen> {
  // The commands are read as raw pkt-lines; a compressed body would need a
  // second reading, and git never compresses a push.
  const encoding = requestContentEncoding(req.headers)
  if (isGzip(encoding)) {
    sendText(res, 415, MSG_COMPRESSED, { close: true })
    return { kind: 'answered', decision: 'deny:push-encoding' }
  }
  const rules = await options.findRefRules(input.project.path)
  const policy = refPolicyFor(input, rules)
  if (input.expectsContinue) res.writeContinue()
  const read = await readCommandList(req, options.timeoutMs)
  const progress = read.progress
  switch (progress.state) {
    case 'gone':
      return { kind: 'answered', decision: 'abandoned' }
    case 'timeout':
      sendText(res, 408, MSG_SLOW, { close: true })
      return { kind: 'answered', decision: 'deny:push-time' }
    case 'error':
      // Whatever the gate cannot read with certainty does not reach git.
      sendText(res, 400, `The push request is malformed: ${progress.message}.`, { close: true })
      return { kind: 'answered', decision: 'deny:push-malformed' }
    case 'more':
      throw new Error('the command list reader settled without an answer')
    case 'done':
      break
    default:
      assertNever(progress, 'command list state')
  }

  const updates = progress.commands.map(updateOf)
  const verdict = decidePush(policy, updates)
  if (!verdict.allow) {
    const { mode, reportStatus } = reportModeOf(progress.capabilities)
    const messages = verdict.messages.map(m => `gitward: ${m}`)
    answerAfterBody(req, res, () => {
      if (!reportStatus) {
        // A client that asked for no status report can only be told in one line.
        sendText(res, 403, messages.join(' '))
        return
      }
      const body = encodeRejectionReport({
        rejections: verdict.verdicts.map(v => ({ ref: v.ref, reason: v.allow ? REFUSED_WITH_OTHERS : v.reason })),
        messages,
        mode,
      })
      res.writeHead(200, { 'Content-Type': RECEIVE_PACK_RESULT_TYPE, 'Content-Length': body.length, 'Cache-Control': 'no-cache' })
      res.end(body)
    })
    const first = verdict.verdicts.find(v => !v.allow)
    return { kind: 'answered', decision: `deny:ref-${first !== undefined && !first.allow ? first.code : 'rule'}` }
  }
  const check = needsHook(policy, updates)
  const send = input.alwaysSendPolicy || check
  return { kind: 'forward', policy: send ? encodeRefPolicy({ tokenId: input.token.id, policy, check }) : undefined }
}

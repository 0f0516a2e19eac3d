// One request to the embedded backend, from its wait for a process slot to
// its last byte: one git process (git-upload-pack or git-receive-pack), the
// request body copied to its stdin, its output streamed to the client after
// the head git-service.ts chose.
//
// The exchange moves through four states, each change made in one place:
//
//   waiting-for-slot ──slot──▶ running ──first body byte──▶ streaming
//          │                     │                              │
//          └── refused / client gone, or git finished (below) ──┴──▶ done
//
// An exchange is finished when two independent things have happened: git has
// exited (with every process holding its pipes), and the output side has
// ended — the whole body handed to the client, a failure, or a client that
// went away. Only then is the response ended, because a status that looks
// complete must not go out before git's exit code is known.
import type { ChildProcess } from 'node:child_process'
import type { ServerResponse } from 'node:http'
import { Transform, type Readable, type Writable } from 'node:stream'
import { assertNever } from '../assert-never.js'
import { GitwardError, isGitwardError } from '../errors.js'
import { sendText } from '../http/plain-text.js'
import type { ConcurrencyLimiter, Release } from '../limits/concurrency-limiter.js'
import type { Logger } from '../log/logger.js'
import type { BackendRoute } from './backend-route.js'
import type { ServiceHead } from './git-service.js'
import { ProcessGroup, type KillFunction, type ProcessExit } from './process-group.js'
import { StderrTail } from './stderr-tail.js'
import { pumpBody, type BodyPump } from './body-pump.js'

export type ExchangeState = 'waiting-for-slot' | 'running' | 'streaming' | 'done'

/** What the backend shares with every exchange. */
export interface ExchangeDeps {
  limiter: Pick<ConcurrencyLimiter, 'acquire' | 'active' | 'queued'>
  /** Starts a git program with these arguments, environment and working directory, in a process group of its own. */
  spawnGit: (command: GitCommand) => ChildProcess
  /** Time between SIGTERM and SIGKILL when git must stop. */
  killGraceMs: number
  /** The backend's running git processes (for activeProcesses() and close()). */
  processes: Set<ProcessGroup>
  /** True once the backend is closing: a request that gets a slot then is refused. */
  isClosing: () => boolean
  /** Signals a process group (default `process.kill`); tests watch it. */
  kill?: KillFunction
}

/** What to run: the program, its arguments, the complete environment and the repository to run in. */
export interface GitCommand {
  program: string
  args: readonly string[]
  /** The complete environment (src/backend/git-env.ts). */
  env: Record<string, string>
  /** The repository's directory. */
  cwd: string
}

export interface ExchangeRequest {
  res: ServerResponse
  /** The request body (the request itself, the front's counted stream, or its inflation). */
  body: Readable
  route: BackendRoute
  command: GitCommand
  /** Status and headers of a successful reply. */
  head: ServiceHead
  /** Bytes sent before git's output (the smart-HTTP service announcement), if any. */
  preamble: Buffer | null
  log: Logger
}

/** How much of a git process's stderr is kept for the log. */
const STDERR_LOG_BYTES = 4096

/** The streams of a running git process, kept to take them apart when the client leaves. */
interface Pipes {
  group: ProcessGroup
  stdin: Writable
  stdout: Readable
  /** The copy of the request body to git's stdin. */
  pump: BodyPump | null
  /** The copy of git's output to the client. */
  toClient: Transform
}

export class GitExchange {
  #state: ExchangeState = 'waiting-for-slot'
  /** Fires when the client leaves while the exchange waits for a slot. */
  readonly #abort = new AbortController()
  #pipes: Pipes | null = null
  // The two halves of "finished":
  #exit: ProcessExit | null = null
  #output: 'pending' | 'complete' | 'client-gone' = 'pending'
  /** The first thing that went wrong (spawn, pipes); ends the output side too. */
  #failure: unknown = null
  readonly #stderr = new StderrTail(STDERR_LOG_BYTES)

  constructor(
    private readonly request: ExchangeRequest,
    private readonly deps: ExchangeDeps,
  ) {
    request.res.once('close', () => this.#onClientClose())
  }

  get state(): ExchangeState {
    return this.#state
  }

  /** Wait for a slot, then start git. Resolves once git runs (or the request was answered). */
  async run(): Promise<void> {
    const { res, log } = this.request
    // Handed over in-process, the response may already be closed.
    if (res.destroyed) {
      this.#state = 'done'
      return
    }
    let release: Release
    try {
      release = await this.deps.limiter.acquire(this.#abort.signal)
    } catch (err) {
      if (this.#state === 'done') return // the client left the queue
      this.#state = 'done'
      if (isGitwardError(err) && err.code === 'OVERLOADED') {
        log.warn('backend overloaded; request refused', { active: this.deps.limiter.active(), queued: this.deps.limiter.queued() })
        sendText(res, 503, 'The git backend is busy; try again shortly.', { retryAfter: 1 })
        return
      }
      throw err
    }
    if (this.#state === 'done') {
      release()
      return
    }
    if (this.deps.isClosing()) {
      release()
      this.#state = 'done'
      sendText(res, 503, 'The git backend is shutting down.', { retryAfter: 1 })
      return
    }
    this.#start(release)
  }

  #start(release: Release): void {
    const { body, res, log } = this.request
    let child: ChildProcess
    try {
      child = this.deps.spawnGit(this.request.command)
    } catch (err) {
      release()
      this.#state = 'done'
      throw err
    }
    const { stdin, stdout, stderr } = child
    if (stdin === null || stdout === null || stderr === null) {
      release()
      this.#state = 'done'
      throw new GitwardError('UPSTREAM_FAILED', 'The git backend process has no standard streams.')
    }
    const group = new ProcessGroup(child, this.deps.killGraceMs, this.deps.kill)
    this.deps.processes.add(group)
    const pipes: Pipes = { group, stdin, stdout, pump: null, toClient: this.#toClient() }
    this.#pipes = pipes
    this.#state = 'running'

    // Spawn failures (ENOENT, EACCES) arrive here; 'close' follows.
    child.on('error', err => this.#fail(err))
    void group.exited.then(exit => {
      this.deps.processes.delete(group)
      release()
      this.#exit = exit
      this.#settle()
    })

    // The request body goes to git with backpressure, in large writes
    // (body-pump.ts). git may stop reading early (an error reply, a refused
    // push); EPIPE then only ends the copy.
    stdin.on('error', err => log.debug('git stdin closed early', { error: err }))
    body.on('error', err => {
      // The body will never end (cut off, over the front's size limit, too
      // slow): git would wait for the rest forever.
      log.debug('request stream error', { error: err })
      stdin.destroy()
      group.stop()
    })
    pipes.pump = pumpBody(body, stdin)

    // stderr is drained completely (a full pipe would block git).
    stderr.on('data', (chunk: Buffer) => this.#stderr.add(chunk))
    stderr.on('error', () => {})

    stdout.on('error', err => this.#fail(err))
    res.on('error', err => log.debug('response stream error', { error: err }))
    // end: false — the response is ended only once git's exit status is
    // known, so a crash mid-pack is not reported as a complete reply.
    stdout.pipe(pipes.toClient).pipe(res, { end: false })
  }

  /**
   * The status line goes out with git's first byte, not when git starts: a
   * service that fails at once (a malformed request, a broken repository)
   * can still be answered with a plain 502 instead of a cut connection.
   */
  #toClient(): Transform {
    const { preamble } = this.request
    const toClient = new Transform({
      transform: (chunk: Buffer, _encoding, callback) => {
        if (this.#output === 'client-gone' || (this.#state === 'running' && !this.#writeHead())) {
          callback()
          return
        }
        if (this.#state === 'running') {
          this.#state = 'streaming'
          if (preamble !== null) toClient.push(preamble)
        }
        callback(null, chunk)
      },
    })
    toClient.on('error', () => {})
    // The body is complete once its last byte has been handed to `res`.
    toClient.on('end', () => {
      if (this.#output === 'pending') this.#output = 'complete'
      this.#settle()
    })
    return toClient
  }

  /** Send git's status and headers; false when they cannot be sent. */
  #writeHead(): boolean {
    const { res, head } = this.request
    if (res.headersSent || res.destroyed) return false
    res.writeHead(head.status, head.headers)
    return true
  }

  #fail(err: unknown): void {
    this.#failure ??= err
    this.#settle()
  }

  /**
   * The response closed before the exchange was done: the client left, or
   * the front answered on its own (a negotiation body over its limit).
   * Either way nobody reads git's output any more, so git is stopped and
   * its slot freed.
   */
  #onClientClose(): void {
    switch (this.#state) {
      case 'waiting-for-slot':
        // A client that leaves while queued gives up its place.
        this.#state = 'done'
        this.#abort.abort(new GitwardError('UPSTREAM_FAILED', 'The client went away.'))
        return
      case 'running':
      case 'streaming': {
        this.#output = 'client-gone'
        const pipes = this.#pipes
        if (pipes !== null) {
          pipes.pump?.stop()
          pipes.stdin.destroy()
          pipes.toClient.unpipe(this.request.res)
          // Drain and discard what git still writes, so it is never blocked
          // on a full pipe while the signal is on its way.
          pipes.stdout.unpipe(pipes.toClient)
          pipes.toClient.destroy()
          pipes.stdout.resume()
          pipes.group.stop()
        }
        this.#settle()
        return
      }
      case 'done':
        return
      default:
        assertNever(this.#state, 'exchange state')
    }
  }

  /** Answer once git has exited and its output has been read (or given up on). */
  #settle(): void {
    const exit = this.#exit
    if (this.#state === 'done' || exit === null) return
    if (this.#output === 'pending' && this.#failure === null) return
    const headSent = this.#state === 'streaming'
    this.#state = 'done'
    const { res, route, log } = this.request
    const fields = { project: route.project, service: route.service, exitCode: exit.code, signal: exit.signal, ...this.#stderr.fields() }
    if (this.#output === 'client-gone') {
      log.info('client went away; git process stopped', fields)
      return
    }
    const ok = exit.code === 0 && this.#failure === null && this.#output === 'complete'
    if (!ok) log.warn('git failed', { ...fields, ...(this.#failure === null ? {} : { error: this.#failure }) })
    else if (fields.stderr !== undefined) log.warn('git wrote to stderr', fields)
    if (headSent) {
      // Headers (and part of the body) are out: cutting the connection is
      // the only way to tell the client the response is incomplete.
      if (ok) res.end()
      else res.destroy()
    } else if (ok && this.#writeHead()) {
      // A complete reply with an empty body.
      res.end()
    } else {
      sendText(res, 502, 'The git backend failed.')
    }
  }
}

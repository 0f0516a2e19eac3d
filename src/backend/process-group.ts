// One git process tree, and the only way gitward stops it. upload-pack and
// receive-pack start pack-objects, index-pack or hooks; spawned with
// `detached: true` they all share one process group, so one signal to the
// group reaches every process working for the request, not only the first.
import type { ChildProcess } from 'node:child_process'

export interface ProcessExit {
  code: number | null
  signal: NodeJS.Signals | null
}

/** `process.kill`, injectable so tests can watch the signals. */
export type KillFunction = (pid: number, signal: NodeJS.Signals) => void

export class ProcessGroup {
  /** Resolves once git and every process holding its pipes are gone. */
  readonly exited: Promise<ProcessExit>
  #exited = false
  #stopping = false
  #waitingForPid = false

  constructor(
    private readonly child: ChildProcess,
    /** Time between SIGTERM and SIGKILL. */
    private readonly graceMs: number,
    private readonly kill: KillFunction = (pid, signal) => process.kill(pid, signal),
  ) {
    this.exited = new Promise(resolve => {
      child.once('close', (code: number | null, signal: NodeJS.Signals | null) => {
        this.#exited = true
        resolve({ code, signal })
      })
    })
  }

  get running(): boolean {
    return !this.#exited
  }

  /**
   * SIGTERM to the whole group, SIGKILL after the grace period. Until
   * `exited` resolves the group id still names our processes, so signalling
   * it cannot hit a stranger's.
   */
  stop(): void {
    const pid = this.child.pid
    if (this.#stopping || this.#exited) return
    if (pid === undefined) {
      // Started on a worker thread (posix-spawn.ts): no pid until it runs,
      // so it is stopped the moment it does. A start that fails ends in
      // 'close' instead, and there is nothing to stop.
      if (!this.#waitingForPid) {
        this.#waitingForPid = true
        this.child.once('spawn', () => this.stop())
      }
      return
    }
    this.#stopping = true
    this.#signal(pid, 'SIGTERM')
    const timer = setTimeout(() => {
      if (!this.#exited) this.#signal(pid, 'SIGKILL')
    }, this.graceMs)
    void this.exited.then(() => clearTimeout(timer))
  }

  #signal(pid: number, signal: NodeJS.Signals): void {
    try {
      this.kill(-pid, signal)
    } catch {
      // ESRCH: the group is already gone.
    }
  }
}

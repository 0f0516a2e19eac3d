// Every administrative change as one JSON line in the server's log, for a
// SIEM that reads the journal. Changes are made by the CLI, a separate
// process, so the server follows the audit table: it remembers the newest
// entry it has seen and logs each newer one once, in order. Entries that
// existed when the server started are not logged again (the trail itself,
// `gitward audit --json`, is the complete record; the feed is the live view).
import type { Logger } from '../log/logger.js'
import type { AuditEntry } from '../model/audit.js'

/** Schedules `fn` after `ms`; returns a function that cancels it. */
export type Schedule = (fn: () => void, ms: number) => () => void

export interface AuditFeedOptions {
  /** The trail, oldest first. */
  list: () => Promise<readonly AuditEntry[]>
  logger: Logger
  everyMs: number
  schedule?: Schedule
}

export interface AuditFeed {
  /** Learn where the trail ends now, then follow it. */
  start(): Promise<void>
  /** Look for new entries now (also what each tick does). */
  poll(): Promise<void>
  stop(): void
}

const timerSchedule: Schedule = (fn, ms) => {
  const timer = setTimeout(fn, ms)
  timer.unref()
  return () => clearTimeout(timer)
}

export function createAuditFeed(o: AuditFeedOptions): AuditFeed {
  const schedule = o.schedule ?? timerSchedule
  let lastId = 0
  // False until the end of the trail is known: the first successful read
  // only learns it, so history is never replayed into the log.
  let known = false
  let cancel: (() => void) | null = null
  let stopped = false
  let polling: Promise<void> | null = null

  const newestId = (entries: readonly AuditEntry[]): number => entries.reduce((max, e) => Math.max(max, e.id), 0)

  const poll = (): Promise<void> => {
    polling ??= (async () => {
      try {
        const entries = await o.list()
        for (const e of entries) {
          if (!known || e.id <= lastId) continue
          // The same fields as `gitward audit --json`; details never hold a secret.
          o.logger.info('audit', { auditId: e.id, at: e.at, actor: e.actor, action: e.action, target: e.target, details: e.details })
        }
        lastId = Math.max(lastId, newestId(entries))
        known = true
      } catch (error) {
        // A busy or unavailable database is retried at the next tick; the
        // entries are still in the table and will be logged then.
        o.logger.warn('audit feed could not read the audit trail', { error })
      } finally {
        polling = null
      }
    })()
    return polling
  }

  const tick = (): void => {
    cancel = schedule(() => {
      void poll().finally(() => {
        if (!stopped) tick()
      })
    }, o.everyMs)
  }

  return {
    async start() {
      await poll()
      if (!stopped) tick()
    },
    poll,
    stop() {
      stopped = true
      cancel?.()
    },
  }
}

// Which audit entries `gitward audit --since --action --target` shows. The
// filters are checked here, once, for the CLI and any later API alike.
//   --since   a date (YYYY-MM-DD, from 00:00 UTC) or an ISO-8601 UTC instant
//   --action  an action (token.revoked) or a family (token: every token.*)
//   --target  a project path, group path or token id, exactly
import { GitwardError } from '../errors.js'
import type { AuditEntry } from '../model/audit.js'

export interface AuditQuery {
  /** Earliest instant shown (ms), or null for the beginning. */
  since: number | null
  action: string | null
  target: string | null
}

export interface AuditQueryInput {
  since?: string | undefined
  action?: string | undefined
  target?: string | undefined
}

const DAY = /^\d{4}-\d{2}-\d{2}$/
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?Z$/
const ACTION = /^[a-z_]+(?:\.[a-z_]+)?$/

function parseSince(raw: string): number {
  const ms = DAY.test(raw) ? Date.parse(`${raw}T00:00:00.000Z`) : INSTANT.test(raw) ? Date.parse(raw) : NaN
  // The round trip refuses dates that roll over (2026-02-30).
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== raw.slice(0, 10)) {
    throw new GitwardError('INVALID_ARGUMENT', `--since must be a date (YYYY-MM-DD, from 00:00 UTC) or a UTC time such as 2026-06-01T08:00Z; "${raw}" is neither.`)
  }
  return ms
}

export function parseAuditQuery(input: AuditQueryInput): AuditQuery {
  const since = input.since === undefined ? null : parseSince(input.since)
  const action = input.action ?? null
  if (action !== null && !ACTION.test(action)) {
    throw new GitwardError('INVALID_ARGUMENT', `--action must be an action such as token.revoked, or a family such as token; "${action}" is not.`)
  }
  const target = input.target ?? null
  if (target !== null && target.trim() === '') throw new GitwardError('INVALID_ARGUMENT', '--target must not be empty.')
  return { since, action, target }
}

const actionMatches = (action: string, wanted: string): boolean => action === wanted || action.startsWith(`${wanted}.`)

/** The entries the query selects, in the trail's order (oldest first). */
export function selectAudit(entries: readonly AuditEntry[], q: AuditQuery): AuditEntry[] {
  return entries.filter(
    e =>
      (q.since === null || Date.parse(e.at) >= q.since) &&
      (q.action === null || actionMatches(e.action, q.action)) &&
      (q.target === null || e.target === q.target),
  )
}

/**
 * When an --action matches nothing in the whole trail (a typo, most often),
 * the sentence that says so and lists the actions that do occur.
 */
export function unknownActionNote(entries: readonly AuditEntry[], q: AuditQuery): string | null {
  if (q.action === null) return null
  const wanted = q.action
  if (entries.some(e => actionMatches(e.action, wanted))) return null
  const seen = [...new Set(entries.map(e => e.action))].sort()
  return `no entry in the audit trail has the action "${wanted}"${seen.length === 0 ? '' : `; its actions are ${seen.join(', ')}`}.`
}

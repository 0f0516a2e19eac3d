// The audit trail: who changed what, when. Entries never hold a secret.
import type { Timestamp } from './dates.js'

/** Who did an administrative change; recorded in the audit trail. */
export interface Actor {
  user: string
  /** Why, as the administrator said it (--reason); kept in the entry's details as `reason`. */
  reason?: string
}

export type AuditAction =
  | 'project.created'
  | 'project.visibility_changed'
  /** The registration and its tokens and protections; the repository stays on disk. */
  | 'project.removed'
  /** Pushes refused from now on; pulls still served. */
  | 'project.archived'
  | 'project.unarchived'
  | 'token.created'
  | 'token.rotated'
  | 'token.revoked'
  /** Schema migration 3 replaced a stored expiry that was not a calendar date. */
  | 'token.expiry_repaired'
  | 'group.setting_changed'
  | 'ref.protected'
  | 'ref.protection_changed'
  | 'ref.unprotected'

/** An entry as a use case writes it; the store adds the id and the time. */
export interface AuditNote {
  actor: Actor
  action: AuditAction
  /** What the action was about: a project path, token id or group path. */
  target: string
  /** Extra facts (never a secret), e.g. { name, scopes, role }. */
  details: Record<string, unknown>
}

export interface AuditEntry {
  id: number
  at: Timestamp
  /** OS user who ran the command. */
  actor: string
  action: AuditAction
  target: string
  details: Record<string, unknown>
}

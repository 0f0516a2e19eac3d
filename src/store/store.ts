// The persistence boundary. Everything above this interface is written
// against promises, so a shared PostgreSQL store can replace the SQLite one
// without touching the front, the verifier or the CLI. SQL lives only in the
// implementations under src/store/.
import type { Role } from '../access/role.js'
import type { Scope } from '../access/scope.js'
import type { Visibility } from '../access/visibility.js'

/** ISO-8601 UTC timestamp, e.g. 2026-11-29T19:12:30.000Z (from the injected clock). */
export type Timestamp = string
/** Calendar date in UTC, YYYY-MM-DD. */
export type DateString = string

export interface Project {
  id: number
  path: string
  visibility: Visibility
  createdAt: Timestamp
}

/** What a token is bound to: exactly one project, or every project under a group. */
export type TokenTarget =
  | { kind: 'project'; projectId: number; path: string }
  | { kind: 'group'; path: string }

export interface TokenRecord {
  /** Public id, the primary key; part of the token, not secret. */
  id: string
  name: string
  target: TokenTarget
  role: Role
  scopes: Scope[]
  /** bcrypt hash of the secret part; never leaves the store except to the verifier. */
  secretHash: string
  /** The token stops working at 00:00 UTC on this date; null = never expires. */
  expiresAt: DateString | null
  createdAt: Timestamp
  lastUsedAt: Timestamp | null
  revokedAt: Timestamp | null
  /** Id of the token this one replaced by rotation, if any. */
  rotatedFrom: string | null
}

export interface GroupSettings {
  /** A top-level group such as `acme`. */
  path: string
  projectTokenCreation: 'enabled' | 'disabled'
  updatedAt: Timestamp | null
}

export type AuditAction =
  | 'project.created'
  | 'token.created'
  | 'token.rotated'
  | 'token.revoked'
  | 'group.setting_changed'

export interface AuditEntry {
  id: number
  at: Timestamp
  /** OS user who ran the command. */
  actor: string
  action: AuditAction
  /** What the action was about: a project path, token id or group path. */
  target: string
  /** Extra facts (never a secret), e.g. { name, scopes, role }. */
  details: Record<string, unknown>
}

/** Who did an administrative change; recorded in the audit trail. */
export interface Actor {
  user: string
}

export interface NewToken {
  id: string
  name: string
  target: { kind: 'project'; path: string } | { kind: 'group'; path: string }
  role: Role
  scopes: Scope[]
  secretHash: string
  expiresAt: DateString | null
}

export interface TokenFilter {
  project?: string
  group?: string
  /** Include revoked and expired tokens. */
  all?: boolean
}

export interface Store {
  // ---- hot path (the server) -------------------------------------------
  /** One primary-key lookup. Resolves undefined for an unknown id. */
  findToken(id: string): Promise<TokenRecord | undefined>
  /** One unique-index lookup by canonical path. */
  findProject(path: string): Promise<Project | undefined>
  /** Batched last-used writes, one transaction; called off the request path. */
  recordTokenUse(uses: ReadonlyArray<{ id: string; at: Timestamp }>): Promise<void>
  /** Cheap read proving the database answers (health checks). */
  ping(): Promise<void>

  // ---- administration (the CLI) ------------------------------------------
  createProject(project: { path: string; visibility: Visibility }, actor: Actor): Promise<Project>
  listProjects(): Promise<Project[]>
  /**
   * Insert a token. Refuses (GitwardError CREATION_DISABLED) a project token
   * whose top-level group has project-token creation disabled, checked in the
   * same transaction as the insert; NOT_FOUND for an unknown project.
   */
  createToken(token: NewToken, actor: Actor): Promise<TokenRecord>
  listTokens(filter: TokenFilter): Promise<TokenRecord[]>
  /** Revoke; NOT_FOUND for an unknown id. Revoking twice is refused (INVALID_ARGUMENT). */
  revokeToken(id: string, actor: Actor): Promise<TokenRecord>
  /** Insert `replacement` and revoke `id` in one transaction. */
  rotateToken(id: string, replacement: NewToken, actor: Actor): Promise<TokenRecord>
  setProjectTokenCreation(
    group: string,
    value: 'enabled' | 'disabled',
    actor: Actor,
  ): Promise<GroupSettings>
  getGroupSettings(group: string): Promise<GroupSettings>
  listAudit(): Promise<AuditEntry[]>

  close(): Promise<void>
}

// The persistence boundary. Everything above this interface is written
// against promises, so a shared PostgreSQL store can replace the SQLite one
// without touching the front, the verifier or the CLI. SQL lives only in the
// implementations under src/store/.
import type { Role } from '../access/role.js'
import type { Scope } from '../access/scope.js'
import type { Visibility } from '../access/visibility.js'
import type { DefaultBranchProtection, RefAccessLevel, RuleOwner } from '../access/ref-rules.js'

/** ISO-8601 UTC timestamp, e.g. 2026-11-29T19:12:30.000Z (from the injected clock). */
export type Timestamp = string
/** Calendar date in UTC, YYYY-MM-DD. */
export type DateString = string

export interface Project {
  id: number
  path: string
  visibility: Visibility
  createdAt: Timestamp
  /** The branch HEAD named when the project was registered; null for projects older than schema 2. */
  defaultBranch: string | null
  /** How the default branch is protected; `none` for projects older than schema 2. */
  defaultBranchProtection: DefaultBranchProtection
}

/** A protected branch or tag pattern, on a project or on a group (inherited below it). */
export interface ProtectedRef {
  id: number
  refKind: 'branch' | 'tag'
  owner: RuleOwner
  /** Short name or glob: `main`, `release/*` (branch), `v*` (tag). */
  pattern: string
  /** Who may push (branch) or create (tag). */
  level: RefAccessLevel
  /** Branches only: whether those who may push may also force-push. Always false for tags. */
  allowForcePush: boolean
  createdAt: Timestamp
  updatedAt: Timestamp
}

/** A protection to record; the admin layer has checked every field. */
export interface NewProtectedRef {
  refKind: 'branch' | 'tag'
  owner: RuleOwner
  pattern: string
  level: RefAccessLevel
  allowForcePush: boolean
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
  /** Full-ref patterns this token may push to (refs/tags/v*); null = no limit. */
  refRules: string[] | null
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
  | 'ref.protected'
  | 'ref.protection_changed'
  | 'ref.unprotected'

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
  /** Why, as the administrator said it (--reason); kept in the entry's details as `reason`. */
  reason?: string
}

export interface NewToken {
  id: string
  name: string
  target: { kind: 'project'; path: string } | { kind: 'group'; path: string }
  role: Role
  scopes: Scope[]
  secretHash: string
  expiresAt: DateString | null
  /** Full-ref patterns the token is limited to; omitted or null = no limit. */
  refRules?: string[] | null
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
  /**
   * The protected branches and tags that apply to the project at
   * `projectPath`: its own and those of every group above it (`acme`,
   * `acme/sub` for `acme/sub/app`). Called once per push. Order does not
   * matter; an engine may return them in any order.
   */
  findRefRules(projectPath: string): Promise<ProtectedRef[]>

  // ---- administration (the CLI) ------------------------------------------
  /** `defaultBranchProtection` defaults to `none`, `defaultBranch` to null (the state before schema 2). */
  createProject(
    project: { path: string; visibility: Visibility; defaultBranch?: string | null; defaultBranchProtection?: DefaultBranchProtection },
    actor: Actor,
  ): Promise<Project>
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
  /**
   * Record a protection, or change the level and force-push flag of the one
   * with the same kind, owner and pattern; audited as ref.protected or
   * ref.protection_changed (with the previous values). No rule is checked
   * here: src/admin/protect-ref.ts has done that.
   */
  protectRef(rule: NewProtectedRef, actor: Actor): Promise<{ rule: ProtectedRef; created: boolean }>
  /** Remove one protection, audited as ref.unprotected; NOT_FOUND when there is none. */
  unprotectRef(refKind: 'branch' | 'tag', owner: RuleOwner, pattern: string, actor: Actor): Promise<ProtectedRef>
  /** Every protection, ordered by owner path, kind and pattern. */
  listProtectedRefs(): Promise<ProtectedRef[]>
  listAudit(): Promise<AuditEntry[]>

  close(): Promise<void>
}

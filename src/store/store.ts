// The persistence boundary. Everything above this interface is written
// against promises, so a shared PostgreSQL store can replace the SQLite one
// without touching the front, the verifier or the CLI. SQL lives only in the
// implementations under src/store/; the domain types live in src/model/.
//
// An engine knows no rule. It stores what src/admin/ decided, and for the
// few decisions that must hold at the moment of the write (a revoked token
// cannot be rotated, project tokens may be switched off for a group) it
// re-checks a plain FACT that the use case names, inside the write's own
// transaction, and reports a Conflict instead of writing:
//
//   use case (admin/)                       engine (store/)
//   read, validate, decide, build the row   BEGIN
//   store.createToken(row, audit,           check the named facts -> Conflict
//     { requireProjectTokenCreation })      insert row + audit entry
//   Conflict -> the rule's message          COMMIT
//
// Why facts and not a callback or an open transaction handed to admin/:
// better-sqlite3 transactions are synchronous (no `await` may run inside
// one), and a PostgreSQL transaction on a pooled connection must not stay
// open across a use case's other awaits (hashing, git, another request's
// queries in the same process once the HTTP API calls admin/). A fact to
// compare fits both: SQLite checks it in its synchronous transaction,
// PostgreSQL between BEGIN and COMMIT (or with a conditional UPDATE), and
// the rule and its wording stay in admin/, written once.
import type { AuditEntry, AuditNote } from '../model/audit.js'
import type { Timestamp } from '../model/dates.js'
import type { GroupSettings, Project, ProjectTokenCreation } from '../model/project.js'
import type { DefaultBranchProtection, NewProtectedRef, ProtectedRef, RefKind, RuleOwner } from '../model/protection.js'
import type { NewToken, TokenAddress, TokenRecord } from '../model/token.js'
import type { Visibility } from '../model/visibility.js'

/** What Store.findTokenAndProject read. */
export interface TokenAndProject {
  token: TokenRecord | undefined
  project: Project | undefined
}

/** Why a write did not happen: a fact it was conditioned on did not hold. */
export type Conflict =
  /** createProject: a project already has this path. */
  | 'project-exists'
  /** createToken / rotateToken: a token already has the new token's id. */
  | 'token-id-taken'
  /** revokeToken / rotateToken: no token has the id. */
  | 'token-missing'
  /** revokeToken / rotateToken: the token is already revoked. */
  | 'token-revoked'
  /** createToken with requireProjectTokenCreation: the group has it disabled. */
  | 'project-token-creation-disabled'
  /** protectRef: the protection is no longer what the use case read (changed concurrently). */
  | 'protection-changed'
  /** unprotectRef: the protection is gone. */
  | 'protection-missing'
  /** setProjectVisibility / setProjectArchived / removeProject: no project has the id. */
  | 'project-missing'
  /** removeProject: the project's unrevoked tokens are not the ones the use case read. */
  | 'project-tokens-changed'

/** The outcome of a conditioned write: the stored value, or the fact that failed. */
export type Written<T, C extends Conflict> = { ok: true; value: T } | { ok: false; conflict: C }

export interface TokenWriteConditions {
  /**
   * A top-level group whose project-token creation must be enabled at the
   * moment of the insert, so a concurrent `group set … disabled` cannot be
   * slipped past. Absent: no condition.
   */
  requireProjectTokenCreation?: string
}

export interface TokenFilter {
  /** Tokens bound to this project (canonical path). */
  project?: string
  /** Tokens bound to this group or to a project or group below it (segment-bounded). */
  group?: string
  /** Include revoked tokens (expired ones are always returned; expiry is a rule of admin/). */
  includeRevoked: boolean
}

/** What removeProject does besides deleting the project row. */
export interface ProjectRemovalPlan {
  /**
   * The ids of every unrevoked token bound to the project, as the use case
   * read them. If the set differs inside the transaction (a token was minted
   * or revoked meanwhile), nothing is written: 'project-tokens-changed'.
   */
  expectedUnrevoked: readonly string[]
  /** Tokens (among expectedUnrevoked) to revoke first, each with its own audit entry. */
  revoke: ReadonlyArray<{ id: string; audit: AuditNote }>
}

/** What removeProject removed. */
export interface ProjectRemoval {
  project: Project
  /** Ids of the tokens revoked by this removal (plan.revoke). */
  revokedTokens: string[]
  /** Token rows bound to the project that were deleted with it (all of them, revoked ones included). */
  deletedTokens: number
  /** Protections owned by the project that were deleted with it. */
  deletedProtections: number
}

/** One use of a token, as the last-used recorder batches them. */
export interface TokenUse {
  id: string
  at: Timestamp
  /** The client address it came from; omitted = not recorded. */
  address?: string
}

export interface Store {
  // ---- hot path (the server) -------------------------------------------
  /** One primary-key lookup. Resolves undefined for an unknown id. */
  findToken(id: string): Promise<TokenRecord | undefined>
  /** One unique-index lookup by canonical path. */
  findProject(path: string): Promise<Project | undefined>
  /**
   * The read of an authenticated request: the token by id (joined to its
   * project) and the requested project by path, as ONE read — one statement,
   * one round trip on a shared database — so a request costs one database
   * visit whatever the engine. Either part may be undefined.
   */
  findTokenAndProject(id: string, projectPath: string): Promise<TokenAndProject>
  /**
   * Batched last-used writes, one transaction; called off the request path.
   * last_used_at only moves forward; each use with an address upserts that
   * address's last_seen_at, and a token keeps only its RECENT_ADDRESSES_KEPT
   * most recent addresses (older ones are deleted in the same transaction).
   * Unknown ids are ignored.
   */
  recordTokenUse(uses: ReadonlyArray<TokenUse>): Promise<void>
  /** Cheap read proving the database answers (health checks). */
  ping(): Promise<void>
  /**
   * The protected branches and tags that apply to the project at
   * `projectPath`: its own and those of every group above it (`acme`,
   * `acme/sub` for `acme/sub/app`). Called once per push. Order does not
   * matter; an engine may return them in any order.
   */
  findRefRules(projectPath: string): Promise<ProtectedRef[]>

  // ---- administration (src/admin/ only) ----------------------------------
  // Each write stores its audit entry in the same transaction.
  createProject(
    project: { path: string; visibility: Visibility; defaultBranch: string | null; defaultBranchProtection: DefaultBranchProtection },
    audit: AuditNote,
  ): Promise<Written<Project, 'project-exists'>>
  listProjects(): Promise<Project[]>
  /** Change the visibility of the project with this id. */
  setProjectVisibility(projectId: number, visibility: Visibility, audit: AuditNote): Promise<Written<Project, 'project-missing'>>
  /**
   * Archive (archived_at = the time of the write) or unarchive (NULL) the
   * project with this id.
   */
  setProjectArchived(projectId: number, archived: boolean, audit: AuditNote): Promise<Written<Project, 'project-missing'>>
  /**
   * Remove the project with this id in one transaction: revoke plan.revoke
   * (audited each), delete every token row bound to it (the schema keeps no
   * token without its project) and the protections it owns, delete the
   * project, append `audit`. Group tokens and group protections are kept.
   */
  removeProject(
    projectId: number,
    plan: ProjectRemovalPlan,
    audit: AuditNote,
  ): Promise<Written<ProjectRemoval, 'project-missing' | 'project-tokens-changed'>>
  /** Insert a token (its project must exist: the target carries its id). */
  createToken(
    token: NewToken,
    audit: AuditNote,
    conditions?: TokenWriteConditions,
  ): Promise<Written<TokenRecord, 'token-id-taken' | 'project-token-creation-disabled'>>
  listTokens(filter: TokenFilter): Promise<TokenRecord[]>
  /** The kept client addresses of each token in `ids`, most recent first; a token with none is absent. */
  listTokenAddresses(ids: readonly string[]): Promise<Map<string, TokenAddress[]>>
  /** Revoke `id` if it exists and is not revoked yet. */
  revokeToken(id: string, audit: AuditNote): Promise<Written<TokenRecord, 'token-missing' | 'token-revoked'>>
  /**
   * Insert `replacement` (rotatedFrom = id) and revoke `id` in one
   * transaction, if `id` exists and is not revoked: never both or neither working.
   */
  rotateToken(
    id: string,
    replacement: NewToken,
    audit: AuditNote,
  ): Promise<Written<TokenRecord, 'token-missing' | 'token-revoked' | 'token-id-taken'>>
  setProjectTokenCreation(group: string, value: ProjectTokenCreation, audit: AuditNote): Promise<GroupSettings>
  /** A top-level group's settings; the defaults when it has none. */
  getGroupSettings(group: string): Promise<GroupSettings>
  /** Every top-level group that has a settings row, ordered by path. */
  listGroupSettings(): Promise<GroupSettings[]>
  /** The protection with this kind, owner and pattern, if any. */
  findProtection(refKind: RefKind, owner: RuleOwner, pattern: string): Promise<ProtectedRef | undefined>
  /**
   * Record a protection, or change the level and force-push flag of the one
   * with the same kind, owner and pattern, if that one is still `expected`
   * (undefined: none exists) when the transaction reads it.
   */
  protectRef(
    rule: NewProtectedRef,
    audit: AuditNote,
    expected: ProtectedRef | undefined,
  ): Promise<Written<{ rule: ProtectedRef; created: boolean }, 'protection-changed'>>
  /** Remove the protection with this id. */
  unprotectRef(id: number, audit: AuditNote): Promise<Written<ProtectedRef, 'protection-missing'>>
  /** Every protection, ordered by owner path, owner kind, kind and pattern. */
  listProtectedRefs(): Promise<ProtectedRef[]>
  listAudit(): Promise<AuditEntry[]>

  close(): Promise<void>
}

// The Store on a local SQLite file (better-sqlite3). better-sqlite3 is
// synchronous; each method is async only to satisfy the Store interface, and
// every statement is short, so the event loop is never held for long.
//
// Hot path: findToken, findProject and findTokenAndProject (both lookups in
// one statement, so one read transaction) are prepared once; each lookup is
// by primary key or unique index.
// Writes use immediate transactions: taking the write lock up front means a
// busy database makes the caller wait (busy_timeout) instead of failing when a
// read lock would have to be upgraded. The facts a write is conditioned on
// (see Store) are read inside that same transaction.
import type Database from 'better-sqlite3'
import type { Clock } from '../clock.js'
import { isGitwardError } from '../errors.js'
import { silentLogger, type Logger } from '../log/logger.js'
import type { AuditEntry, AuditNote } from '../model/audit.js'
import { timestamp, type Timestamp } from '../model/dates.js'
import type { GroupSettings, Project, ProjectTokenCreation } from '../model/project.js'
import type { DefaultBranchProtection, NewProtectedRef, ProtectedRef, RefKind, RuleOwner } from '../model/protection.js'
import type { NewToken, TokenAddress, TokenRecord } from '../model/token.js'
import type { Visibility } from '../model/visibility.js'
import { openDatabase } from './open-database.js'
import { planStillHolds } from './removal-plan.js'
import { SqliteAudit } from './sqlite-audit.js'
import { guarded, translateSqliteError } from './sqlite-errors.js'
import { SqliteGroups } from './sqlite-groups.js'
import { FIND_PROJECT_SQL, SqliteProjects } from './sqlite-projects.js'
import { sameProtection } from './protected-ref-row.js'
import { FIND_REF_RULES_SQL, SqliteProtections } from './sqlite-protections.js'
import { SqliteTokenAddresses } from './sqlite-token-addresses.js'
import { FIND_TOKEN_AND_PROJECT_SQL, FIND_TOKEN_SQL, SqliteTokens } from './sqlite-tokens.js'
import type { Conflict, ProjectRemoval, ProjectRemovalPlan, Store, TokenAndProject, TokenFilter, TokenUse, TokenWriteConditions, Written } from './store.js'

export interface SqliteStoreOptions {
  file: string
  clock: Clock
  logger?: Logger
  busyTimeoutMs: number
}

/**
 * The server's per-request queries. Exported so a test can check the query
 * plan never scans a table.
 */
export const HOT_PATH_SQL = Object.freeze({
  findToken: FIND_TOKEN_SQL,
  findProject: FIND_PROJECT_SQL,
  findTokenAndProject: FIND_TOKEN_AND_PROJECT_SQL,
  findRefRules: FIND_REF_RULES_SQL,
})

const ok = <T>(value: T): { ok: true; value: T } => ({ ok: true, value })
const conflict = <C extends Conflict>(c: C): { ok: false; conflict: C } => ({ ok: false, conflict: c })

export class SqliteStore implements Store {
  readonly file: string
  readonly #db: Database.Database
  readonly #clock: Clock
  readonly #logger: Logger
  readonly #tokens: SqliteTokens
  readonly #addresses: SqliteTokenAddresses
  readonly #projects: SqliteProjects
  readonly #groups: SqliteGroups
  readonly #audit: SqliteAudit
  readonly #protections: SqliteProtections
  readonly #ping: Database.Statement<[], number>

  constructor(db: Database.Database, options: { file: string; clock: Clock; logger?: Logger }) {
    this.#db = db
    this.file = options.file
    this.#clock = options.clock
    this.#logger = options.logger ?? silentLogger
    // Prepared once; the hot path never compiles SQL.
    this.#tokens = guarded(this.file, () => new SqliteTokens(db))
    this.#addresses = guarded(this.file, () => new SqliteTokenAddresses(db))
    this.#projects = guarded(this.file, () => new SqliteProjects(db))
    this.#groups = guarded(this.file, () => new SqliteGroups(db))
    this.#audit = guarded(this.file, () => new SqliteAudit(db))
    this.#protections = guarded(this.file, () => new SqliteProtections(db))
    this.#ping = guarded(this.file, () => db.prepare<[], number>('PRAGMA user_version').pluck())
  }

  #now(): Timestamp {
    return timestamp(this.#clock.now())
  }

  #read<T>(fn: () => T): T {
    return guarded(this.file, fn)
  }

  /** Run `fn` in an immediate (write-locking) transaction; a throw rolls it back. */
  #write<T>(fn: (at: Timestamp) => T): T {
    return guarded(this.file, () => this.#db.transaction(() => fn(this.#now())).immediate())
  }

  // ---- hot path ---------------------------------------------------------

  async findToken(id: string): Promise<TokenRecord | undefined> {
    return this.#read(() => this.#tokens.find(id))
  }

  async findProject(path: string): Promise<Project | undefined> {
    return this.#read(() => this.#projects.find(path))
  }

  // Both index lookups in one statement, one read transaction: no event-loop turn
  // and no round trip between them, which is what one read means here.
  async findTokenAndProject(id: string, projectPath: string): Promise<TokenAndProject> {
    return this.#read(() => this.#tokens.findWithProject(id, projectPath))
  }

  async recordTokenUse(uses: ReadonlyArray<TokenUse>): Promise<void> {
    if (uses.length === 0) return
    // Never wait for a lock here: better-sqlite3 waits on the event loop, and
    // this write runs beside streaming clones. A busy database just means the
    // batch is retried at the next flush.
    const busyTimeout = this.#db.pragma('busy_timeout', { simple: true }) as number
    this.#db.pragma('busy_timeout = 0')
    let changed = 0
    try {
      this.#write(() => {
        const seenFrom = new Set<string>()
        for (const use of uses) {
          changed += this.#tokens.touch(use.id, use.at)
          if (use.address === undefined) continue
          this.#addresses.seen(use.id, use.address, use.at)
          seenFrom.add(use.id)
        }
        for (const id of seenFrom) this.#addresses.trim(id)
      })
    } finally {
      this.#db.pragma(`busy_timeout = ${busyTimeout}`)
    }
    this.#logger.debug('recorded token use', { batch: uses.length, changed })
  }

  async ping(): Promise<void> {
    this.#read(() => this.#ping.get())
  }

  async findRefRules(projectPath: string): Promise<ProtectedRef[]> {
    return this.#read(() => this.#protections.forProject(projectPath))
  }

  // ---- administration -----------------------------------------------------

  async createProject(
    project: { path: string; visibility: Visibility; defaultBranch: string | null; defaultBranchProtection: DefaultBranchProtection },
    audit: AuditNote,
  ): Promise<Written<Project, 'project-exists'>> {
    return this.#write(at => {
      if (!this.#projects.insert(project, at)) return conflict('project-exists')
      this.#audit.append(audit, at)
      return ok(this.#readBack(this.#projects.find(project.path)))
    })
  }

  async listProjects(): Promise<Project[]> {
    return this.#read(() => this.#projects.list())
  }

  async setProjectVisibility(projectId: number, visibility: Visibility, audit: AuditNote): Promise<Written<Project, 'project-missing'>> {
    return this.#write(at => {
      if (!this.#projects.setVisibility(projectId, visibility)) return conflict('project-missing')
      this.#audit.append(audit, at)
      return ok(this.#readBack(this.#projects.byId(projectId)))
    })
  }

  async setProjectArchived(projectId: number, archived: boolean, audit: AuditNote): Promise<Written<Project, 'project-missing'>> {
    return this.#write(at => {
      if (!this.#projects.setArchived(projectId, archived ? at : null)) return conflict('project-missing')
      this.#audit.append(audit, at)
      return ok(this.#readBack(this.#projects.byId(projectId)))
    })
  }

  async removeProject(
    projectId: number,
    plan: ProjectRemovalPlan,
    audit: AuditNote,
  ): Promise<Written<ProjectRemoval, 'project-missing' | 'project-tokens-changed'>> {
    return this.#write(at => {
      const project = this.#projects.byId(projectId)
      if (project === undefined) return conflict('project-missing')
      if (!planStillHolds(this.#projects.unrevokedTokenIds(projectId), plan)) return conflict('project-tokens-changed')
      for (const r of plan.revoke) {
        // Checked just above, so this cannot fail; a throw rolls everything back.
        if (!this.#tokens.revoke(r.id, at)) throw new Error(`token ${r.id} could not be revoked inside the removal`)
        this.#audit.append(r.audit, at)
      }
      const deleted = this.#projects.delete(project)
      this.#audit.append(audit, at)
      return ok({ project, revokedTokens: plan.revoke.map(r => r.id), deletedTokens: deleted.tokens, deletedProtections: deleted.protections })
    })
  }

  async createToken(
    token: NewToken,
    audit: AuditNote,
    conditions: TokenWriteConditions = {},
  ): Promise<Written<TokenRecord, 'token-id-taken' | 'project-token-creation-disabled'>> {
    return this.#write(at => {
      const group = conditions.requireProjectTokenCreation
      if (group !== undefined && this.#groups.get(group).projectTokenCreation !== 'enabled') {
        return conflict('project-token-creation-disabled')
      }
      if (!this.#tokens.insert(token, at, null)) return conflict('token-id-taken')
      this.#audit.append(audit, at)
      return ok(this.#readBack(this.#tokens.find(token.id)))
    })
  }

  async listTokens(filter: TokenFilter): Promise<TokenRecord[]> {
    return this.#read(() => this.#tokens.list(filter))
  }

  async listTokenAddresses(ids: readonly string[]): Promise<Map<string, TokenAddress[]>> {
    return this.#read(() => {
      const out = new Map<string, TokenAddress[]>()
      for (const id of new Set(ids)) {
        const kept = this.#addresses.forToken(id)
        if (kept.length > 0) out.set(id, kept)
      }
      return out
    })
  }

  async revokeToken(id: string, audit: AuditNote): Promise<Written<TokenRecord, 'token-missing' | 'token-revoked'>> {
    return this.#write(at => {
      if (!this.#tokens.revoke(id, at)) return conflict(this.#tokens.find(id) === undefined ? 'token-missing' : 'token-revoked')
      this.#audit.append(audit, at)
      return ok(this.#readBack(this.#tokens.find(id)))
    })
  }

  async rotateToken(
    id: string,
    replacement: NewToken,
    audit: AuditNote,
  ): Promise<Written<TokenRecord, 'token-missing' | 'token-revoked' | 'token-id-taken'>> {
    return this.#write(at => {
      const old = this.#tokens.find(id)
      if (old === undefined) return conflict('token-missing')
      if (old.revokedAt !== null) return conflict('token-revoked')
      if (!this.#tokens.insert(replacement, at, id)) return conflict('token-id-taken')
      this.#tokens.revoke(id, at)
      this.#audit.append(audit, at)
      return ok(this.#readBack(this.#tokens.find(replacement.id)))
    })
  }

  async setProjectTokenCreation(group: string, value: ProjectTokenCreation, audit: AuditNote): Promise<GroupSettings> {
    return this.#write(at => {
      this.#groups.setProjectTokenCreation(group, value, at)
      this.#audit.append(audit, at)
      return this.#groups.get(group)
    })
  }

  async getGroupSettings(group: string): Promise<GroupSettings> {
    return this.#read(() => this.#groups.get(group))
  }

  async listGroupSettings(): Promise<GroupSettings[]> {
    return this.#read(() => this.#groups.list())
  }

  async findProtection(refKind: RefKind, owner: RuleOwner, pattern: string): Promise<ProtectedRef | undefined> {
    return this.#read(() => this.#protections.find(refKind, owner, pattern))
  }

  async protectRef(
    rule: NewProtectedRef,
    audit: AuditNote,
    expected: ProtectedRef | undefined,
  ): Promise<Written<{ rule: ProtectedRef; created: boolean }, 'protection-changed'>> {
    return this.#write(at => {
      const before = this.#protections.find(rule.refKind, rule.owner, rule.pattern)
      if (!sameProtection(before, expected)) return conflict('protection-changed')
      this.#protections.write(rule, before?.id ?? null, at)
      this.#audit.append(audit, at)
      return ok({ rule: this.#readBack(this.#protections.find(rule.refKind, rule.owner, rule.pattern)), created: before === undefined })
    })
  }

  async unprotectRef(id: number, audit: AuditNote): Promise<Written<ProtectedRef, 'protection-missing'>> {
    return this.#write(at => {
      const existing = this.#protections.list().find(r => r.id === id)
      if (existing === undefined || !this.#protections.delete(id)) return conflict('protection-missing')
      this.#audit.append(audit, at)
      return ok(existing)
    })
  }

  async listProtectedRefs(): Promise<ProtectedRef[]> {
    return this.#read(() => this.#protections.list())
  }

  async listAudit(): Promise<AuditEntry[]> {
    return this.#read(() => this.#audit.list())
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close()
  }

  #readBack<T>(row: T | undefined): T {
    if (row === undefined) throw new Error('a row just written cannot be read back')
    return row
  }
}

/** Open (creating and migrating as needed) a store on `file`. */
export async function openSqliteStore(options: SqliteStoreOptions): Promise<SqliteStore> {
  const db = openDatabase({ file: options.file, busyTimeoutMs: options.busyTimeoutMs, logger: options.logger })
  try {
    return new SqliteStore(db, { file: db.name, clock: options.clock, logger: options.logger })
  } catch (e) {
    db.close()
    throw isGitwardError(e) ? e : translateSqliteError(e, options.file)
  }
}

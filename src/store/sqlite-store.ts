// The Store on a local SQLite file (better-sqlite3). better-sqlite3 is
// synchronous; each method is async only to satisfy the Store interface, and
// every statement is short, so the event loop is never held for long.
//
// Hot path: findToken and findProject use statements prepared once in the
// constructor, each a single lookup by primary key or unique index.
// Writes use immediate transactions: taking the write lock up front means a
// busy database makes the caller wait (busy_timeout) instead of failing when a
// read lock would have to be upgraded.
import type Database from 'better-sqlite3'
import { isRole, ROLES } from '../access/role.js'
import { isScope, SCOPES } from '../access/scope.js'
import { isVisibility, type Visibility } from '../access/visibility.js'
import { isExpired } from '../admin/expiry-date.js'
import { requirePath, requireTopLevelGroup } from '../admin/target-path.js'
import type { Clock } from '../clock.js'
import { GitwardError, isGitwardError } from '../errors.js'
import { topLevelGroup } from '../git/repo-path.js'
import { silentLogger, type Logger } from '../log/logger.js'
import { openDatabase } from './open-database.js'
import { guarded, sqliteCode, translateSqliteError } from './sqlite-errors.js'
import { isDefaultBranchProtection, type DefaultBranchProtection, type RuleOwner } from '../access/ref-rules.js'
import { ancestorGroups, protectedRefFromRow, protectionFacts, type ProtectedRefRow } from './protected-ref-row.js'
import { formatRefRules, formatScopes, TOKEN_COLUMNS, tokenFromRow, type TokenRow } from './sqlite-token-row.js'
import type {
  Actor,
  AuditAction,
  AuditEntry,
  GroupSettings,
  NewProtectedRef,
  NewToken,
  Project,
  ProtectedRef,
  Store,
  Timestamp,
  TokenFilter,
  TokenRecord,
} from './store.js'
import { assertNever } from '../assert-never.js'

export interface SqliteStoreOptions {
  file: string
  clock: Clock
  logger?: Logger
  busyTimeoutMs: number
}

interface ProjectRow {
  id: number
  path: string
  visibility: string
  created_at: string
  default_branch: string | null
  default_branch_protection: string
}

const PROTECTED_REF_COLUMNS = 'id, ref_kind, owner_kind, owner_path, pattern, access_level, allow_force_push, created_at, updated_at'

interface GroupRow {
  path: string
  project_token_creation: string
  updated_at: string
}

interface AuditRow {
  id: number
  at: string
  actor: string
  action: string
  target: string
  details: string
}

const DATE_FORMAT = /^\d{4}-\d{2}-\d{2}$/

/**
 * The server's per-request queries: a primary-key lookup (joined to the
 * project by its primary key) and a unique-index lookup. Exported so a test
 * can check the query plan never scans a table.
 */
export const HOT_PATH_SQL = Object.freeze({
  findToken: `SELECT ${TOKEN_COLUMNS} FROM tokens t LEFT JOIN projects p ON p.id = t.project_id WHERE t.id = ?`,
  findProject: 'SELECT id, path, visibility, created_at, default_branch, default_branch_protection FROM projects WHERE path = ?',
  // Once per push: the project's own rules and its ancestor groups' (the
  // paths come as a JSON array), through the owner_path index.
  // The kinds are told apart in code (a path can be a project and a group).
  findRefRules: `SELECT ${PROTECTED_REF_COLUMNS} FROM protected_refs
    WHERE owner_path IN (SELECT value FROM json_each(@paths))`,
})

function projectFromRow(row: ProjectRow): Project {
  if (!isVisibility(row.visibility)) {
    throw new GitwardError('DB_UNAVAILABLE', `the stored project ${row.path} has an unknown visibility; the database was changed outside gitward.`)
  }
  if (!isDefaultBranchProtection(row.default_branch_protection)) {
    throw new GitwardError('DB_UNAVAILABLE', `the stored project ${row.path} has an unknown default-branch protection; the database was changed outside gitward.`)
  }
  return {
    id: row.id,
    path: row.path,
    visibility: row.visibility,
    createdAt: row.created_at,
    defaultBranch: row.default_branch,
    defaultBranchProtection: row.default_branch_protection,
  }
}


const canonicalPath = requirePath

function checkNewToken(token: NewToken): void {
  if (token.name.trim() === '') throw new GitwardError('INVALID_ARGUMENT', 'a token needs a non-empty name.')
  if (!isRole(token.role)) {
    throw new GitwardError('INVALID_ARGUMENT', `unknown role "${token.role}"; use one of ${ROLES.join(', ')}.`)
  }
  if (token.scopes.length === 0 || !token.scopes.every(isScope)) {
    throw new GitwardError('INVALID_ARGUMENT', `a token needs one or more of the scopes ${SCOPES.join(', ')}.`)
  }
  if (token.expiresAt !== null && !DATE_FORMAT.test(token.expiresAt)) {
    throw new GitwardError('INVALID_ARGUMENT', 'the expiry date must be written YYYY-MM-DD.')
  }
}

export class SqliteStore implements Store {
  readonly file: string
  readonly #db: Database.Database
  readonly #clock: Clock
  readonly #logger: Logger

  // Prepared once; the hot path never compiles SQL.
  readonly #findToken: Database.Statement<[string], TokenRow>
  readonly #findProject: Database.Statement<[string], ProjectRow>
  readonly #touchToken: Database.Statement<{ id: string; at: string }>
  readonly #ping: Database.Statement<[], number>
  readonly #insertProject: Database.Statement<{ path: string; visibility: string; at: string; defaultBranch: string | null; protection: string }>
  readonly #listProjects: Database.Statement<[], ProjectRow>
  readonly #insertToken: Database.Statement<Record<string, unknown>>
  readonly #revokeToken: Database.Statement<{ id: string; at: string }>
  readonly #findGroup: Database.Statement<[string], GroupRow>
  readonly #upsertGroup: Database.Statement<{ path: string; value: string; at: string }>
  readonly #insertAudit: Database.Statement<{ at: string; actor: string; action: string; target: string; details: string }>
  readonly #listAudit: Database.Statement<[], AuditRow>
  readonly #listTokens: Database.Statement<{ project: string | null; group: string | null; all: number }, TokenRow>
  readonly #findRefRules: Database.Statement<{ paths: string }, ProtectedRefRow>
  readonly #touchMany: Database.Transaction<(uses: ReadonlyArray<{ id: string; at: Timestamp }>) => number>

  constructor(db: Database.Database, options: { file: string; clock: Clock; logger?: Logger }) {
    this.#db = db
    this.file = options.file
    this.#clock = options.clock
    this.#logger = options.logger ?? silentLogger
    const prepared = guarded(this.file, () => ({
      findToken: db.prepare<[string], TokenRow>(HOT_PATH_SQL.findToken),
      findProject: db.prepare<[string], ProjectRow>(HOT_PATH_SQL.findProject),
      findRefRules: db.prepare<{ paths: string }, ProtectedRefRow>(HOT_PATH_SQL.findRefRules),
      // Only moves forward, so a late batch cannot overwrite a newer time.
      touchToken: db.prepare<{ id: string; at: string }>(
        'UPDATE tokens SET last_used_at = @at WHERE id = @id AND (last_used_at IS NULL OR last_used_at < @at)',
      ),
      ping: db.prepare<[], number>('PRAGMA user_version').pluck(),
      insertProject: db.prepare<{ path: string; visibility: string; at: string; defaultBranch: string | null; protection: string }>(
        `INSERT INTO projects (path, visibility, created_at, default_branch, default_branch_protection)
         VALUES (@path, @visibility, @at, @defaultBranch, @protection)`,
      ),
      listProjects: db.prepare<[], ProjectRow>(
        'SELECT id, path, visibility, created_at, default_branch, default_branch_protection FROM projects ORDER BY path',
      ),
      insertToken: db.prepare<Record<string, unknown>>(
        `INSERT INTO tokens (id, name, project_id, group_path, role, scopes, secret_hash, expires_at, created_at, rotated_from, ref_rules)
         VALUES (@id, @name, @projectId, @groupPath, @role, @scopes, @secretHash, @expiresAt, @at, @rotatedFrom, @refRules)`,
      ),
      revokeToken: db.prepare<{ id: string; at: string }>(
        'UPDATE tokens SET revoked_at = @at WHERE id = @id AND revoked_at IS NULL',
      ),
      findGroup: db.prepare<[string], GroupRow>(
        'SELECT path, project_token_creation, updated_at FROM group_settings WHERE path = ?',
      ),
      upsertGroup: db.prepare<{ path: string; value: string; at: string }>(
        `INSERT INTO group_settings (path, project_token_creation, updated_at) VALUES (@path, @value, @at)
         ON CONFLICT (path) DO UPDATE SET project_token_creation = excluded.project_token_creation, updated_at = excluded.updated_at`,
      ),
      insertAudit: db.prepare<{ at: string; actor: string; action: string; target: string; details: string }>(
        'INSERT INTO audit (at, actor, action, target, details) VALUES (@at, @actor, @action, @target, @details)',
      ),
      listAudit: db.prepare<[], AuditRow>('SELECT id, at, actor, action, target, details FROM audit ORDER BY id'),
      // @group matches the group itself and everything below it at a segment
      // boundary (the same rule as isWithinGroup): acme covers acme/app, not acme-evil.
      listTokens: db.prepare<{ project: string | null; group: string | null; all: number }, TokenRow>(
        `SELECT ${TOKEN_COLUMNS} FROM tokens t LEFT JOIN projects p ON p.id = t.project_id
         WHERE (@project IS NULL OR p.path = @project)
           AND (@group IS NULL
                OR coalesce(t.group_path, p.path) = @group
                OR substr(coalesce(t.group_path, p.path), 1, length(@group) + 1) = @group || '/')
           AND (@all = 1 OR t.revoked_at IS NULL)
         ORDER BY t.created_at, t.id`,
      ),
    }))
    this.#findToken = prepared.findToken
    this.#findProject = prepared.findProject
    this.#findRefRules = prepared.findRefRules
    this.#touchToken = prepared.touchToken
    this.#ping = prepared.ping
    this.#insertProject = prepared.insertProject
    this.#listProjects = prepared.listProjects
    this.#insertToken = prepared.insertToken
    this.#revokeToken = prepared.revokeToken
    this.#findGroup = prepared.findGroup
    this.#upsertGroup = prepared.upsertGroup
    this.#insertAudit = prepared.insertAudit
    this.#listAudit = prepared.listAudit
    this.#listTokens = prepared.listTokens
    this.#touchMany = db.transaction((uses: ReadonlyArray<{ id: string; at: Timestamp }>) => {
      let changed = 0
      for (const use of uses) changed += this.#touchToken.run({ id: use.id, at: use.at }).changes
      return changed
    })
  }

  #now(): Timestamp {
    return new Date(this.#clock.now()).toISOString()
  }

  #run<T>(fn: () => T): T {
    return guarded(this.file, fn)
  }

  /** Run `fn` in an immediate (write-locking) transaction. */
  #write<T>(fn: () => T): T {
    return this.#run(() => this.#db.transaction(fn).immediate())
  }

  #audit(actor: Actor, action: AuditAction, target: string, details: Record<string, unknown>): void {
    const withReason = actor.reason === undefined ? details : { ...details, reason: actor.reason }
    this.#insertAudit.run({ at: this.#now(), actor: actor.user, action, target, details: JSON.stringify(withReason) })
  }

  #tokenById(id: string): TokenRecord | undefined {
    const row = this.#findToken.get(id)
    return row === undefined ? undefined : tokenFromRow(row)
  }

  #requireToken(id: string): TokenRecord {
    const token = this.#tokenById(id)
    if (token === undefined) {
      throw new GitwardError('NOT_FOUND', `no token has the id "${id}"; see the ids with gitward token list --all.`)
    }
    return token
  }

  /** Insert inside the caller's transaction; returns the stored record. */
  #insertNewToken(token: NewToken, rotatedFrom: string | null): TokenRecord {
    checkNewToken(token)
    let projectId: number | null = null
    let groupPath: string | null = null
    switch (token.target.kind) {
      case 'project': {
        const path = canonicalPath(token.target.path, 'project')
        const project = this.#findProject.get(path)
        if (project === undefined) {
          throw new GitwardError('NOT_FOUND', `no project "${path}" is registered; register it with gitward repo create ${path}.`)
        }
        projectId = project.id
        break
      }
      case 'group':
        groupPath = canonicalPath(token.target.path, 'group')
        break
      default:
        assertNever(token.target, 'token target')
    }
    try {
      this.#insertToken.run({
        id: token.id,
        name: token.name,
        projectId,
        groupPath,
        role: token.role,
        scopes: formatScopes(token.scopes),
        secretHash: token.secretHash,
        expiresAt: token.expiresAt,
        at: this.#now(),
        rotatedFrom,
        refRules: formatRefRules(token.refRules),
      })
    } catch (e) {
      if (sqliteCode(e) === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
        throw new GitwardError('ALREADY_EXISTS', `a token with the id "${token.id}" already exists.`, { cause: e })
      }
      throw e
    }
    return this.#requireToken(token.id)
  }

  #groupSettings(group: string): GroupSettings {
    const row = this.#findGroup.get(group)
    if (row === undefined) return { path: group, projectTokenCreation: 'enabled', updatedAt: null }
    return {
      path: row.path,
      projectTokenCreation: row.project_token_creation === 'disabled' ? 'disabled' : 'enabled',
      updatedAt: row.updated_at,
    }
  }

  // ---- hot path ---------------------------------------------------------

  async findToken(id: string): Promise<TokenRecord | undefined> {
    return this.#run(() => this.#tokenById(id))
  }

  async findProject(path: string): Promise<Project | undefined> {
    return this.#run(() => {
      const row = this.#findProject.get(path)
      return row === undefined ? undefined : projectFromRow(row)
    })
  }

  async recordTokenUse(uses: ReadonlyArray<{ id: string; at: Timestamp }>): Promise<void> {
    if (uses.length === 0) return
    // Never wait for a lock here: better-sqlite3 waits on the event loop, and
    // this write runs beside streaming clones. A busy database just means the
    // batch is retried at the next flush.
    const busyTimeout = this.#db.pragma('busy_timeout', { simple: true }) as number
    this.#db.pragma('busy_timeout = 0')
    let changed: number
    try {
      changed = this.#run(() => this.#touchMany.immediate(uses))
    } finally {
      this.#db.pragma(`busy_timeout = ${busyTimeout}`)
    }
    this.#logger.debug('recorded token use', { batch: uses.length, changed })
  }

  async findRefRules(projectPath: string): Promise<ProtectedRef[]> {
    const groups = ancestorGroups(projectPath)
    return this.#run(() =>
      this.#findRefRules
        .all({ paths: JSON.stringify([projectPath, ...groups]) })
        .map(protectedRefFromRow)
        .filter(r => (r.owner.kind === 'project' ? r.owner.path === projectPath : groups.includes(r.owner.path))),
    )
  }

  async ping(): Promise<void> {
    this.#run(() => this.#ping.get())
  }

  // ---- administration -----------------------------------------------------

  async createProject(
    project: { path: string; visibility: Visibility; defaultBranch?: string | null; defaultBranchProtection?: DefaultBranchProtection },
    actor: Actor,
  ): Promise<Project> {
    const path = canonicalPath(project.path, 'project')
    if (!isVisibility(project.visibility)) {
      throw new GitwardError('INVALID_ARGUMENT', `unknown visibility "${project.visibility}"; use private or public.`)
    }
    const protection = project.defaultBranchProtection ?? 'none'
    const defaultBranch = project.defaultBranch ?? null
    return this.#write(() => {
      try {
        this.#insertProject.run({ path, visibility: project.visibility, at: this.#now(), defaultBranch, protection })
      } catch (e) {
        if (sqliteCode(e) === 'SQLITE_CONSTRAINT_UNIQUE') {
          throw new GitwardError('ALREADY_EXISTS', `the project "${path}" is already registered.`, { cause: e })
        }
        throw e
      }
      this.#audit(actor, 'project.created', path, {
        visibility: project.visibility,
        ...(defaultBranch === null ? {} : { defaultBranch }),
        defaultBranchProtection: protection,
      })
      const row = this.#findProject.get(path)
      if (row === undefined) throw new Error('a project just inserted cannot be read back')
      return projectFromRow(row)
    })
  }

  async listProjects(): Promise<Project[]> {
    return this.#run(() => this.#listProjects.all().map(projectFromRow))
  }

  async createToken(token: NewToken, actor: Actor): Promise<TokenRecord> {
    return this.#write(() => {
      if (token.target.kind === 'project') {
        // Checked inside the insert's transaction, so a concurrent
        // "group set ... disabled" cannot be slipped past.
        const group = topLevelGroup(canonicalPath(token.target.path, 'project'))
        if (this.#groupSettings(group).projectTokenCreation === 'disabled') {
          throw new GitwardError(
            'CREATION_DISABLED',
            `project token creation is disabled for the group "${group}"; a group token still works, or re-enable it with: gitward group set ${group} --project-token-creation enabled.`,
          )
        }
      }
      const record = this.#insertNewToken(token, null)
      this.#audit(actor, 'token.created', record.id, tokenFacts(record))
      return record
    })
  }

  async listTokens(filter: TokenFilter): Promise<TokenRecord[]> {
    const now = this.#clock.now()
    return this.#run(() => {
      const rows = this.#listTokens.all({
        project: filter.project ?? null,
        group: filter.group ?? null,
        all: filter.all === true ? 1 : 0,
      })
      const tokens = rows.map(tokenFromRow)
      // Expiry is decided by the same function the server uses.
      return filter.all === true ? tokens : tokens.filter(t => !isExpired(t.expiresAt, now))
    })
  }

  async revokeToken(id: string, actor: Actor): Promise<TokenRecord> {
    return this.#write(() => {
      const token = this.#requireToken(id)
      if (token.revokedAt !== null) {
        throw new GitwardError('INVALID_ARGUMENT', `the token ${id} was already revoked at ${token.revokedAt}.`)
      }
      this.#revokeToken.run({ id, at: this.#now() })
      this.#audit(actor, 'token.revoked', id, { name: token.name, ...targetFacts(token) })
      return this.#requireToken(id)
    })
  }

  async rotateToken(id: string, replacement: NewToken, actor: Actor): Promise<TokenRecord> {
    return this.#write(() => {
      const old = this.#requireToken(id)
      if (old.revokedAt !== null) {
        throw new GitwardError(
          'INVALID_ARGUMENT',
          `the token ${id} was revoked at ${old.revokedAt} and cannot be rotated; create a new one with gitward token create.`,
        )
      }
      const wanted = replacement.target
      if (wanted.kind !== old.target.kind || canonicalPath(wanted.path, wanted.kind) !== old.target.path) {
        throw new GitwardError('INVALID_ARGUMENT', `a rotated token must keep the project or group of token ${id}.`)
      }
      // Rotation is allowed even where project token creation is disabled:
      // it replaces an existing grant, and blocking it would keep a leaked
      // secret alive.
      const record = this.#insertNewToken(replacement, id)
      this.#revokeToken.run({ id, at: this.#now() })
      this.#audit(actor, 'token.rotated', id, { replacement: record.id, ...tokenFacts(record) })
      return record
    })
  }

  async setProjectTokenCreation(group: string, value: 'enabled' | 'disabled', actor: Actor): Promise<GroupSettings> {
    const path = requireTopLevelGroup(group)
    if (value !== 'enabled' && value !== 'disabled') {
      throw new GitwardError('INVALID_ARGUMENT', `unknown setting value "${String(value)}"; use enabled or disabled.`)
    }
    return this.#write(() => {
      const before = this.#groupSettings(path)
      this.#upsertGroup.run({ path, value, at: this.#now() })
      this.#audit(actor, 'group.setting_changed', path, {
        setting: 'project_token_creation',
        from: before.projectTokenCreation,
        to: value,
      })
      return this.#groupSettings(path)
    })
  }

  async getGroupSettings(group: string): Promise<GroupSettings> {
    return this.#run(() => this.#groupSettings(topLevelGroup(group)))
  }

  async protectRef(rule: NewProtectedRef, actor: Actor): Promise<{ rule: ProtectedRef; created: boolean }> {
    const key = { kind: rule.refKind, ownerKind: rule.owner.kind, ownerPath: rule.owner.path, pattern: rule.pattern }
    const find = (): ProtectedRefRow | undefined =>
      this.#db
        .prepare<typeof key, ProtectedRefRow>(
          `SELECT ${PROTECTED_REF_COLUMNS} FROM protected_refs
           WHERE ref_kind = @kind AND owner_kind = @ownerKind AND owner_path = @ownerPath AND pattern = @pattern`,
        )
        .get(key)
    return this.#write(() => {
      const before = find()
      const at = this.#now()
      const values = { ...key, level: rule.level, force: rule.allowForcePush ? 1 : 0, at }
      if (before === undefined) {
        this.#db
          .prepare<typeof values>(
            `INSERT INTO protected_refs (ref_kind, owner_kind, owner_path, pattern, access_level, allow_force_push, created_at, updated_at)
             VALUES (@kind, @ownerKind, @ownerPath, @pattern, @level, @force, @at, @at)`,
          )
          .run(values)
      } else {
        this.#db
          .prepare<{ id: number; level: string; force: number; at: string }>(
            'UPDATE protected_refs SET access_level = @level, allow_force_push = @force, updated_at = @at WHERE id = @id',
          )
          .run({ id: before.id, level: rule.level, force: values.force, at })
      }
      const row = find()
      if (row === undefined) throw new Error('a protection just written cannot be read back')
      const stored = protectedRefFromRow(row)
      const facts = protectionFacts(stored)
      if (before === undefined) this.#audit(actor, 'ref.protected', rule.owner.path, facts)
      else {
        const old = protectedRefFromRow(before)
        this.#audit(actor, 'ref.protection_changed', rule.owner.path, {
          ...facts,
          from: { level: old.level, ...(old.refKind === 'branch' ? { allowForcePush: old.allowForcePush } : {}) },
        })
      }
      return { rule: stored, created: before === undefined }
    })
  }

  async unprotectRef(refKind: 'branch' | 'tag', owner: RuleOwner, pattern: string, actor: Actor): Promise<ProtectedRef> {
    const key = { kind: refKind, ownerKind: owner.kind, ownerPath: owner.path, pattern }
    return this.#write(() => {
      const row = this.#db
        .prepare<typeof key, ProtectedRefRow>(
          `SELECT ${PROTECTED_REF_COLUMNS} FROM protected_refs
           WHERE ref_kind = @kind AND owner_kind = @ownerKind AND owner_path = @ownerPath AND pattern = @pattern`,
        )
        .get(key)
      if (row === undefined) {
        throw new GitwardError('NOT_FOUND', `no protected ${refKind} "${pattern}" is set on the ${owner.kind} "${owner.path}"; see gitward protect list ${owner.path}.`)
      }
      this.#db.prepare<[number]>('DELETE FROM protected_refs WHERE id = ?').run(row.id)
      const removed = protectedRefFromRow(row)
      this.#audit(actor, 'ref.unprotected', owner.path, protectionFacts(removed))
      return removed
    })
  }

  async listProtectedRefs(): Promise<ProtectedRef[]> {
    return this.#run(() =>
      this.#db
        .prepare<[], ProtectedRefRow>(`SELECT ${PROTECTED_REF_COLUMNS} FROM protected_refs ORDER BY owner_path, owner_kind, ref_kind, pattern`)
        .all()
        .map(protectedRefFromRow),
    )
  }

  async listAudit(): Promise<AuditEntry[]> {
    return this.#run(() =>
      this.#listAudit.all().map(row => ({
        id: row.id,
        at: row.at,
        actor: row.actor,
        action: row.action as AuditAction,
        target: row.target,
        details: JSON.parse(row.details) as Record<string, unknown>,
      })),
    )
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close()
  }
}

function targetFacts(token: TokenRecord): Record<string, unknown> {
  return token.target.kind === 'project' ? { project: token.target.path } : { group: token.target.path }
}

/** What the audit trail records about a token: never the secret or its hash. */
function tokenFacts(token: TokenRecord): Record<string, unknown> {
  return {
    name: token.name,
    ...targetFacts(token),
    role: token.role,
    scopes: token.scopes,
    expiresAt: token.expiresAt,
    ...(token.refRules === null ? {} : { refRules: token.refRules }),
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

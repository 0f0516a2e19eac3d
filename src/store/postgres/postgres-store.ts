// The Store on a shared PostgreSQL database (pg, a bounded pool). Any number
// of gitward instances can use one database: nothing about tokens is kept
// per process except the verifier's cache, which the server re-checks
// against the row on every request.
//
// Hot path: findToken and findProject are each one named (server-side
// prepared) statement, a lookup by primary key or unique index, taking a
// pooled connection only for that statement.
// Administrative writes run in a transaction holding ADMIN_WRITE_LOCK, so
// they happen one at a time across every instance, as with SQLite.
//
// Times are written as ISO-8601 UTC strings from the injected clock and read
// back formatted by the server in UTC, so the result never depends on the
// session's TimeZone or DateStyle.
import type pg from 'pg'
import type { Clock } from '../../clock.js'
import { GitwardError, isGitwardError } from '../../errors.js'
import { silentLogger, type Logger } from '../../log/logger.js'
import type { AuditAction, AuditEntry, AuditNote } from '../../model/audit.js'
import { timestamp, type Timestamp } from '../../model/dates.js'
import type { GroupSettings, Project, ProjectTokenCreation } from '../../model/project.js'
import {
  type DefaultBranchProtection,
  type NewProtectedRef,
  type ProtectedRef,
  type RefKind,
  type RuleOwner,
} from '../../model/protection.js'
import { RECENT_ADDRESSES_KEPT, type NewToken, type TokenAddress, type TokenRecord } from '../../model/token.js'
import type { Visibility } from '../../model/visibility.js'
import { MIGRATIONS, type Migration } from '../migrations.js'
import { ancestorGroups, protectedRefFromRow, sameProtection, type ProtectedRefRow } from '../protected-ref-row.js'
import { formatRefRules, formatScopes, tokenFromRow, type TokenRow } from '../token-row.js'
import type { Conflict, ProjectRemoval, ProjectRemovalPlan, Store, TokenAndProject, TokenFilter, TokenUse, TokenWriteConditions, Written } from '../store.js'
import { planStillHolds } from '../removal-plan.js'
import { createPool, describeServer } from './connection.js'
import { isConnectionError, translatePostgresError } from './errors.js'
import { ADMIN_WRITE_LOCK, TOKEN_USE_LOCK } from './locks.js'
import { migratePostgres } from './migrate.js'
import { POSTGRES_MIGRATIONS } from './migrations.js'
import { projectFromRow, type ProjectRow } from '../project-row.js'

export interface PostgresStoreOptions {
  /** postgres:// or postgresql:// connection string. */
  url: string
  clock: Clock
  logger?: Logger
  /** Lock wait before DB_BUSY (SQLite's busy timeout). */
  busyTimeoutMs: number
  /** Most connections this process opens (default 10). */
  poolSize?: number
  /** Wait for a free or new connection before 503 (default 5000). */
  connectTimeoutMs?: number
  /** A statement running longer is cancelled: DB_BUSY (default 5000). */
  statementTimeoutMs?: number
  /** Tests pass their own list; production uses POSTGRES_MIGRATIONS. */
  migrations?: readonly Migration[]
}

const iso = (column: string): string => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`

/** The SELECT list matching TokenRow; `t` is tokens, `p` is projects. */
const TOKEN_COLUMNS = `t.id, t.name, t.project_id, p.path AS project_path, t.group_path, t.role,
  t.scopes, t.secret_hash, to_char(t.expires_at, 'YYYY-MM-DD') AS expires_at, ${iso('t.created_at')} AS created_at,
  ${iso('t.last_used_at')} AS last_used_at, ${iso('t.revoked_at')} AS revoked_at, t.rotated_from, t.ref_rules,
  t.number, t.description`

const PROJECT_COLUMNS = `id, path, visibility, ${iso('created_at')} AS created_at, default_branch, default_branch_protection,
  ${iso('archived_at')} AS archived_at`

/** PROJECT_COLUMNS of the projects table aliased `q`, each prefixed q_. */
const PROJECT_COLUMNS_AS_Q = `q.id AS q_id, q.path AS q_path, q.visibility AS q_visibility, ${iso('q.created_at')} AS q_created_at,
  q.default_branch AS q_default_branch, q.default_branch_protection AS q_default_branch_protection, ${iso('q.archived_at')} AS q_archived_at`

const PROTECTED_REF_COLUMNS = `id, ref_kind, owner_kind, owner_path, pattern, access_level, allow_force_push,
  ${iso('created_at')} AS created_at, ${iso('updated_at')} AS updated_at`

/**
 * The server's per-request queries: a primary-key lookup (joined to the
 * project by its primary key) and a unique-index lookup. Exported so a test
 * can check the plan uses the indexes.
 */
export const POSTGRES_HOT_PATH_SQL = Object.freeze({
  findToken: `SELECT ${TOKEN_COLUMNS} FROM tokens t LEFT JOIN projects p ON p.id = t.project_id WHERE t.id = $1`,
  findProject: `SELECT ${PROJECT_COLUMNS} FROM projects WHERE path = $1`,
  // An authenticated request's one round trip: the token by primary key
  // (joined to its project by primary key) and the requested project by its
  // unique path, side by side in one row; either side may be all NULL.
  findTokenAndProject: `SELECT ${TOKEN_COLUMNS}, ${PROJECT_COLUMNS_AS_Q}
    FROM (SELECT $1::text COLLATE "C" AS token_id, $2::text COLLATE "C" AS project_path) AS w
    LEFT JOIN tokens t ON t.id = w.token_id
    LEFT JOIN projects p ON p.id = t.project_id
    LEFT JOIN projects q ON q.path = w.project_path`,
  // Once per push: the project's path and its ancestor groups' paths; the
  // kinds are told apart in code (a path can be a project and a group).
  findRefRules: `SELECT ${PROTECTED_REF_COLUMNS} FROM protected_refs WHERE owner_path = ANY($1::text[])`,
})

/** A TokenRow (all NULL for an unknown id) beside a ProjectRow prefixed q_ (all NULL for an unknown path). */
type TokenAndProjectRow = { [K in keyof TokenRow]: TokenRow[K] | null } & {
  q_id: number | null
  q_path: string
  q_visibility: string
  q_created_at: string
  q_default_branch: string | null
  q_default_branch_protection: string
  q_archived_at: string | null
}

interface GroupRow {
  path: string
  project_token_creation: string
  updated_at: string
}

interface AuditRow {
  id: string
  at: string
  actor: string
  action: string
  target: string
  details: Record<string, unknown>
}


const ok = <T>(value: T): { ok: true; value: T } => ({ ok: true, value })
const conflict = <C extends Conflict>(c: C): { ok: false; conflict: C } => ({ ok: false, conflict: c })

type Db = pg.ClientBase | pg.Pool

export class PostgresStore implements Store {
  /** user@host:port/database, for messages; never the password. */
  readonly server: string
  readonly #pool: pg.Pool
  readonly #clock: Clock
  readonly #logger: Logger
  #closed = false

  constructor(pool: pg.Pool, options: { server: string; clock: Clock; logger?: Logger }) {
    this.#pool = pool
    this.server = options.server
    this.#clock = options.clock
    this.#logger = options.logger ?? silentLogger
  }

  #now(): Timestamp {
    return timestamp(this.#clock.now())
  }

  #translate(e: unknown): unknown {
    return translatePostgresError(e, this.server, () => this.#pool.totalCount >= (this.#pool.options.max ?? 10) && this.#pool.idleCount === 0)
  }

  async #query<R extends pg.QueryResultRow>(db: Db, name: string | null, text: string, values: unknown[] = []): Promise<R[]> {
    if (this.#closed) throw new GitwardError('DB_UNAVAILABLE', `the store for ${this.server} is closed.`)
    try {
      const result = await db.query<R>(name === null ? { text, values } : { name, text, values })
      return result.rows
    } catch (e) {
      throw this.#translate(e)
    }
  }

  /** Run `fn` in a transaction holding the administrative write lock (or `lock`). */
  async #write<T>(fn: (client: pg.ClientBase) => Promise<T>, lock: { classId: number; objectId: number } = ADMIN_WRITE_LOCK): Promise<T> {
    if (this.#closed) throw new GitwardError('DB_UNAVAILABLE', `the store for ${this.server} is closed.`)
    let client: pg.PoolClient
    try {
      client = await this.#pool.connect()
    } catch (e) {
      throw this.#translate(e)
    }
    let broken: unknown
    try {
      await client.query('BEGIN')
      try {
        await client.query('SELECT pg_advisory_xact_lock($1, $2)', [lock.classId, lock.objectId])
        const result = await fn(client)
        await client.query('COMMIT')
        return result
      } catch (e) {
        if (isConnectionError(e)) broken = e
        else await client.query('ROLLBACK').catch((r: unknown) => (broken = r))
        throw e
      }
    } catch (e) {
      throw this.#translate(e)
    } finally {
      // A connection that failed is destroyed, not handed to the next caller.
      client.release(broken === undefined ? undefined : broken instanceof Error ? broken : true)
    }
  }

  async #audit(db: Db, note: AuditNote): Promise<void> {
    await this.#query(db, null, 'INSERT INTO audit (at, actor, action, target, details) VALUES ($1, $2, $3, $4, $5)', [
      this.#now(),
      note.actor.user,
      note.action,
      note.target,
      JSON.stringify(note.details),
    ])
  }

  async #tokenById(db: Db, id: string): Promise<TokenRecord | undefined> {
    const rows = await this.#query<TokenRow>(db, 'gitward_find_token', POSTGRES_HOT_PATH_SQL.findToken, [id])
    return rows[0] === undefined ? undefined : tokenFromRow(rows[0])
  }

  async #projectByPath(db: Db, path: string): Promise<Project | undefined> {
    const rows = await this.#query<ProjectRow>(db, 'gitward_find_project', POSTGRES_HOT_PATH_SQL.findProject, [path])
    return rows[0] === undefined ? undefined : projectFromRow(rows[0])
  }

  /** Insert inside the caller's transaction; false when the id is taken (nothing written). */
  async #insertToken(db: pg.ClientBase, token: NewToken, rotatedFrom: string | null): Promise<boolean> {
    const rows = await this.#query<{ id: string }>(
      db,
      null,
      `INSERT INTO tokens (id, name, project_id, group_path, role, scopes, secret_hash, expires_at, created_at, rotated_from,
                           ref_rules, description)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
       ON CONFLICT (id) DO NOTHING RETURNING id`,
      [
        token.id,
        token.name,
        token.target.kind === 'project' ? token.target.projectId : null,
        token.target.kind === 'group' ? token.target.path : null,
        token.role,
        formatScopes(token.scopes),
        token.secretHash,
        token.expiresAt,
        this.#now(),
        rotatedFrom,
        formatRefRules(token.refRules),
        token.description ?? null,
      ],
    )
    return rows.length === 1
  }

  async #readBack<T>(value: Promise<T | undefined>): Promise<T> {
    const row = await value
    if (row === undefined) throw new Error('a row just written cannot be read back')
    return row
  }

  async #groupSettings(db: Db, group: string): Promise<GroupSettings> {
    const rows = await this.#query<GroupRow>(
      db,
      null,
      `SELECT path, project_token_creation, ${iso('updated_at')} AS updated_at FROM group_settings WHERE path = $1`,
      [group],
    )
    const row = rows[0]
    if (row === undefined) return { path: group, projectTokenCreation: 'enabled', updatedAt: null }
    return {
      path: row.path,
      projectTokenCreation: row.project_token_creation === 'enabled' ? 'enabled' : 'disabled',
      updatedAt: row.updated_at,
    }
  }

  // ---- hot path ---------------------------------------------------------

  async findToken(id: string): Promise<TokenRecord | undefined> {
    return this.#tokenById(this.#pool, id)
  }

  async findProject(path: string): Promise<Project | undefined> {
    return this.#projectByPath(this.#pool, path)
  }

  async findTokenAndProject(id: string, projectPath: string): Promise<TokenAndProject> {
    const rows = await this.#query<TokenAndProjectRow>(this.#pool, 'gitward_find_token_and_project', POSTGRES_HOT_PATH_SQL.findTokenAndProject, [id, projectPath])
    const row = rows[0]
    if (row === undefined) return { token: undefined, project: undefined }
    return {
      token: row.id === null ? undefined : tokenFromRow(row as TokenRow),
      project: row.q_id === null ? undefined : projectFromRow({
        id: row.q_id,
        path: row.q_path,
        visibility: row.q_visibility,
        created_at: row.q_created_at,
        default_branch: row.q_default_branch,
        default_branch_protection: row.q_default_branch_protection,
        archived_at: row.q_archived_at,
      }),
    }
  }

  async recordTokenUse(uses: ReadonlyArray<TokenUse>): Promise<void> {
    if (uses.length === 0) return
    const seen = uses.filter(u => u.address !== undefined)
    // One transaction for the batch, under its own lock (never the
    // administrative one): instances recording the same token's addresses
    // take turns instead of deadlocking between upsert and trim.
    const changed = await this.#write(async db => {
      // Only moves forward, so a late batch (or another instance's) cannot
      // overwrite a newer time.
      const rows = await this.#query<{ id: string }>(
        db,
        'gitward_record_token_use',
        `UPDATE tokens SET last_used_at = u.at
           FROM unnest($1::text[], $2::timestamptz[]) AS u(id, at)
          WHERE tokens.id = u.id AND (tokens.last_used_at IS NULL OR tokens.last_used_at < u.at)
          RETURNING tokens.id`,
        [uses.map(u => u.id), uses.map(u => u.at)],
      )
      if (seen.length === 0) return rows.length
      const ids = [...new Set(seen.map(u => u.id))]
      // Grouped: one upsert may not touch the same row twice. Unknown ids
      // are left out by the join.
      await this.#query(
        db,
        'gitward_record_token_addresses',
        `INSERT INTO token_addresses (token_id, address, last_seen_at)
         SELECT u.id, u.address, max(u.at) FROM unnest($1::text[], $2::text[], $3::timestamptz[]) AS u(id, address, at)
           JOIN tokens t ON t.id = u.id
          GROUP BY u.id, u.address
         ON CONFLICT (token_id, address) DO UPDATE SET last_seen_at = greatest(token_addresses.last_seen_at, excluded.last_seen_at)`,
        [seen.map(u => u.id), seen.map(u => u.address), seen.map(u => u.at)],
      )
      await this.#query(
        db,
        'gitward_trim_token_addresses',
        `DELETE FROM token_addresses d USING (
           SELECT token_id, address, row_number() OVER (PARTITION BY token_id ORDER BY last_seen_at DESC, address COLLATE "C") AS n
             FROM token_addresses WHERE token_id = ANY($1::text[])) r
          WHERE d.token_id = r.token_id AND d.address = r.address AND r.n > $2`,
        [ids, RECENT_ADDRESSES_KEPT],
      )
      return rows.length
    }, TOKEN_USE_LOCK)
    this.#logger.debug('recorded token use', { batch: uses.length, changed })
  }

  async ping(): Promise<void> {
    await this.#query(this.#pool, 'gitward_ping', 'SELECT 1')
  }

  async findRefRules(projectPath: string): Promise<ProtectedRef[]> {
    const groups = ancestorGroups(projectPath)
    const rows = await this.#query<ProtectedRefRow>(this.#pool, 'gitward_find_ref_rules', POSTGRES_HOT_PATH_SQL.findRefRules, [[projectPath, ...groups]])
    return rows
      .map(protectedRefFromRow)
      .filter(r => (r.owner.kind === 'project' ? r.owner.path === projectPath : groups.includes(r.owner.path)))
  }

  // ---- administration -----------------------------------------------------
  // Each write runs in one transaction under the administrative lock; the
  // facts a use case conditions it on are read there (see Store).

  async createProject(
    project: { path: string; visibility: Visibility; defaultBranch: string | null; defaultBranchProtection: DefaultBranchProtection },
    audit: AuditNote,
  ): Promise<Written<Project, 'project-exists'>> {
    return this.#write(async db => {
      const rows = await this.#query<ProjectRow>(
        db,
        null,
        `INSERT INTO projects (path, visibility, created_at, default_branch, default_branch_protection) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (path) DO NOTHING RETURNING ${PROJECT_COLUMNS}`,
        [project.path, project.visibility, this.#now(), project.defaultBranch, project.defaultBranchProtection],
      )
      const row = rows[0]
      if (row === undefined) return conflict('project-exists')
      await this.#audit(db, audit)
      return ok(projectFromRow(row))
    })
  }

  async listProjects(): Promise<Project[]> {
    const rows = await this.#query<ProjectRow>(this.#pool, null, `SELECT ${PROJECT_COLUMNS} FROM projects ORDER BY path`)
    return rows.map(projectFromRow)
  }

  async setProjectVisibility(projectId: number, visibility: Visibility, audit: AuditNote): Promise<Written<Project, 'project-missing'>> {
    return this.#write(async db => {
      const rows = await this.#query<ProjectRow>(db, null, `UPDATE projects SET visibility = $2 WHERE id = $1 RETURNING ${PROJECT_COLUMNS}`, [
        projectId,
        visibility,
      ])
      if (rows[0] === undefined) return conflict('project-missing')
      await this.#audit(db, audit)
      return ok(projectFromRow(rows[0]))
    })
  }

  async setProjectArchived(projectId: number, archived: boolean, audit: AuditNote): Promise<Written<Project, 'project-missing'>> {
    return this.#write(async db => {
      const rows = await this.#query<ProjectRow>(db, null, `UPDATE projects SET archived_at = $2 WHERE id = $1 RETURNING ${PROJECT_COLUMNS}`, [
        projectId,
        archived ? this.#now() : null,
      ])
      if (rows[0] === undefined) return conflict('project-missing')
      await this.#audit(db, audit)
      return ok(projectFromRow(rows[0]))
    })
  }

  async removeProject(
    projectId: number,
    plan: ProjectRemovalPlan,
    audit: AuditNote,
  ): Promise<Written<ProjectRemoval, 'project-missing' | 'project-tokens-changed'>> {
    return this.#write(async db => {
      const found = await this.#query<ProjectRow>(db, null, `SELECT ${PROJECT_COLUMNS} FROM projects WHERE id = $1 FOR UPDATE`, [projectId])
      if (found[0] === undefined) return conflict('project-missing')
      const project = projectFromRow(found[0])
      const unrevoked = await this.#query<{ id: string }>(db, null, 'SELECT id FROM tokens WHERE project_id = $1 AND revoked_at IS NULL', [projectId])
      if (!planStillHolds(unrevoked.map(r => r.id), plan)) return conflict('project-tokens-changed')
      for (const r of plan.revoke) {
        await this.#query(db, null, 'UPDATE tokens SET revoked_at = $2 WHERE id = $1', [r.id, this.#now()])
        await this.#audit(db, r.audit)
      }
      // One statement, so a rotation chain (rotated_from) inside the project
      // is deleted together and the foreign key is checked at its end.
      const tokens = await this.#query<{ id: string }>(db, null, 'DELETE FROM tokens WHERE project_id = $1 RETURNING id', [projectId])
      const protections = await this.#query<{ id: string }>(
        db,
        null,
        "DELETE FROM protected_refs WHERE owner_kind = 'project' AND owner_path = $1 RETURNING id",
        [project.path],
      )
      await this.#query(db, null, 'DELETE FROM projects WHERE id = $1', [projectId])
      await this.#audit(db, audit)
      return ok({ project, revokedTokens: plan.revoke.map(r => r.id), deletedTokens: tokens.length, deletedProtections: protections.length })
    })
  }

  async createToken(
    token: NewToken,
    audit: AuditNote,
    conditions: TokenWriteConditions = {},
  ): Promise<Written<TokenRecord, 'token-id-taken' | 'project-token-creation-disabled'>> {
    return this.#write(async db => {
      const group = conditions.requireProjectTokenCreation
      if (group !== undefined && (await this.#groupSettings(db, group)).projectTokenCreation !== 'enabled') {
        return conflict('project-token-creation-disabled')
      }
      if (!(await this.#insertToken(db, token, null))) return conflict('token-id-taken')
      await this.#audit(db, audit)
      return ok(await this.#readBack(this.#tokenById(db, token.id)))
    })
  }

  async listTokens(filter: TokenFilter): Promise<TokenRecord[]> {
    // $2 matches the group itself and everything below it at a segment
    // boundary (the same rule as isWithinGroup): acme covers acme/app, not acme-evil.
    const rows = await this.#query<TokenRow>(
      this.#pool,
      null,
      `SELECT ${TOKEN_COLUMNS} FROM tokens t LEFT JOIN projects p ON p.id = t.project_id
        WHERE ($1::text IS NULL OR p.path = $1::text)
          AND ($2::text IS NULL
               OR coalesce(t.group_path, p.path) = $2::text
               OR left(coalesce(t.group_path, p.path), length($2::text) + 1) = $2::text || '/')
          AND ($3::boolean OR t.revoked_at IS NULL)
        ORDER BY t.created_at, t.id`,
      [filter.project ?? null, filter.group ?? null, filter.includeRevoked],
    )
    return rows.map(tokenFromRow)
  }

  async listTokenAddresses(ids: readonly string[]): Promise<Map<string, TokenAddress[]>> {
    const out = new Map<string, TokenAddress[]>()
    if (ids.length === 0) return out
    const rows = await this.#query<{ token_id: string; address: string; last_seen_at: string }>(
      this.#pool,
      null,
      `SELECT token_id, address, ${iso('last_seen_at')} AS last_seen_at FROM token_addresses
        WHERE token_id = ANY($1::text[]) ORDER BY token_id, last_seen_at DESC, address COLLATE "C"`,
      [[...new Set(ids)]],
    )
    for (const r of rows) {
      const list = out.get(r.token_id) ?? []
      list.push({ address: r.address, lastSeenAt: r.last_seen_at })
      out.set(r.token_id, list)
    }
    return out
  }

  async revokeToken(id: string, audit: AuditNote): Promise<Written<TokenRecord, 'token-missing' | 'token-revoked'>> {
    return this.#write(async db => {
      const revoked = await this.#query<{ id: string }>(
        db,
        null,
        'UPDATE tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL RETURNING id',
        [id, this.#now()],
      )
      if (revoked.length === 0) return conflict((await this.#tokenById(db, id)) === undefined ? 'token-missing' : 'token-revoked')
      await this.#audit(db, audit)
      return ok(await this.#readBack(this.#tokenById(db, id)))
    })
  }

  async rotateToken(
    id: string,
    replacement: NewToken,
    audit: AuditNote,
  ): Promise<Written<TokenRecord, 'token-missing' | 'token-revoked' | 'token-id-taken'>> {
    return this.#write(async db => {
      const old = await this.#tokenById(db, id)
      if (old === undefined) return conflict('token-missing')
      if (old.revokedAt !== null) return conflict('token-revoked')
      if (!(await this.#insertToken(db, replacement, id))) return conflict('token-id-taken')
      await this.#query(db, null, 'UPDATE tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL', [id, this.#now()])
      await this.#audit(db, audit)
      return ok(await this.#readBack(this.#tokenById(db, replacement.id)))
    })
  }

  async setProjectTokenCreation(group: string, value: ProjectTokenCreation, audit: AuditNote): Promise<GroupSettings> {
    return this.#write(async db => {
      await this.#query(
        db,
        null,
        `INSERT INTO group_settings (path, project_token_creation, updated_at) VALUES ($1, $2, $3)
         ON CONFLICT (path) DO UPDATE SET project_token_creation = excluded.project_token_creation, updated_at = excluded.updated_at`,
        [group, value, this.#now()],
      )
      await this.#audit(db, audit)
      return this.#groupSettings(db, group)
    })
  }

  async getGroupSettings(group: string): Promise<GroupSettings> {
    return this.#groupSettings(this.#pool, group)
  }

  async listGroupSettings(): Promise<GroupSettings[]> {
    const rows = await this.#query<GroupRow>(
      this.#pool,
      null,
      `SELECT path, project_token_creation, ${iso('updated_at')} AS updated_at FROM group_settings ORDER BY path`,
    )
    return rows.map(row => ({
      path: row.path,
      projectTokenCreation: row.project_token_creation === 'enabled' ? 'enabled' : 'disabled',
      updatedAt: row.updated_at,
    }))
  }

  async #protection(db: Db, refKind: RefKind, owner: RuleOwner, pattern: string): Promise<ProtectedRef | undefined> {
    const rows = await this.#query<ProtectedRefRow>(
      db,
      null,
      `SELECT ${PROTECTED_REF_COLUMNS} FROM protected_refs
        WHERE ref_kind = $1 AND owner_kind = $2 AND owner_path = $3 AND pattern = $4`,
      [refKind, owner.kind, owner.path, pattern],
    )
    return rows[0] === undefined ? undefined : protectedRefFromRow(rows[0])
  }

  async findProtection(refKind: RefKind, owner: RuleOwner, pattern: string): Promise<ProtectedRef | undefined> {
    return this.#protection(this.#pool, refKind, owner, pattern)
  }

  async protectRef(
    rule: NewProtectedRef,
    audit: AuditNote,
    expected: ProtectedRef | undefined,
  ): Promise<Written<{ rule: ProtectedRef; created: boolean }, 'protection-changed'>> {
    return this.#write(async db => {
      const before = await this.#protection(db, rule.refKind, rule.owner, rule.pattern)
      if (!sameProtection(before, expected)) return conflict('protection-changed')
      const force = rule.allowForcePush ? 1 : 0
      if (before === undefined) {
        await this.#query(
          db,
          null,
          `INSERT INTO protected_refs (ref_kind, owner_kind, owner_path, pattern, access_level, allow_force_push, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $7)`,
          [rule.refKind, rule.owner.kind, rule.owner.path, rule.pattern, rule.level, force, this.#now()],
        )
      } else {
        await this.#query(db, null, 'UPDATE protected_refs SET access_level = $1, allow_force_push = $2, updated_at = $3 WHERE id = $4', [
          rule.level,
          force,
          this.#now(),
          before.id,
        ])
      }
      await this.#audit(db, audit)
      return ok({ rule: await this.#readBack(this.#protection(db, rule.refKind, rule.owner, rule.pattern)), created: before === undefined })
    })
  }

  async unprotectRef(id: number, audit: AuditNote): Promise<Written<ProtectedRef, 'protection-missing'>> {
    return this.#write(async db => {
      const rows = await this.#query<ProtectedRefRow>(db, null, `DELETE FROM protected_refs WHERE id = $1 RETURNING ${PROTECTED_REF_COLUMNS}`, [id])
      if (rows[0] === undefined) return conflict('protection-missing')
      await this.#audit(db, audit)
      return ok(protectedRefFromRow(rows[0]))
    })
  }

  async listProtectedRefs(): Promise<ProtectedRef[]> {
    const rows = await this.#query<ProtectedRefRow>(
      this.#pool,
      null,
      `SELECT ${PROTECTED_REF_COLUMNS} FROM protected_refs ORDER BY owner_path, owner_kind, ref_kind, pattern`,
    )
    return rows.map(protectedRefFromRow)
  }

  async listAudit(): Promise<AuditEntry[]> {
    const rows = await this.#query<AuditRow>(
      this.#pool,
      null,
      `SELECT id::text AS id, ${iso('at')} AS at, actor, action, target, details FROM audit ORDER BY audit.id`,
    )
    return rows.map(row => ({
      id: Number(row.id),
      at: row.at,
      actor: row.actor,
      action: row.action as AuditAction,
      target: row.target,
      details: row.details,
    }))
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await this.#pool.end()
  }
}

/**
 * Open a pool on `url` and bring the schema up to date (under the migration
 * lock). Fails with DB_UNAVAILABLE when the server cannot be reached, so a
 * misconfigured instance does not start.
 */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<PostgresStore> {
  const server = describeServer(options.url)
  const logger = options.logger ?? silentLogger
  const poolSize = options.poolSize ?? 10
  if (!Number.isInteger(options.busyTimeoutMs) || options.busyTimeoutMs < 0) {
    throw new GitwardError('INVALID_CONFIG', 'the database busy timeout must be a whole number of milliseconds, 0 or more.')
  }
  const pool = createPool({
    url: options.url,
    max: poolSize,
    connectTimeoutMs: options.connectTimeoutMs ?? 5000,
    statementTimeoutMs: options.statementTimeoutMs ?? 5000,
    lockTimeoutMs: options.busyTimeoutMs,
    logger,
  })
  const translate = (e: unknown): unknown => translatePostgresError(e, server, () => false)
  try {
    let client: pg.PoolClient
    try {
      client = await pool.connect()
    } catch (e) {
      throw translate(e)
    }
    try {
      const result = await migratePostgres(client, options.migrations ?? POSTGRES_MIGRATIONS, server, 60_000)
      if (result.from !== result.to) logger.info('database schema upgraded', { server, from: result.from, to: result.to })
      client.release()
    } catch (e) {
      client.release(true)
      const mapped = translate(e)
      if (isGitwardError(mapped)) throw mapped
      throw new GitwardError(
        'DB_UNAVAILABLE',
        `the PostgreSQL database ${server} could not be brought to schema ${MIGRATIONS.length} (${(e as Error).message}); is it another program's database?`,
        { cause: e },
      )
    }
    return new PostgresStore(pool, { server, clock: options.clock, logger })
  } catch (e) {
    await pool.end().catch(() => undefined)
    throw e
  }
}

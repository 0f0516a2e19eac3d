// The tokens table: every statement that reads or writes it, prepared once.
// Plain persistence: no rule is decided here (src/admin/ owns them); the
// row reader only refuses values gitward does not know (token-row.ts).
import type Database from 'better-sqlite3'
import type { Timestamp } from '../model/dates.js'
import type { NewToken, TokenRecord } from '../model/token.js'
import { sqliteCode } from './sqlite-errors.js'
import { formatRefRules, formatScopes, TOKEN_COLUMNS, tokenFromRow, type TokenRow } from './token-row.js'
import type { TokenAndProject, TokenFilter } from './store.js'
import { prepareRaw, TOKEN_AND_PROJECT_ROW_NAMES, TOKEN_ROW_NAMES, tokenAndProjectFromRaw, tokenRowAt, type RawRow } from './sqlite-raw-rows.js'

/** The verifier's per-request query: a primary-key lookup joined to the project by its primary key. */
export const FIND_TOKEN_SQL = `SELECT ${TOKEN_COLUMNS} FROM tokens t LEFT JOIN projects p ON p.id = t.project_id WHERE t.id = ?`

/**
 * An authenticated git request's one read: the token by primary key (joined
 * to its project by primary key) and the requested project by its unique
 * path, side by side in one row. One statement is one read transaction: its
 * locks and file checks are paid once, not once per lookup.
 */
export const FIND_TOKEN_AND_PROJECT_SQL = `SELECT ${TOKEN_COLUMNS},
    q.id AS q_id, q.path AS q_path, q.visibility AS q_visibility, q.created_at AS q_created_at,
    q.default_branch AS q_default_branch, q.default_branch_protection AS q_default_branch_protection, q.archived_at AS q_archived_at
  FROM (SELECT ? AS token_id, ? AS project_path) AS w
  LEFT JOIN tokens t ON t.id = w.token_id
  LEFT JOIN projects p ON p.id = t.project_id
  LEFT JOIN projects q ON q.path = w.project_path`

interface InsertParams {
  id: string
  name: string
  projectId: number | null
  groupPath: string | null
  role: string
  scopes: string
  secretHash: string
  expiresAt: string | null
  at: string
  rotatedFrom: string | null
  refRules: string | null
  description: string | null
}

interface ListParams {
  project: string | null
  group: string | null
  all: number
}

export class SqliteTokens {
  readonly #find: Database.Statement<[string], RawRow>
  readonly #findWithProject: Database.Statement<[string, string], RawRow>
  readonly #insert: Database.Statement<InsertParams>
  readonly #revoke: Database.Statement<{ id: string; at: string }>
  readonly #list: Database.Statement<ListParams, TokenRow>
  readonly #touch: Database.Statement<{ id: string; at: string }>

  constructor(db: Database.Database) {
    this.#find = prepareRaw<[string]>(db, FIND_TOKEN_SQL, TOKEN_ROW_NAMES)
    this.#findWithProject = prepareRaw<[string, string]>(db, FIND_TOKEN_AND_PROJECT_SQL, TOKEN_AND_PROJECT_ROW_NAMES)
    this.#insert = db.prepare<InsertParams>(
      `INSERT INTO tokens (id, name, project_id, group_path, role, scopes, secret_hash, expires_at, created_at, rotated_from,
                           ref_rules, description, number)
       VALUES (@id, @name, @projectId, @groupPath, @role, @scopes, @secretHash, @expiresAt, @at, @rotatedFrom,
               @refRules, @description, (SELECT coalesce(max(number), 0) + 1 FROM tokens))`,
    )
    // Only an active token is revoked, so a second revocation changes nothing.
    this.#revoke = db.prepare<{ id: string; at: string }>(
      'UPDATE tokens SET revoked_at = @at WHERE id = @id AND revoked_at IS NULL',
    )
    // @group matches the group itself and everything below it at a segment
    // boundary (the same rule as isWithinGroup): acme covers acme/app, not acme-evil.
    this.#list = db.prepare<ListParams, TokenRow>(
      `SELECT ${TOKEN_COLUMNS} FROM tokens t LEFT JOIN projects p ON p.id = t.project_id
       WHERE (@project IS NULL OR p.path = @project)
         AND (@group IS NULL
              OR coalesce(t.group_path, p.path) = @group
              OR substr(coalesce(t.group_path, p.path), 1, length(@group) + 1) = @group || '/')
         AND (@all = 1 OR t.revoked_at IS NULL)
       ORDER BY t.created_at, t.id`,
    )
    // Only moves forward, so a late batch cannot overwrite a newer time.
    this.#touch = db.prepare<{ id: string; at: string }>(
      'UPDATE tokens SET last_used_at = @at WHERE id = @id AND (last_used_at IS NULL OR last_used_at < @at)',
    )
  }

  find(id: string): TokenRecord | undefined {
    const row = this.#find.get(id)
    return row === undefined ? undefined : tokenFromRow(tokenRowAt(row))
  }

  /** The token with this id and the project at this path, each possibly absent. */
  findWithProject(id: string, projectPath: string): TokenAndProject {
    return tokenAndProjectFromRaw(this.#findWithProject.get(id, projectPath))
  }

  /** Insert; false when the id is taken. */
  insert(token: NewToken, at: Timestamp, rotatedFrom: string | null): boolean {
    try {
      this.#insert.run({
        id: token.id,
        name: token.name,
        projectId: token.target.kind === 'project' ? token.target.projectId : null,
        groupPath: token.target.kind === 'group' ? token.target.path : null,
        role: token.role,
        scopes: formatScopes(token.scopes),
        secretHash: token.secretHash,
        expiresAt: token.expiresAt,
        at,
        rotatedFrom,
        refRules: formatRefRules(token.refRules),
        description: token.description ?? null,
      })
      return true
    } catch (e) {
      if (sqliteCode(e) === 'SQLITE_CONSTRAINT_PRIMARYKEY') return false
      throw e
    }
  }

  /** Revoke an active token; false when it was not active (or does not exist). */
  revoke(id: string, at: Timestamp): boolean {
    return this.#revoke.run({ id, at }).changes === 1
  }

  list(filter: TokenFilter): TokenRecord[] {
    return this.#list
      .all({ project: filter.project ?? null, group: filter.group ?? null, all: filter.includeRevoked ? 1 : 0 })
      .map(tokenFromRow)
  }

  /** Record a use; the number of rows changed (0 or 1). */
  touch(id: string, at: Timestamp): number {
    return this.#touch.run({ id, at }).changes
  }
}

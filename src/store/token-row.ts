// Conversion between the tokens table and TokenRecord, shared by both engines. Values read back are
// checked against the closed sets of roles and scopes: a row that does not
// fit (edited by hand, written by a broken build) fails closed instead of
// granting an access level gitward does not know. An expiry date that is
// not a real calendar date is kept as stored (so `token show` displays what
// is there) and counts as expired: see isExpired in src/model/dates.ts.
import { GitwardError } from '../errors.js'
import { isRole } from '../model/role.js'
import { isScope, type Scope } from '../model/scope.js'
import type { TokenRecord } from '../model/token.js'

export interface TokenRow {
  id: string
  name: string
  project_id: number | null
  project_path: string | null
  group_path: string | null
  role: string
  scopes: string
  secret_hash: string
  expires_at: string | null
  created_at: string
  last_used_at: string | null
  revoked_at: string | null
  rotated_from: string | null
  ref_rules: string | null
  number: number
  description: string | null
}

/** The SELECT list matching TokenRow; `t` is tokens, `p` is projects. */
export const TOKEN_COLUMNS = `t.id, t.name, t.project_id, p.path AS project_path, t.group_path, t.role,
  t.scopes, t.secret_hash, t.expires_at, t.created_at, t.last_used_at, t.revoked_at, t.rotated_from, t.ref_rules,
  t.number, t.description`

const broken = (id: string, what: string): GitwardError =>
  new GitwardError('DB_UNAVAILABLE', `the stored token ${id} has ${what}; the database was changed outside gitward.`)

/** Ref patterns never contain a comma (checkRefPattern refuses nothing else that could). */
export const formatRefRules = (rules: readonly string[] | null | undefined): string | null =>
  rules === null || rules === undefined || rules.length === 0 ? null : rules.join(',')

export const formatScopes = (scopes: readonly Scope[]): string => scopes.join(',')

export function tokenFromRow(row: TokenRow): TokenRecord {
  if (!isRole(row.role)) throw broken(row.id, 'an unknown role')
  const scopes: Scope[] = []
  for (const s of row.scopes.split(',')) {
    if (!isScope(s)) throw broken(row.id, 'an unknown scope')
    scopes.push(s)
  }
  let target: TokenRecord['target']
  if (row.project_id !== null && row.project_path !== null) {
    target = { kind: 'project', projectId: row.project_id, path: row.project_path }
  } else if (row.group_path !== null && row.project_id === null) {
    target = { kind: 'group', path: row.group_path }
  } else {
    throw broken(row.id, 'no valid project or group')
  }
  return {
    id: row.id,
    number: row.number,
    name: row.name,
    description: row.description,
    target,
    role: row.role,
    scopes,
    secretHash: row.secret_hash,
    expiresAt: row.expires_at,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
    rotatedFrom: row.rotated_from,
    refRules: row.ref_rules === null ? null : row.ref_rules.split(','),
  }
}

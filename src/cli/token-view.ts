// The public face of a token record: what `token list/show --json` print and
// what the tables show. Built field by field (never by spreading the record),
// so the hash can never slip into output.
import { isExpired } from '../model/dates.js'
import type { TokenDetails, TokenRecord } from '../model/token.js'

export type TokenState = 'active' | 'expired' | 'revoked'

export function tokenState(token: TokenRecord, nowMs: number): TokenState {
  if (token.revokedAt !== null) return 'revoked'
  if (isExpired(token.expiresAt, nowMs)) return 'expired'
  return 'active'
}

export interface TokenView {
  id: string
  name: string
  description: string | null
  project?: string
  group?: string
  role: string
  scopes: string[]
  expires_at: string | null
  created_at: string
  last_used_at: string | null
  /** The last few distinct client addresses, most recent first (empty for a token just minted). */
  recent_addresses: Array<{ address: string; last_seen_at: string }>
  revoked_at: string | null
  rotated_from: string | null
  state: TokenState
  /** The refs the token may push to; absent when it may push to any. */
  refs?: string[]
}

export function tokenView(token: TokenRecord | TokenDetails, nowMs: number): TokenView {
  const target = token.target.kind === 'project' ? { project: token.target.path } : { group: token.target.path }
  return {
    id: token.id,
    name: token.name,
    description: token.description,
    ...target,
    role: token.role,
    scopes: [...token.scopes],
    expires_at: token.expiresAt,
    created_at: token.createdAt,
    last_used_at: token.lastUsedAt,
    recent_addresses: 'recentAddresses' in token ? token.recentAddresses.map(a => ({ address: a.address, last_seen_at: a.lastSeenAt })) : [],
    revoked_at: token.revokedAt,
    rotated_from: token.rotatedFrom,
    state: tokenState(token, nowMs),
    ...(token.refRules === null ? {} : { refs: [...token.refRules] }),
  }
}

/** "project acme/app" or "group acme". */
export const targetLabel = (token: TokenRecord): string => `${token.target.kind} ${token.target.path}`

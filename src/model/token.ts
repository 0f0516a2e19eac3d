// Access tokens as gitward knows them once they exist. The secret is never
// here: only its hash, which leaves the store only for the verifier.
import type { DateString, Timestamp } from './dates.js'
import type { Role } from './role.js'
import type { Scope } from './scope.js'

/** What a token is bound to: exactly one project, or every project under a group. */
export type TokenTarget =
  | { kind: 'project'; projectId: number; path: string }
  | { kind: 'group'; path: string }

export interface TokenRecord {
  /** Public id, the primary key; part of the token, not secret. */
  id: string
  /** A positive integer unique among tokens: the id the HTTP API shows (GitLab clients expect an integer). */
  number: number
  name: string
  /** What the token is for, as its owner wrote it. */
  description: string | null
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

/** One client address a token was used from, and when last. */
export interface TokenAddress {
  /** Canonical address (src/net/), after trusted-proxy resolution. */
  address: string
  lastSeenAt: Timestamp
}

/** How many distinct client addresses are kept per token (GitLab shows five). */
export const RECENT_ADDRESSES_KEPT = 5

/** A token with what is known about its use, for administrators (token show, list, the API). */
export interface TokenDetails extends TokenRecord {
  /** The last RECENT_ADDRESSES_KEPT distinct client addresses, most recent first. */
  recentAddresses: TokenAddress[]
}

/** A token about to be stored: validated by src/admin, hashed, not yet dated. */
export interface NewToken {
  id: string
  name: string
  target: TokenTarget
  role: Role
  scopes: Scope[]
  secretHash: string
  expiresAt: DateString | null
  /** Full-ref patterns the token is limited to; omitted or null = no limit. */
  refRules?: string[] | null
  /** Omitted or null = none. */
  description?: string | null
}

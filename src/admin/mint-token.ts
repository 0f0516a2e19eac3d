// Minting: the only place a token's secret exists in clear. It is generated
// from the injected random source, hashed, stored as a hash, and returned to
// the caller exactly once.
import type { Role } from '../access/role.js'
import type { Scope } from '../access/scope.js'
import type { Hasher } from '../auth/hasher.js'
import { formatToken, newSecret, newTokenId, type RandomBytes } from '../auth/token-format.js'
import type { Actor, DateString, NewToken, Store, TokenRecord } from '../store/store.js'
import { requireTokenName } from './token-name.js'

export interface MintDeps {
  store: Store
  hasher: Hasher
  random: RandomBytes
  tokenPrefix: string
}

export interface MintRequest {
  name: string
  target: NewToken['target']
  role: Role
  scopes: Scope[]
  /** Already validated (see expiry-date.ts); null = never expires. */
  expiresAt: DateString | null
  /** Already validated (requireRefRules); null or omitted = no per-token ref limit. */
  refRules?: string[] | null
}

export interface Minted {
  record: TokenRecord
  /** The full token. Show it once; it is stored nowhere. */
  token: string
}

/** Generate an id and secret and hash the secret, ready for the store. */
export async function prepareToken(
  deps: Omit<MintDeps, 'store'>,
  request: MintRequest,
): Promise<{ row: NewToken; token: string }> {
  const id = newTokenId(deps.random)
  const secret = newSecret(deps.random)
  const row: NewToken = {
    id,
    name: requireTokenName(request.name),
    target: request.target,
    role: request.role,
    scopes: [...request.scopes],
    secretHash: await deps.hasher.hash(secret),
    expiresAt: request.expiresAt,
    refRules: request.refRules === undefined || request.refRules === null || request.refRules.length === 0 ? null : [...request.refRules],
  }
  return { row, token: formatToken(deps.tokenPrefix, id, secret) }
}

export async function mintToken(deps: MintDeps, request: MintRequest, actor: Actor): Promise<Minted> {
  const { row, token } = await prepareToken(deps, request)
  const record = await deps.store.createToken(row, actor)
  return { record, token }
}

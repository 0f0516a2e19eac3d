// Decides whether a presented token is good, at the least cost:
//   1. format and checksum (pure, no I/O): a mistyped or invented token
//      never reaches the database;
//   2. a remembered "wrong" verdict for this exact string: refused with no
//      I/O (a wrong token can never become right: an id's hash never changes);
//   3. one primary-key lookup of the row: unknown id → refused, no bcrypt;
//      revoked or expired → refused (checked on every request, never cached);
//      verifyFor reads the requested project in that same read, so an
//      authenticated request costs one database visit in all;
//   4. a remembered "right" verdict for this exact string and this exact hash,
//      or else one bcrypt compare, bounded by a limiter so a flood of
//      well-formed guesses cannot starve legitimate clones.
// Outcomes are values; a thrown error means broken infrastructure (the
// database is busy or gone, too many compares are queued) and becomes a 503,
// never a 401, so git never erases a good stored credential because of us.
import type { Clock } from '../clock.js'
import type { Store } from '../store/store.js'
import type { Project } from '../model/project.js'
import type { TokenRecord } from '../model/token.js'
import type { TokenCheck, TokenRefusal } from '../access/policy.js'
import { isExpired } from '../model/dates.js'
import { parseToken } from './token-format.js'
import type { Hasher } from './hasher.js'
import type { VerifiedTokenCache } from './verified-token-cache.js'
import type { ConcurrencyLimiter } from '../limits/concurrency-limiter.js'

export interface TokenVerifierOptions {
  prefix: string
  store: Pick<Store, 'findToken' | 'findTokenAndProject'>
  hasher: Hasher
  cache: VerifiedTokenCache
  limiter: ConcurrencyLimiter
  clock: Clock
}

export interface VerifierStats {
  /** bcrypt compares actually run. */
  compares: number
  /** Verdicts answered from the cache. */
  cacheHits: number
  /** Token rows read from the store (a malformed token must cost none). */
  lookups: number
}

/** A verdict, with the requested project when the token's read fetched it too. */
export interface VerifiedRequest {
  check: TokenCheck
  /** Present when the project was read (found or not); absent when no row was read. */
  project?: { found: Project | undefined }
}

export interface TokenVerifier {
  /**
   * `signal` fires when the client has gone: a compare still waiting for a
   * slot is then dropped instead of spending bcrypt on nobody. `client` (the
   * client address) is the key of the compare pool's per-client share, so a
   * flood of guesses from one address cannot make another address wait.
   */
  verify(presented: string, signal?: AbortSignal, client?: string): Promise<TokenCheck>
  /** verify(), reading the project at `projectPath` in the same read as the token's row. */
  verifyFor(presented: string, projectPath: string, signal?: AbortSignal, client?: string): Promise<VerifiedRequest>
  /**
   * The id a well-formed token claims, with no lookup and no compare (for
   * the log of a request refused before its token is checked).
   */
  claimedId(presented: string): string | undefined
  readonly stats: Readonly<VerifierStats>
}

export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const { prefix, store, hasher, cache, limiter, clock } = options
  const stats: VerifierStats = { compares: 0, cacheHits: 0, lookups: 0 }

  const valid = (row: TokenRecord): TokenCheck => ({
    kind: 'valid',
    token: { id: row.id, target: row.target, role: row.role, scopes: row.scopes, refRules: row.refRules },
  })

  async function verifyFor(presented: string, projectPath: string | undefined, signal?: AbortSignal, client?: string): Promise<VerifiedRequest> {
    const parsed = parseToken(prefix, presented)
    if (!parsed.ok) return { check: { kind: 'refused', reason: 'malformed' } }

    const tokenId = parsed.token.id
    const refused = (reason: TokenRefusal): TokenCheck => ({ kind: 'refused', reason, tokenId })

    const key = cache.keyFor(presented)
    const remembered = cache.get(key)
    if (remembered !== undefined && !remembered.ok) {
      stats.cacheHits++
      return { check: refused('mismatch') }
    }

    stats.lookups++
    let row: TokenRecord | undefined
    let project: VerifiedRequest['project']
    if (projectPath === undefined) {
      row = await store.findToken(tokenId)
    } else {
      const read = await store.findTokenAndProject(tokenId, projectPath)
      row = read.token
      project = { found: read.project }
    }
    const answer = (check: TokenCheck): VerifiedRequest => (project === undefined ? { check } : { check, project })
    if (row === undefined) return answer(refused('unknown'))
    if (row.revokedAt !== null) return answer(refused('revoked'))
    if (isExpired(row.expiresAt, clock.now())) return answer(refused('expired'))

    if (remembered !== undefined && remembered.hash === row.secretHash) {
      stats.cacheHits++
      return answer(valid(row))
    }

    const hash = row.secretHash
    const ok = await limiter.run(async () => {
      stats.compares++
      return hasher.compare(parsed.token.secret, hash)
    }, signal, client)
    cache.set(key, { ok, hash })
    return answer(ok ? valid(row) : refused('mismatch'))
  }

  const verify = async (presented: string, signal?: AbortSignal, client?: string): Promise<TokenCheck> =>
    (await verifyFor(presented, undefined, signal, client)).check

  const claimedId = (presented: string): string | undefined => {
    const parsed = parseToken(prefix, presented)
    return parsed.ok ? parsed.token.id : undefined
  }

  return { verify, verifyFor: (presented, projectPath, signal, client) => verifyFor(presented, projectPath, signal, client), claimedId, stats }
}

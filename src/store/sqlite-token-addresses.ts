// The token_addresses table: the last few distinct client addresses each
// token was used from, written with last_used_at in the recorder's batch
// transaction and read by token show / list. Plain persistence.
import type Database from 'better-sqlite3'
import { RECENT_ADDRESSES_KEPT, type TokenAddress } from '../model/token.js'
import type { Timestamp } from '../model/dates.js'

interface SeenParams {
  id: string
  address: string
  at: string
}

export class SqliteTokenAddresses {
  readonly #seen: Database.Statement<SeenParams>
  readonly #trim: Database.Statement<{ id: string; keep: number }>
  readonly #forToken: Database.Statement<[string], { address: string; last_seen_at: string }>

  constructor(db: Database.Database) {
    // Only for a token that exists (an unknown id is ignored, not a foreign
    // key error that would fail the whole batch); the time only moves forward.
    this.#seen = db.prepare<SeenParams>(
      `INSERT INTO token_addresses (token_id, address, last_seen_at)
       SELECT @id, @address, @at WHERE EXISTS (SELECT 1 FROM tokens WHERE id = @id)
       ON CONFLICT (token_id, address) DO UPDATE SET last_seen_at = max(last_seen_at, excluded.last_seen_at)`,
    )
    this.#trim = db.prepare<{ id: string; keep: number }>(
      `DELETE FROM token_addresses WHERE token_id = @id AND address NOT IN (
         SELECT address FROM token_addresses WHERE token_id = @id ORDER BY last_seen_at DESC, address LIMIT @keep)`,
    )
    this.#forToken = db.prepare<[string], { address: string; last_seen_at: string }>(
      'SELECT address, last_seen_at FROM token_addresses WHERE token_id = ? ORDER BY last_seen_at DESC, address',
    )
  }

  /** Note `address` for token `id` at `at` (inside the caller's transaction). */
  seen(id: string, address: string, at: Timestamp): void {
    this.#seen.run({ id, address, at })
  }

  /** Keep only the most recent addresses of token `id`. */
  trim(id: string): void {
    this.#trim.run({ id, keep: RECENT_ADDRESSES_KEPT })
  }

  forToken(id: string): TokenAddress[] {
    return this.#forToken.all(id).map(r => ({ address: r.address, lastSeenAt: r.last_seen_at }))
  }
}

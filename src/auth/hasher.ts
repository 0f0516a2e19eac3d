// Hashing of the secret part of a token. Only the hash is stored, so a copy
// of the database does not hand out working tokens. The interface lets tests
// and benchmarks use a cheap cost without touching the verifier.
import bcrypt from 'bcrypt'
import { GitwardError } from '../errors.js'

export interface Hasher {
  hash(secret: string): Promise<string>
  compare(secret: string, hash: string): Promise<boolean>
}

/** bcrypt's own bounds for the cost (log2 of the rounds). */
export const MIN_BCRYPT_COST = 4
export const MAX_BCRYPT_COST = 31

/**
 * A bcrypt hasher using the async API, so hashing runs on libuv's thread pool
 * and never blocks the event loop that serves other requests.
 */
export function bcryptHasher(cost: number): Hasher {
  if (!Number.isInteger(cost) || cost < MIN_BCRYPT_COST || cost > MAX_BCRYPT_COST) {
    throw new GitwardError(
      'INVALID_CONFIG',
      `the bcrypt cost must be a whole number from ${MIN_BCRYPT_COST} to ${MAX_BCRYPT_COST}.`,
    )
  }
  return {
    hash: secret => bcrypt.hash(secret, cost),
    compare: (secret, hash) => bcrypt.compare(secret, hash),
  }
}

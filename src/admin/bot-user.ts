// A token's bot user, as GitLab's API reports it (`user_id`): GitLab makes
// one bot user per project or group access token and keeps it through every
// rotation, so clients that keep `user_id` (Terraform's state, for one) see
// the same user before and after. gitward has no users: the bot is the first
// token of a rotation chain, and its number is the user id every token of
// the chain reports. Pure.
import type { TokenRecord } from '../model/token.js'

type ChainLink = Pick<TokenRecord, 'id' | 'number' | 'rotatedFrom'>

/**
 * For each token of `tokens`, the number of the first token of its rotation
 * chain, walked through `known` (every token of the same targets, revoked
 * ones included). A link that is missing ends the walk where it is.
 */
export function botUserNumbers(tokens: readonly ChainLink[], known: readonly ChainLink[]): Map<string, number> {
  const byId = new Map<string, ChainLink>()
  for (const t of [...known, ...tokens]) byId.set(t.id, t)
  const roots = new Map<string, number>()
  for (const token of tokens) {
    let at: ChainLink = token
    const seen = new Set<string>([at.id])
    // Bounded by the number of known tokens; `seen` stops a cycle written outside gitward.
    for (let from = at.rotatedFrom; from !== null; from = at.rotatedFrom) {
      const previous = byId.get(from)
      if (previous === undefined || seen.has(previous.id)) break
      seen.add(previous.id)
      at = previous
    }
    roots.set(token.id, at.number)
  }
  return roots
}

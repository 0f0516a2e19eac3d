// A token named by its id: `token show`, and the first step of revoke and rotate.
import { GitwardError } from '../errors.js'
import type { TokenRecord } from '../model/token.js'
import type { Store } from '../store/store.js'
import { requireTokenId } from './token-id.js'

export const noSuchToken = (id: string): GitwardError =>
  new GitwardError('NOT_FOUND', `no token has the id "${id}"; see the ids with gitward token list --all.`)

/** The token with the id `raw` (validated first, never echoed if it looks secret); NOT_FOUND otherwise. */
export async function requireToken(store: Pick<Store, 'findToken'>, raw: string): Promise<TokenRecord> {
  const id = requireTokenId(raw)
  const token = await store.findToken(id)
  if (token === undefined) throw noSuchToken(id)
  return token
}

// Listing tokens: by project, by group (at a segment boundary), active only
// unless asked for all. "Active" uses the same expiry rule as the server.
import { isExpired } from '../model/dates.js'
import type { TokenRecord } from '../model/token.js'
import type { Store } from '../store/store.js'
import { requireProject } from './find-project.js'
import { requirePath } from './target-path.js'

export interface ListTokensRequest {
  project?: string | undefined
  group?: string | undefined
  /** Include revoked and expired tokens. */
  all?: boolean | undefined
}

/** Check a request without the database (bad input changes nothing). */
export function checkListTokens(request: ListTokensRequest): ListTokensRequest {
  return {
    ...(request.project === undefined ? {} : { project: requirePath(request.project, 'project') }),
    ...(request.group === undefined ? {} : { group: requirePath(request.group, 'group') }),
    all: request.all === true,
  }
}

export async function listTokens(
  deps: { store: Store; clock: { now(): number } },
  request: ListTokensRequest,
): Promise<TokenRecord[]> {
  const checked = checkListTokens(request)
  const all = checked.all === true
  const project = checked.project === undefined ? undefined : (await requireProject(deps.store, checked.project)).path
  const tokens = await deps.store.listTokens({
    ...(project === undefined ? {} : { project }),
    ...(checked.group === undefined ? {} : { group: checked.group }),
    includeRevoked: all,
  })
  const now = deps.clock.now()
  return all ? tokens : tokens.filter(t => !isExpired(t.expiresAt, now))
}

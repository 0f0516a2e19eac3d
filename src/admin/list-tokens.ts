// Listing tokens: by project, by group (at a segment boundary), active only
// unless asked for all. "Active" uses the same expiry rule as the server.
// A project's list answers "who can reach this repository": its own tokens
// and the group tokens of every group above it (their TARGET says so).
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
  const tokens = project === undefined
    ? await deps.store.listTokens({ ...(checked.group === undefined ? {} : { group: checked.group }), includeRevoked: all })
    : await tokensReaching(deps.store, project, all)
  const now = deps.clock.now()
  return all ? tokens : tokens.filter(t => !isExpired(t.expiresAt, now))
}

/** The groups above a project, outermost first: acme/tools/app -> acme, acme/tools. */
export function enclosingGroups(projectPath: string): string[] {
  const segments = projectPath.split('/')
  return segments.slice(0, -1).map((_, i) => segments.slice(0, i + 1).join('/'))
}

async function tokensReaching(store: Store, project: string, includeRevoked: boolean): Promise<TokenRecord[]> {
  const own = await store.listTokens({ project, includeRevoked })
  const viaGroups: TokenRecord[] = []
  for (const group of enclosingGroups(project)) {
    // The store lists everything at or below the group; only the group's own tokens reach the project.
    const below = await store.listTokens({ group, includeRevoked })
    viaGroups.push(...below.filter(t => t.target.kind === 'group' && t.target.path === group))
  }
  return [...own, ...viaGroups]
}

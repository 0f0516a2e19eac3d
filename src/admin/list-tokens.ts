// Listing tokens: by project, by group (at a segment boundary), active only
// unless asked for all, optionally only those expiring soon or unused for a
// while. "Active" uses the same expiry rule as the server. A project's list
// answers "who can reach this repository": its own tokens and the group
// tokens of every group above it (their TARGET says so). Each token comes
// with its recent client addresses (written by the last-used recorder).
import { GitwardError } from '../errors.js'
import { calendarDateStart, isExpired } from '../model/dates.js'
import type { TokenAddress, TokenDetails, TokenRecord } from '../model/token.js'
import type { Store } from '../store/store.js'
import { requireProject } from './find-project.js'
import { requirePath } from './target-path.js'
import { daysFromToday } from './token-lifetime.js'

const DAY_MS = 86_400_000

export interface ListTokensRequest {
  project?: string | undefined
  group?: string | undefined
  /** Include revoked and expired tokens. */
  all?: boolean | undefined
  /** Only active tokens whose expiry date is at most this many days after today (UTC). */
  expiringWithinDays?: number | undefined
  /** Only active tokens not used (or, never used, not created) in the last this many days. */
  unusedSinceDays?: number | undefined
}

const wholeDays = (n: number | undefined, flag: string): number | undefined => {
  if (n === undefined) return undefined
  if (!Number.isInteger(n) || n < 1) throw new GitwardError('INVALID_ARGUMENT', `${flag} must be a whole number of days, at least 1.`)
  return n
}

/** Check a request without the database (bad input changes nothing). */
export function checkListTokens(request: ListTokensRequest): ListTokensRequest {
  const expiringWithinDays = wholeDays(request.expiringWithinDays, '--expiring-within')
  const unusedSinceDays = wholeDays(request.unusedSinceDays, '--unused-since')
  if (request.all === true && (expiringWithinDays !== undefined || unusedSinceDays !== undefined)) {
    throw new GitwardError('INVALID_ARGUMENT', '--expiring-within and --unused-since look at active tokens only; drop --all.')
  }
  return {
    ...(request.project === undefined ? {} : { project: requirePath(request.project, 'project') }),
    ...(request.group === undefined ? {} : { group: requirePath(request.group, 'group') }),
    all: request.all === true,
    ...(expiringWithinDays === undefined ? {} : { expiringWithinDays }),
    ...(unusedSinceDays === undefined ? {} : { unusedSinceDays }),
  }
}

/** True when an active token's expiry date is at most `days` days after today's UTC date. */
export function expiresWithin(token: Pick<TokenRecord, 'expiresAt'>, days: number, nowMs: number): boolean {
  if (token.expiresAt === null) return false
  const end = calendarDateStart(token.expiresAt)
  const limit = calendarDateStart(daysFromToday(days, nowMs))
  return end !== null && limit !== null && end <= limit
}

/** True when a token was last used (never used: created) at least `days` days ago. */
export function unusedFor(token: Pick<TokenRecord, 'lastUsedAt' | 'createdAt'>, days: number, nowMs: number): boolean {
  const last = Date.parse(token.lastUsedAt ?? token.createdAt)
  return Number.isNaN(last) || last <= nowMs - days * DAY_MS
}

/** The tokens with their recent client addresses. */
export async function withAddresses(store: Pick<Store, 'listTokenAddresses'>, tokens: TokenRecord[]): Promise<TokenDetails[]> {
  const addresses = tokens.length === 0 ? new Map<string, TokenAddress[]>() : await store.listTokenAddresses(tokens.map(t => t.id))
  return tokens.map(t => ({ ...t, recentAddresses: addresses.get(t.id) ?? [] }))
}

export async function listTokens(
  deps: { store: Store; clock: { now(): number } },
  request: ListTokensRequest,
): Promise<TokenDetails[]> {
  const checked = checkListTokens(request)
  const all = checked.all === true
  const project = checked.project === undefined ? undefined : (await requireProject(deps.store, checked.project)).path
  const tokens = project === undefined
    ? await deps.store.listTokens({ ...(checked.group === undefined ? {} : { group: checked.group }), includeRevoked: all })
    : await tokensReaching(deps.store, project, all)
  const now = deps.clock.now()
  const { expiringWithinDays: within, unusedSinceDays: unused } = checked
  const chosen = tokens.filter(
    t =>
      (all || !isExpired(t.expiresAt, now)) &&
      (within === undefined || expiresWithin(t, within, now)) &&
      (unused === undefined || unusedFor(t, unused, now)),
  )
  return withAddresses(deps.store, chosen)
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

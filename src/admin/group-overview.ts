// `group list` and `group show`: what gitward knows about groups. Groups have
// no table of their own: a group exists because projects are registered
// below it, because its settings were changed, or because tokens or
// protections name it.
import { GitwardError } from '../errors.js'
import { isWithinGroup, topLevelGroup } from '../git/repo-path.js'
import { isExpired } from '../model/dates.js'
import type { GroupSettings, Project } from '../model/project.js'
import type { ProtectedRef } from '../model/protection.js'
import type { Store } from '../store/store.js'
import { requirePath } from './target-path.js'

export interface GroupSummary {
  /** A top-level group. */
  path: string
  /** Registered projects below it, at any depth. */
  projectCount: number
  settings: GroupSettings
}

/** Every top-level group known from projects and group settings, by path. */
export async function listGroups(store: Pick<Store, 'listProjects' | 'listGroupSettings'>): Promise<GroupSummary[]> {
  const [projects, settings] = await Promise.all([store.listProjects(), store.listGroupSettings()])
  const groups = new Map<string, GroupSummary>()
  const entry = (path: string): GroupSummary => {
    let g = groups.get(path)
    if (g === undefined) {
      g = { path, projectCount: 0, settings: { path, projectTokenCreation: 'enabled', updatedAt: null } }
      groups.set(path, g)
    }
    return g
  }
  for (const s of settings) entry(s.path).settings = s
  // A project at the top level (no "/") is not in any group.
  for (const p of projects) if (p.path.includes('/')) entry(topLevelGroup(p.path)).projectCount++
  return [...groups.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
}

export interface TokenCounts {
  active: number
  expired: number
  revoked: number
}

export interface GroupDetails {
  path: string
  /** The settings of its top-level group (settings apply to a whole top-level group). */
  settings: GroupSettings
  /** Registered projects below it, at any depth, by path. */
  projects: Project[]
  /** Protections set on it and on the groups above it (inherited). */
  protections: Array<ProtectedRef & { inherited: boolean }>
  /** Group tokens bound to exactly this group (not those of groups above or below it). */
  tokens: TokenCounts
}

export async function showGroup(deps: { store: Store; clock: { now(): number } }, raw: string): Promise<GroupDetails> {
  const path = requirePath(raw, 'group')
  const { store } = deps
  const top = topLevelGroup(path)
  const [projects, allSettings, rules, tokens] = await Promise.all([
    store.listProjects(),
    store.listGroupSettings(),
    store.listProtectedRefs(),
    store.listTokens({ group: path, includeRevoked: true }),
  ])
  const below = projects.filter(p => p.path !== path && isWithinGroup(p.path, path))
  const own = tokens.filter(t => t.target.kind === 'group' && t.target.path === path)
  const protections = rules
    .filter(r => r.owner.kind === 'group' && isWithinGroup(path, r.owner.path))
    .map(r => ({ ...r, inherited: r.owner.path !== path }))
  const settings = allSettings.find(s => s.path === top)
  const known = below.length > 0 || own.length > 0 || protections.some(r => !r.inherited) || (settings !== undefined && top === path)
  if (!known) {
    throw new GitwardError('NOT_FOUND', `no project, token, protection or setting names the group "${path}"; see gitward group list.`)
  }
  const now = deps.clock.now()
  const counts: TokenCounts = { active: 0, expired: 0, revoked: 0 }
  for (const t of own) {
    if (t.revokedAt !== null) counts.revoked++
    else if (isExpired(t.expiresAt, now)) counts.expired++
    else counts.active++
  }
  return {
    path,
    settings: settings ?? { path: top, projectTokenCreation: 'enabled', updatedAt: null },
    projects: below,
    protections,
    tokens: counts,
  }
}

// Protecting and unprotecting branches and tags: every rule of the change,
// in one place. The CLI (and any later API) calls these; the store only
// records what they pass. Bad input is one sentence and changes nothing.
import { assertNever } from '../assert-never.js'
import { GitwardError } from '../errors.js'
import { checkRefPattern } from '../git/ref-pattern.js'
import { checkRepoPath, isWithinGroup } from '../git/repo-path.js'
import type { Actor } from '../model/audit.js'
import type { Project } from '../model/project.js'
import {
  DEFAULT_REF_ACCESS_LEVEL,
  isRefAccessLevel,
  REF_ACCESS_LEVELS,
  type ProtectedRef,
  type RefAccessLevel,
  type RefKind,
  type RuleOwner,
} from '../model/protection.js'
import type { Store } from '../store/store.js'
import { auditNote, protectionFacts } from './audit-facts.js'

export type { RefKind } from '../model/protection.js'

export interface ProtectRequest {
  refKind: RefKind
  /** A project path or a group path, as typed. */
  target: string
  pattern: string
  /** Who may push (branch) or create (tag), as typed; default maintainer. */
  level?: string | undefined
  /** Branches only. */
  allowForcePush?: boolean | undefined
}

/**
 * A path names a project when one is registered there, otherwise a group
 * when at least one registered project lies below it. (A path that is both
 * — `acme/app` and `acme/app/tool` registered — names the project.)
 */
export async function resolveRuleOwner(store: Pick<Store, 'listProjects'>, raw: string): Promise<RuleOwner> {
  const check = checkRepoPath(raw)
  if (!check.ok) throw new GitwardError('INVALID_PATH', `"${raw}" is not a valid project or group path: ${check.rule}.`)
  const path = check.path
  const projects = await store.listProjects()
  if (projects.some(p => p.path === path)) return { kind: 'project', path }
  if (projects.some(p => isWithinGroup(p.path, path))) return { kind: 'group', path }
  throw new GitwardError('NOT_FOUND', `no project or group "${path}" is registered; see gitward repo list.`)
}

export function requirePattern(raw: string, refKind: RefKind): string {
  const check = checkRefPattern(raw, refKind)
  if (!check.ok) throw new GitwardError('INVALID_ARGUMENT', `"${raw}" is not a valid ${refKind} name or pattern: ${check.rule}.`)
  return check.pattern
}

export function requireRefAccessLevel(raw: string | undefined, option: string): RefAccessLevel {
  if (raw === undefined) return DEFAULT_REF_ACCESS_LEVEL
  if (isRefAccessLevel(raw)) return raw
  throw new GitwardError('INVALID_ARGUMENT', `unknown role "${raw}" for ${option}; use one of ${REF_ACCESS_LEVELS.join(', ')}.`)
}

export async function protectRef(
  store: Store,
  request: ProtectRequest,
  actor: Actor,
): Promise<{ rule: ProtectedRef; created: boolean }> {
  // Every field is checked before anything is looked up or written.
  const pattern = requirePattern(request.pattern, request.refKind)
  const level = requireRefAccessLevel(request.level, request.refKind === 'branch' ? '--push' : '--create')
  if (request.refKind === 'tag' && request.allowForcePush === true) {
    throw new GitwardError('INVALID_ARGUMENT', '--allow-force-push applies to branches only; a protected tag is never moved.')
  }
  const owner = await resolveRuleOwner(store, request.target)
  const rule = { refKind: request.refKind, owner, pattern, level, allowForcePush: request.allowForcePush === true }
  const before = await store.findProtection(rule.refKind, owner, pattern)
  const facts = protectionFacts(rule)
  const written = await store.protectRef(
    rule,
    before === undefined
      ? auditNote(actor, 'ref.protected', owner.path, facts)
      : auditNote(actor, 'ref.protection_changed', owner.path, { ...facts, from: { level: before.level, ...(before.refKind === 'branch' ? { allowForcePush: before.allowForcePush } : {}) } }),
    before,
  )
  if (written.ok) return written.value
  switch (written.conflict) {
    case 'protection-changed':
      throw new GitwardError('ALREADY_EXISTS', `the protection of ${rule.refKind} "${pattern}" on ${owner.path} was changed by someone else meanwhile; run the command again.`)
    default:
      return assertNever(written.conflict, 'store conflict')
  }
}

const noSuchProtection = (refKind: RefKind, owner: RuleOwner, pattern: string): GitwardError =>
  new GitwardError('NOT_FOUND', `no protected ${refKind} "${pattern}" is set on the ${owner.kind} "${owner.path}"; see gitward protect list ${owner.path}.`)

export async function unprotectRef(
  store: Store,
  request: { refKind: RefKind; target: string; pattern: string },
  actor: Actor,
): Promise<ProtectedRef> {
  const pattern = requirePattern(request.pattern, request.refKind)
  const owner = await resolveRuleOwner(store, request.target)
  const existing = await store.findProtection(request.refKind, owner, pattern)
  if (existing === undefined) throw noSuchProtection(request.refKind, owner, pattern)
  const written = await store.unprotectRef(existing.id, auditNote(actor, 'ref.unprotected', owner.path, protectionFacts(existing)))
  if (written.ok) return written.value
  switch (written.conflict) {
    case 'protection-missing':
      throw noSuchProtection(request.refKind, owner, pattern)
    default:
      return assertNever(written.conflict, 'store conflict')
  }
}

export interface ProtectionListing {
  /** The project or group asked about; undefined for the whole server. */
  owner?: RuleOwner
  /** Its own rules and (for a project or group) those inherited from the groups above it. */
  rules: Array<ProtectedRef & { inherited: boolean }>
  /** A project's default branch and its protection. */
  project?: Pick<Project, 'path' | 'defaultBranch' | 'defaultBranchProtection'>
}

/** `protect list [<project-or-group>]`. */
export async function listProtections(store: Store, target?: string): Promise<ProtectionListing> {
  const all = await store.listProtectedRefs()
  if (target === undefined) return { rules: all.map(r => ({ ...r, inherited: false })) }
  const owner = await resolveRuleOwner(store, target)
  const applies = (r: ProtectedRef): boolean =>
    r.owner.kind === owner.kind && r.owner.path === owner.path
      ? true
      : r.owner.kind === 'group' && owner.path !== r.owner.path && isWithinGroup(owner.path, r.owner.path)
  const rules = all
    .filter(applies)
    .map(r => ({ ...r, inherited: !(r.owner.kind === owner.kind && r.owner.path === owner.path) }))
  if (owner.kind === 'group') return { owner, rules }
  const project = await store.findProject(owner.path)
  return {
    owner,
    rules,
    ...(project === undefined
      ? {}
      : { project: { path: project.path, defaultBranch: project.defaultBranch, defaultBranchProtection: project.defaultBranchProtection } }),
  }
}

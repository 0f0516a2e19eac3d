// Decides whether a push may update its refs: protected branches, protected
// tags, default-branch protection and per-token ref rules, with GitLab's
// semantics and wording. Pure: the policy (plain data) and the ref updates
// in, a verdict per ref out. Both enforcement points call it — the gate,
// from the command list alone (whether an update is a fast-forward is not
// known there), and the pre-receive hook, which knows it.
//
// Rules combine as in GitLab: when several rules match a branch, the most
// permissive one decides (a push is allowed when any matching rule lets the
// token's role push; a force-push when any such rule allows force-push).
// Deleting a protected branch by push is refused for everyone; a protected
// tag is never moved; deleting one needs a maintainer.
import { isWildcard, refPatternMatches } from '../git/ref-pattern.js'
import { roleAtLeast } from '../model/role.js'
import { roleMeetsLevel, type BranchRule, type RefAccessLevel, type RefPolicy, type RuleOwner, type TagRule } from './ref-rules.js'
import { assertNever } from '../assert-never.js'

export type RefChange = 'create' | 'update' | 'delete'

export interface RefUpdate {
  /** Full ref name, e.g. refs/heads/main. */
  ref: string
  change: RefChange
  /** Whether the new commit descends from the old one; undefined when not known (the gate). */
  fastForward?: boolean | undefined
}

export interface PushContext {
  /** Whether the repository has no refs at all before this push; undefined when not known. */
  repositoryEmpty?: boolean | undefined
}

export type RefRefusalCode =
  | 'token-refs'
  | 'branch-create'
  | 'branch-push'
  | 'branch-force-push'
  | 'branch-delete'
  | 'tag-create'
  | 'tag-update'
  | 'tag-delete'

export type RefVerdict =
  | { ref: string; allow: true }
  | {
      ref: string
      allow: false
      code: RefRefusalCode
      /** The whole explanation, GitLab's sentence naming the ref and the rule. */
      message: string
      /** A few words for git's `! [remote rejected] <ref> (<reason>)`. */
      reason: string
    }

export type PushVerdict =
  | { allow: true; verdicts: RefVerdict[] }
  | { allow: false; verdicts: RefVerdict[]; messages: string[] }

/** The reason given to the refs of a refused push that were not refused themselves. */
export const REFUSED_WITH_OTHERS = 'push refused as a whole: another ref was refused'

const SENTENCES: Readonly<Record<RefRefusalCode, { message: string; reason: string }>> = {
  'token-refs': { message: 'This token is not allowed to push to this ref.', reason: 'ref not allowed for this token' },
  'branch-create': {
    message: 'You are not allowed to create protected branches on this project.',
    reason: 'protected branch: create not allowed',
  },
  'branch-push': {
    message: 'You are not allowed to push code to protected branches on this project.',
    reason: 'protected branch: push not allowed',
  },
  'branch-force-push': {
    message: 'You are not allowed to force push code to a protected branch on this project.',
    reason: 'protected branch: force push not allowed',
  },
  'branch-delete': {
    message: 'You are not allowed to delete protected branches from this project; unprotect the branch first.',
    reason: 'protected branch: delete not allowed',
  },
  'tag-create': { message: 'You are not allowed to create this tag as it is protected.', reason: 'protected tag: create not allowed' },
  'tag-update': { message: 'Protected tags cannot be updated.', reason: 'protected tag: update not allowed' },
  'tag-delete': {
    message:
      'You are not allowed to delete protected tags from this project. Only a project maintainer or owner can delete a protected tag.',
    reason: 'protected tag: delete not allowed',
  },
}

const HEADS = 'refs/heads/'
const TAGS = 'refs/tags/'

/** The change a command makes, from its old and new object ids. */
export function refChangeOf(oldIsZero: boolean, newIsZero: boolean): RefChange {
  if (oldIsZero) return 'create'
  if (newIsZero) return 'delete'
  return 'update'
}

/** A matching rule, with what the refusal names it by. */
interface Matched<R> {
  rule: R
  label: string
}

function ownerLabel(owner: RuleOwner): string {
  return owner.kind === 'group' ? ` of group ${owner.path}` : ''
}

// Refusals name the most specific rule: the project's own before a group's,
// a deeper group before a higher one, an exact name before a glob.
function specificity(owner: RuleOwner, pattern: string): number {
  const depth = owner.path.split('/').length
  return (owner.kind === 'project' ? 1000 : 0) + depth * 2 + (isWildcard(pattern) ? 0 : 1)
}

function bySpecificity<R extends { owner: RuleOwner; pattern: string }>(rules: Array<Matched<R>>): Array<Matched<R>> {
  return rules.sort((a, b) => specificity(b.rule.owner, b.rule.pattern) - specificity(a.rule.owner, a.rule.pattern))
}

/** The branch rules that apply to `name`, the default-branch rule included. */
function branchRules(policy: RefPolicy, name: string, change: RefChange, context: PushContext): Array<Matched<Pick<BranchRule, 'push' | 'allowForcePush'>>> {
  const matched: Array<Matched<Pick<BranchRule, 'push' | 'allowForcePush'>>> = bySpecificity(
    policy.branches
      .filter(r => refPatternMatches(r.pattern, name))
      .map(rule => ({ rule, label: `rule "${rule.pattern}"${ownerLabel(rule.owner)}` })),
  )
  const def = policy.defaultBranch
  if (def !== null && def.name === name && def.protection !== 'none') {
    let push: RefAccessLevel = def.protection === 'developers_can_push' ? 'developer' : 'maintainer'
    // The first push into an empty repository creates the default branch;
    // `full_after_initial_push` lets anyone who may push make it. When the
    // gate cannot tell whether the repository is empty it lets the create
    // through and the pre-receive hook, which can, decides.
    if (def.protection === 'full_after_initial_push' && change === 'create' && context.repositoryEmpty !== false) {
      push = 'developer'
    }
    matched.push({ rule: { push, allowForcePush: false }, label: `default branch protection "${def.protection}"` })
  }
  return matched
}

function tagRules(policy: RefPolicy, name: string): Array<Matched<TagRule>> {
  return bySpecificity(
    policy.tags
      .filter(r => refPatternMatches(r.pattern, name))
      .map(rule => ({ rule, label: `rule "${rule.pattern}"${ownerLabel(rule.owner)}` })),
  )
}

function refuse(ref: string, shown: string, code: RefRefusalCode, label: string): RefVerdict {
  const s = SENTENCES[code]
  return { ref, allow: false, code, message: `${s.message} (${shown}, ${label})`, reason: s.reason }
}

/** The verdict on one ref update. */
export function decideRefUpdate(policy: RefPolicy, update: RefUpdate, context: PushContext = {}): RefVerdict {
  const { ref, change } = update
  const allow: RefVerdict = { ref, allow: true }

  // A token limited to some refs may create, update or delete only those.
  if (policy.tokenRefs !== null && !policy.tokenRefs.some(p => refPatternMatches(p, ref))) {
    return refuse(ref, ref, 'token-refs', `token refs "${policy.tokenRefs.join(',')}"`)
  }

  if (ref.startsWith(HEADS)) {
    const name = ref.slice(HEADS.length)
    const rules = branchRules(policy, name, change, context)
    const first = rules[0]
    if (first === undefined) return allow
    if (change === 'delete') return refuse(ref, name, 'branch-delete', first.label)
    const permitted = rules.filter(m => roleMeetsLevel(policy.role, m.rule.push))
    if (permitted.length === 0) return refuse(ref, name, change === 'create' ? 'branch-create' : 'branch-push', first.label)
    if (change === 'update' && update.fastForward === false && !permitted.some(m => m.rule.allowForcePush)) {
      return refuse(ref, name, 'branch-force-push', (permitted[0] ?? first).label)
    }
    return allow
  }

  if (ref.startsWith(TAGS)) {
    const name = ref.slice(TAGS.length)
    const rules = tagRules(policy, name)
    const first = rules[0]
    if (first === undefined) return allow
    switch (change) {
      case 'create':
        return rules.some(m => roleMeetsLevel(policy.role, m.rule.create)) ? allow : refuse(ref, name, 'tag-create', first.label)
      case 'update':
        return refuse(ref, name, 'tag-update', first.label)
      case 'delete':
        return roleAtLeast(policy.role, 'maintainer') ? allow : refuse(ref, name, 'tag-delete', first.label)
      default:
        assertNever(change, 'ref change')
    }
  }
  // Other refs (notes, custom namespaces) are protected only by token rules.
  return allow
}

/**
 * The verdict on a whole push. One refused ref refuses the push, as GitLab
 * does, so a push is never half applied; the other refs are then rejected
 * with REFUSED_WITH_OTHERS.
 */
export function decidePush(policy: RefPolicy, updates: readonly RefUpdate[], context: PushContext = {}): PushVerdict {
  const verdicts = updates.map(u => decideRefUpdate(policy, u, context))
  const messages = verdicts.flatMap(v => (v.allow ? [] : [v.message]))
  if (messages.length === 0) return { allow: true, verdicts }
  return { allow: false, verdicts, messages }
}

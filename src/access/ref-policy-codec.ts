// The decision inputs of one push, as they travel from the gate to gitward's
// pre-receive hook: the gate writes them into the x-gitward-ref-policy
// header, the embedded backend (or an nginx/Apache upstream) passes the
// header on as GITWARD_REF_POLICY, the hook reads it. base64url of JSON, so
// the value is one token of [A-Za-z0-9_-] that no CGI layer rewrites.
//
// The hook trusts this value as it trusts REMOTE_USER: only the gate can
// set it (the gate builds every upstream header from an allow-list, so a
// client's own copy never gets through). Decoding still checks every field
// and refuses the push on anything unexpected, so a broken upstream
// configuration fails closed instead of protecting nothing.
import { isDefaultBranchProtection, isRefAccessLevel, type BranchRule, type RefPolicy, type RuleOwner, type TagRule } from './ref-rules.js'
import { isRole } from '../model/role.js'

export const REF_POLICY_HEADER = 'x-gitward-ref-policy'
/** The environment variable the hook reads the policy from. */
export const REF_POLICY_ENV = 'GITWARD_REF_POLICY'
/** Longest encoded policy accepted; far above any real set of rules. */
export const MAX_REF_POLICY_LENGTH = 64 * 1024
export const REF_POLICY_FORM = /^[A-Za-z0-9_-]+$/

export interface PushPolicy {
  /** The token that pushes (its public id, never the secret). */
  tokenId: string
  policy: RefPolicy
  /**
   * Whether the gate left anything for the hook (a possible force-push, a
   * possible first push). The embedded backend runs gitward's hook only then;
   * an upstream's installed hook checks every push it is given.
   */
  check: boolean
}

export function encodeRefPolicy(value: PushPolicy): string {
  const p = value.policy
  const compact = {
    v: 1,
    c: value.check ? 1 : 0,
    t: value.tokenId,
    r: p.role,
    k: p.tokenRefs,
    b: p.branches.map(b => [b.owner.kind, b.owner.path, b.pattern, b.push, b.allowForcePush ? 1 : 0]),
    g: p.tags.map(g => [g.owner.kind, g.owner.path, g.pattern, g.create]),
    d: p.defaultBranch === null ? null : [p.defaultBranch.name, p.defaultBranch.protection],
  }
  return Buffer.from(JSON.stringify(compact), 'utf8').toString('base64url')
}

const isString = (v: unknown): v is string => typeof v === 'string' && v !== ''
const ownerOf = (kind: unknown, path: unknown): RuleOwner | undefined =>
  (kind === 'project' || kind === 'group') && isString(path) ? { kind, path } : undefined

/** The policy, or undefined when the value is not one the gate wrote. */
export function decodeRefPolicy(raw: string | undefined): PushPolicy | undefined {
  if (raw === undefined || raw.length > MAX_REF_POLICY_LENGTH || !REF_POLICY_FORM.test(raw)) return undefined
  let c: unknown
  try {
    c = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'))
  } catch {
    return undefined
  }
  if (typeof c !== 'object' || c === null) return undefined
  const o = c as Record<string, unknown>
  if (o['v'] !== 1 || (o['c'] !== 0 && o['c'] !== 1) || !isString(o['t']) || typeof o['r'] !== 'string' || !isRole(o['r'])) return undefined
  const k = o['k']
  let tokenRefs: string[] | null = null
  if (k !== null) {
    if (!Array.isArray(k) || k.length === 0 || !k.every(isString)) return undefined
    tokenRefs = k
  }
  const b = o['b']
  const g = o['g']
  if (!Array.isArray(b) || !Array.isArray(g)) return undefined
  const branches: BranchRule[] = []
  for (const e of b as unknown[]) {
    if (!Array.isArray(e) || e.length !== 5) return undefined
    const [kind, path, pattern, push, force] = e as unknown[]
    const owner = ownerOf(kind, path)
    if (owner === undefined || !isString(pattern) || typeof push !== 'string' || !isRefAccessLevel(push) || (force !== 0 && force !== 1)) return undefined
    branches.push({ owner, pattern, push, allowForcePush: force === 1 })
  }
  const tags: TagRule[] = []
  for (const e of g as unknown[]) {
    if (!Array.isArray(e) || e.length !== 4) return undefined
    const [kind, path, pattern, create] = e as unknown[]
    const owner = ownerOf(kind, path)
    if (owner === undefined || !isString(pattern) || typeof create !== 'string' || !isRefAccessLevel(create)) return undefined
    tags.push({ owner, pattern, create })
  }
  const d = o['d']
  let defaultBranch: RefPolicy['defaultBranch'] = null
  if (d !== null) {
    if (!Array.isArray(d) || d.length !== 2) return undefined
    const [name, protection] = d as unknown[]
    if (!isString(name) || typeof protection !== 'string' || !isDefaultBranchProtection(protection)) return undefined
    defaultBranch = { name, protection }
  }
  return { tokenId: o['t'], check: o['c'] === 1, policy: { role: o['r'], tokenRefs, branches, tags, defaultBranch } }
}

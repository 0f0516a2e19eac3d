// Token management delegated to tokens themselves: what the HTTP API calls.
// Each use case loads the calling token, resolves what the path names,
// applies the rules of delegated-grant.ts and then goes through the very
// same mint, rotate and revoke use cases as the CLI (passed in bound by the
// facade, so the lifetime policy, the creation switch and the audit trail
// are the CLI's). The audit actor is the calling token: `token:<id>`.
import type { Clock } from '../clock.js'
import { GitwardError } from '../errors.js'
import { checkRepoPath } from '../git/repo-path.js'
import type { Actor } from '../model/audit.js'
import { isExpired } from '../model/dates.js'
import type { Project } from '../model/project.js'
import type { Role } from '../model/role.js'
import type { TokenRecord } from '../model/token.js'
import type { Store, TokenFilter } from '../store/store.js'
import { botUserNumbers } from './bot-user.js'
import {
  defaultMintExpiry,
  defaultRotationExpiry,
  requireGrantWithin,
  requireManage,
  requireRead,
  requireManageScope,
  requireReadScope,
  requireSelfRotate,
  ROTATION_DEFAULT_DAYS,
  type ApiTarget,
  type Caller,
} from './delegated-grant.js'
import { expiryFromInput } from './expiry-date.js'
import { requireRole, requireScopeList } from './grant-input.js'
import { groupNumber } from './group-number.js'
import { enclosingGroups } from './list-tokens.js'
import type { MintRequest, Minted } from './mint-token.js'
import type { RotateRequest } from './rotate-token.js'

/** A project or group as a URL names it: a number, or a path. */
export type TargetRef = { kind: 'project'; ref: string } | { kind: 'group'; ref: string }
/** A token as a URL names it under a target: its number, or `self`. */
export type TokenRef = number | 'self'
export type TokenState = 'active' | 'inactive'

export interface DelegatedDeps {
  store: Pick<Store, 'findToken' | 'findProject' | 'listProjects' | 'listTokens'>
  clock: Clock
  /** The facade's own use cases (the CLI's), bound to their dependencies. */
  mintToken(request: MintRequest, actor: Actor): Promise<Minted>
  rotateToken(request: RotateRequest, actor: Actor): Promise<Minted>
  revokeToken(id: string, actor: Actor): Promise<TokenRecord>
}

export interface MintByToken {
  name: string
  scopes: readonly string[]
  role: Role
  /** YYYY-MM-DD as sent; undefined = the default (delegated-grant.ts). */
  expiresAt?: string | undefined
  description?: string | undefined
}

export interface DelegatedAdmin {
  /** The calling token's record, if it is still good (UNAUTHENTICATED otherwise). */
  caller(callerId: string): Promise<TokenRecord>
  project(callerId: string, ref: string): Promise<Project>
  group(callerId: string, ref: string): Promise<{ path: string; number: number }>
  listTokens(callerId: string, target: TargetRef, state?: TokenState): Promise<TokenRecord[]>
  /** Each token's bot user number: the first token of its rotation chain (bot-user.ts). */
  botUsers(tokens: readonly TokenRecord[]): Promise<Map<string, number>>
  showToken(callerId: string, target: TargetRef | null, token: TokenRef): Promise<TokenRecord>
  mintToken(callerId: string, target: TargetRef, request: MintByToken): Promise<Minted>
  /** `target` null: the self endpoints (/personal_access_tokens/self). */
  rotateToken(callerId: string, target: TargetRef | null, token: TokenRef, expiresAt?: string): Promise<Minted>
  revokeToken(callerId: string, target: TargetRef | null, token: TokenRef): Promise<TokenRecord>
}

const actorFor = (caller: Caller): Actor => ({ user: `token:${caller.id}` })
const tokenNotFound = (): GitwardError => new GitwardError('NOT_FOUND', 'Token Not Found')
const projectNotFound = (): GitwardError => new GitwardError('NOT_FOUND', 'Project Not Found')
const groupNotFound = (): GitwardError => new GitwardError('NOT_FOUND', 'Group Not Found')

export const isActive = (token: Pick<TokenRecord, 'revokedAt' | 'expiresAt'>, nowMs: number): boolean =>
  token.revokedAt === null && !isExpired(token.expiresAt, nowMs)

const sameTarget = (token: Pick<TokenRecord, 'target'>, target: ApiTarget): boolean =>
  target.kind === 'project'
    ? token.target.kind === 'project' && token.target.projectId === target.project.id
    : token.target.kind === 'group' && token.target.path === target.path

export function createDelegatedAdmin(deps: DelegatedDeps): DelegatedAdmin {
  const { store, clock } = deps

  async function caller(callerId: string): Promise<TokenRecord> {
    const token = await store.findToken(callerId)
    // Revoked or expired since the gate checked it: as if never presented.
    if (token === undefined || !isActive(token, clock.now())) throw new GitwardError('UNAUTHENTICATED', '401 Unauthorized')
    return token
  }

  /** A numeric id or a canonical path; anything else is simply not found (404, never 400: ids are probed). */
  async function findProject(ref: string): Promise<Project> {
    if (/^[1-9][0-9]{0,15}$/.test(ref)) {
      const id = Number(ref)
      const found = (await store.listProjects()).find(p => p.id === id)
      if (found === undefined) throw projectNotFound()
      return found
    }
    const check = checkRepoPath(ref)
    const project = check.ok ? await store.findProject(check.path) : undefined
    if (project === undefined) throw projectNotFound()
    return project
  }

  /**
   * A group by path, or by its derived number among the groups gitward
   * knows (those above a registered project, and those with tokens).
   */
  async function findGroup(ref: string): Promise<string> {
    if (/^[1-9][0-9]{0,9}$/.test(ref)) {
      const n = Number(ref)
      const known = new Set<string>()
      for (const p of await store.listProjects()) for (const g of enclosingGroups(p.path)) known.add(g)
      for (const t of await store.listTokens({ includeRevoked: true })) if (t.target.kind === 'group') known.add(t.target.path)
      const matches = [...known].filter(g => groupNumber(g) === n)
      // Two groups with one number: refuse both rather than pick one.
      if (matches.length !== 1) throw groupNotFound()
      return matches[0] as string
    }
    const check = checkRepoPath(ref)
    if (!check.ok) throw groupNotFound()
    return check.path
  }

  async function resolve(target: TargetRef): Promise<ApiTarget> {
    return target.kind === 'project'
      ? { kind: 'project', project: await findProject(target.ref) }
      : { kind: 'group', path: await findGroup(target.ref) }
  }

  /** The target's own tokens (not those of the groups above it or the projects below), revoked included, by number. */
  async function tokensOf(target: ApiTarget): Promise<TokenRecord[]> {
    const tokens =
      target.kind === 'project'
        ? await store.listTokens({ project: target.project.path, includeRevoked: true })
        : await store.listTokens({ group: target.path, includeRevoked: true })
    return tokens.filter(t => sameTarget(t, target)).sort((a, b) => a.number - b.number)
  }

  async function botUsers(tokens: readonly TokenRecord[]): Promise<Map<string, number>> {
    // Rotation keeps the target, so a chain lies within its tokens' targets;
    // only rotated tokens need them read.
    const filters = new Map<string, TokenFilter>()
    for (const t of tokens) {
      if (t.rotatedFrom === null) continue
      const filter: TokenFilter = t.target.kind === 'project' ? { project: t.target.path, includeRevoked: true } : { group: t.target.path, includeRevoked: true }
      filters.set(`${t.target.kind}:${t.target.path}`, filter)
    }
    const known: TokenRecord[] = []
    for (const filter of filters.values()) known.push(...(await store.listTokens(filter)))
    return botUserNumbers(tokens, known)
  }

  async function tokenIn(target: ApiTarget, number: number): Promise<TokenRecord> {
    const found = (await tokensOf(target)).find(t => t.number === number)
    if (found === undefined) throw tokenNotFound()
    return found
  }

  /** `self` under a project or group path: the caller, if it belongs to exactly that target. */
  function selfIn(me: TokenRecord, target: ApiTarget): TokenRecord {
    if (!sameTarget(me, target)) throw tokenNotFound()
    return me
  }

  /** Reading: the scope before any lookup, then the target (not found unless covered). */
  async function readTarget(me: Caller, target: TargetRef): Promise<ApiTarget> {
    requireReadScope(me)
    const resolved = await resolve(target)
    requireRead(me, resolved)
    return resolved
  }

  /** Managing: what needs no lookup first, then the target, the reach and the role. */
  async function manageTarget(me: Caller, target: TargetRef): Promise<ApiTarget> {
    requireManageScope(me, target.kind)
    const resolved = await resolve(target)
    requireManage(me, resolved)
    return resolved
  }

  return {
    caller,
    botUsers,

    project: async (callerId, ref) => {
      const me = await caller(callerId)
      const target = await readTarget(me, { kind: 'project', ref })
      if (target.kind !== 'project') throw projectNotFound()
      return target.project
    },

    group: async (callerId, ref) => {
      const me = await caller(callerId)
      const target = await readTarget(me, { kind: 'group', ref })
      if (target.kind !== 'group') throw groupNotFound()
      return { path: target.path, number: groupNumber(target.path) }
    },

    listTokens: async (callerId, target, state) => {
      const me = await caller(callerId)
      const resolved = await readTarget(me, target)
      const now = clock.now()
      const tokens = await tokensOf(resolved)
      return state === undefined ? tokens : tokens.filter(t => isActive(t, now) === (state === 'active'))
    },

    showToken: async (callerId, target, token) => {
      const me = await caller(callerId)
      if (target === null) {
        if (token !== 'self') throw tokenNotFound()
        return me
      }
      if (token === 'self') return selfIn(me, await resolve(target))
      return tokenIn(await readTarget(me, target), token)
    },

    mintToken: async (callerId, target, request) => {
      const me = await caller(callerId)
      const resolved = await manageTarget(me, target)
      const role = requireRole(request.role)
      const scopes = requireScopeList(request.scopes)
      const expiresAt = request.expiresAt === undefined ? defaultMintExpiry(me) : expiryFromInput(request.expiresAt, clock.now())
      // No date and a caller without one: the lifetime policy of mint-token
      // decides (max_token_lifetime_days), exactly as for the CLI.
      requireGrantWithin(me, { role, scopes, expiresAt: expiresAt ?? null })
      return deps.mintToken(
        {
          name: request.name,
          target: resolved.kind === 'project' ? { kind: 'project', path: resolved.project.path } : { kind: 'group', path: resolved.path },
          role,
          scopes,
          expiresAt: expiresAt ?? null,
          ...(request.description === undefined ? {} : { description: request.description }),
        },
        actorFor(me),
      )
    },

    rotateToken: async (callerId, target, token, expiresAt) => {
      const me = await caller(callerId)
      const now = clock.now()
      let subject: TokenRecord
      let self: boolean
      if (token === 'self') {
        subject = target === null ? me : selfIn(me, await resolve(target))
        self = true
        requireSelfRotate(me)
      } else {
        if (target === null) throw tokenNotFound()
        subject = await tokenIn(await manageTarget(me, target), token)
        self = subject.id === me.id
      }
      if (!isActive(subject, now)) {
        throw new GitwardError('INVALID_ARGUMENT', `the token ${subject.number} is ${subject.revokedAt === null ? 'expired' : 'revoked'} and cannot be rotated.`)
      }
      // A token renewing itself extends its own life (within the lifetime
      // policy); a token renewing another stays within its own grant, or
      // it could mint itself a stronger secret by rotation.
      if (expiresAt !== undefined) {
        if (!self) requireGrantWithin(me, { role: subject.role, scopes: subject.scopes, expiresAt: expiryFromInput(expiresAt, now) })
        return deps.rotateToken({ id: subject.id, expires: expiresAt }, actorFor(me))
      }
      // GitLab's default: a week out (capped by the lifetime policy in
      // rotate-token), and never past the caller's own expiry for another token.
      const week = defaultRotationExpiry(now, null)
      const capped = self ? week : defaultRotationExpiry(now, me.expiresAt)
      if (!self) requireGrantWithin(me, { role: subject.role, scopes: subject.scopes, expiresAt: capped })
      return deps.rotateToken(
        capped === week ? { id: subject.id, defaultLifetimeDays: ROTATION_DEFAULT_DAYS } : { id: subject.id, expires: capped },
        actorFor(me),
      )
    },

    revokeToken: async (callerId, target, token) => {
      const me = await caller(callerId)
      let subject: TokenRecord
      if (token === 'self') subject = target === null ? me : selfIn(me, await resolve(target))
      else {
        if (target === null) throw tokenNotFound()
        subject = await tokenIn(await manageTarget(me, target), token)
      }
      return deps.revokeToken(subject.id, actorFor(me))
    },
  }
}


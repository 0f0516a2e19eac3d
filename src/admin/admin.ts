// The administrative use cases bound to their dependencies: what the CLI
// (and the HTTP API) call, and the only way they reach the store. Each
// method is one use case module of this folder; this file only wires them.
import type { Hasher } from '../auth/hasher.js'
import type { RandomBytes } from '../auth/token-format.js'
import type { Clock } from '../clock.js'
import { isWithinGroup } from '../git/repo-path.js'
import type { Logger } from '../log/logger.js'
import type { Actor, AuditEntry } from '../model/audit.js'
import type { Project } from '../model/project.js'
import type { ProtectedRef } from '../model/protection.js'
import type { TokenDetails, TokenRecord } from '../model/token.js'
import type { RunGit } from '../repo/run-git.js'
import type { Store } from '../store/store.js'
import { createProject, type CreatedProject, type CreateProjectRequest } from './create-project.js'
import { createDelegatedAdmin, type DelegatedAdmin } from './delegated-tokens.js'
import { requireToken } from './find-token.js'
import { setProjectTokenCreation, type GroupSettingsChange, type ProjectTokenCreationRequest } from './group-settings.js'
import { listGroups, showGroup, type GroupDetails, type GroupSummary } from './group-overview.js'
import { setProjectVisibility, type SetVisibilityRequest, type VisibilityChange } from './project-visibility.js'
import { setProjectArchived, type ArchiveChange } from './archive-project.js'
import { removeProject, type RemovedProject, type RemoveProjectRequest } from './remove-project.js'
import { listTokens, withAddresses, type ListTokensRequest } from './list-tokens.js'
import { mintToken, type Minted, type MintRequest } from './mint-token.js'
import { listProtections, protectRef, unprotectRef, type ProtectionListing, type ProtectRequest, type RefKind } from './protect-ref.js'
import { revokeToken } from './revoke-token.js'
import { rotateToken, type RotateRequest } from './rotate-token.js'
import { requirePath } from './target-path.js'
import { tokenExpiryReport, type TokenExpiryReport } from './token-report.js'

export interface AdminDeps {
  store: Store
  clock: Clock
  random: RandomBytes
  /** Built on first use: listing tokens needs no bcrypt. */
  hasher: () => Hasher
  tokenPrefix: string
  /** max_token_lifetime_days: the longest a new token may live, in days; 0 = no limit. */
  maxTokenLifetimeDays: number
  /** Absolute repositories root, or null to register projects without creating repositories. */
  reposRoot: string | null
  defaultBranch: string
  /** default_branch_protection from the config (checked when a project is created). */
  defaultBranchProtection: string
  runGit: RunGit
  logger?: Logger
}

export interface Admin {
  createProject(request: CreateProjectRequest, actor: Actor): Promise<CreatedProject>
  listProjects(): Promise<Project[]>
  setProjectVisibility(request: SetVisibilityRequest, actor: Actor): Promise<VisibilityChange>
  removeProject(request: RemoveProjectRequest, actor: Actor): Promise<RemovedProject>
  /** Archive (pushes refused, pulls served) or unarchive a project. */
  setProjectArchived(request: { path: string; archived: boolean }, actor: Actor): Promise<ArchiveChange>
  /** Whether any registered project lies under `group` (at a segment boundary). */
  hasProjectsUnder(group: string): Promise<boolean>
  mintToken(request: MintRequest, actor: Actor): Promise<Minted>
  /** With each token's recent client addresses. */
  listTokens(request: ListTokensRequest): Promise<TokenDetails[]>
  showToken(id: string): Promise<TokenDetails>
  /** Active tokens expiring within `withinDays` days, and those that never expire. */
  reportTokenExpiry(request: { withinDays: number }): Promise<TokenExpiryReport>
  revokeToken(id: string, actor: Actor): Promise<TokenRecord>
  rotateToken(request: RotateRequest, actor: Actor): Promise<Minted>
  setProjectTokenCreation(request: ProjectTokenCreationRequest, actor: Actor): Promise<GroupSettingsChange>
  listGroups(): Promise<GroupSummary[]>
  showGroup(group: string): Promise<GroupDetails>
  protectRef(request: ProtectRequest, actor: Actor): Promise<{ rule: ProtectedRef; created: boolean }>
  unprotectRef(request: { refKind: RefKind; target: string; pattern: string }, actor: Actor): Promise<ProtectedRef>
  listProtections(target?: string): Promise<ProtectionListing>
  listAudit(): Promise<AuditEntry[]>
  /** Token management by tokens themselves (the HTTP API), through the use cases above. */
  readonly delegated: DelegatedAdmin
}

export function createAdmin(deps: AdminDeps): Admin {
  const { store } = deps
  const mintDeps = () => ({
    store,
    hasher: deps.hasher(),
    random: deps.random,
    tokenPrefix: deps.tokenPrefix,
    clock: deps.clock,
    maxTokenLifetimeDays: deps.maxTokenLifetimeDays,
  })
  const admin: Omit<Admin, 'delegated'> = {
    createProject: (request, actor) =>
      createProject(
        {
          store,
          reposRoot: deps.reposRoot,
          defaultBranch: deps.defaultBranch,
          defaultBranchProtection: deps.defaultBranchProtection,
          runGit: deps.runGit,
          ...(deps.logger === undefined ? {} : { logger: deps.logger }),
        },
        request,
        actor,
      ),
    listProjects: () => store.listProjects(),
    setProjectVisibility: (request, actor) => setProjectVisibility({ store }, request, actor),
    setProjectArchived: (request, actor) => setProjectArchived({ store }, request, actor),
    removeProject: (request, actor) => removeProject({ store, clock: deps.clock, reposRoot: deps.reposRoot }, request, actor),
    hasProjectsUnder: async group => {
      const path = requirePath(group, 'group')
      return (await store.listProjects()).some(p => isWithinGroup(p.path, path))
    },
    mintToken: (request, actor) => mintToken(mintDeps(), request, actor),
    listTokens: request => listTokens({ store, clock: deps.clock }, request),
    showToken: async id => {
      const [details] = await withAddresses(store, [await requireToken(store, id)])
      if (details === undefined) throw new Error('a token just read has no details')
      return details
    },
    reportTokenExpiry: request => tokenExpiryReport({ store, clock: deps.clock }, request),
    revokeToken: (id, actor) => revokeToken({ store }, { id }, actor),
    rotateToken: (request, actor) => rotateToken(mintDeps(), request, actor),
    setProjectTokenCreation: (request, actor) => setProjectTokenCreation({ store }, request, actor),
    listGroups: () => listGroups(store),
    showGroup: group => showGroup({ store, clock: deps.clock }, group),
    protectRef: (request, actor) => protectRef(store, request, actor),
    unprotectRef: (request, actor) => unprotectRef(store, request, actor),
    listProtections: target => listProtections(store, target),
    listAudit: () => store.listAudit(),
  }
  return {
    ...admin,
    delegated: createDelegatedAdmin({
      store,
      clock: deps.clock,
      mintToken: admin.mintToken,
      rotateToken: admin.rotateToken,
      revokeToken: admin.revokeToken,
    }),
  }
}

// Rows for store-level tests, written straight through the Store (no admin
// rules), with a placeholder audit entry.
import type { AuditAction, AuditNote } from '../../../src/model/audit.js'
import type { Project } from '../../../src/model/project.js'
import type { NewToken, TokenRecord } from '../../../src/model/token.js'
import type { Visibility } from '../../../src/model/visibility.js'
import type { Conflict, Store, Written } from '../../../src/store/store.js'

export const note = (action: AuditAction = 'token.created', target = 'x', user = 'test'): AuditNote => ({
  actor: { user },
  action,
  target,
  details: {},
})

/** The value of a write that must have succeeded. */
export function written<T>(w: Written<T, Conflict>): T {
  if (!w.ok) throw new Error(`unexpected conflict: ${w.conflict}`)
  return w.value
}

/** A project as 0.1 registered them: no default branch recorded, unprotected. */
export async function addProject(store: Store, path: string, visibility: Visibility = 'private'): Promise<Project> {
  return written(await store.createProject({ path, visibility, defaultBranch: null, defaultBranchProtection: 'none' }, note('project.created', path)))
}

export const HASH = '$2b$04$abcdefghijklmnopqrstuuJ6pM1dVxO3rLk3Ee1iW8V3FJm1o9r7e'

let n = 0
/** A token row for `project` (or pass a target); a fresh id each call. */
export function newToken(project: Project | null, over: Partial<NewToken> = {}): NewToken {
  return {
    id: `tok${String(n++).padStart(9, '0')}`,
    name: 'ci',
    target: project === null ? { kind: 'group', path: 'acme' } : { kind: 'project', projectId: project.id, path: project.path },
    role: 'developer',
    scopes: ['read_repository'],
    secretHash: HASH,
    expiresAt: null,
    ...over,
  }
}

export async function addToken(store: Store, token: NewToken): Promise<TokenRecord> {
  return written(await store.createToken(token, note('token.created', token.id)))
}

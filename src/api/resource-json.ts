// gitward's records in GitLab's JSON shapes (REST v4): what typed clients
// (python-gitlab, go-gitlab, Terraform) parse. Pure.
import { isExpired } from '../model/dates.js'
import type { Project } from '../model/project.js'
import { ROLE_LEVEL } from '../model/role.js'
import type { TokenRecord } from '../model/token.js'

/** GitLab's date-time form for a stored ISO timestamp (already UTC). */
const time = (t: string | null): string | null => t

/**
 * An access token. `id` is the integer GitLab clients expect (the token's
 * number); gitward's own public id is `gitward_id`. `user_id` stands for the
 * token's bot user, which rotation keeps: the number of the first token of
 * its rotation chain (admin/bot-user.ts).
 */
export function tokenJson(token: TokenRecord, botUser: number, nowMs: number, secret?: string): Record<string, unknown> {
  const revoked = token.revokedAt !== null
  return {
    id: token.number,
    gitward_id: token.id,
    name: token.name,
    description: token.description,
    revoked,
    created_at: time(token.createdAt),
    scopes: token.scopes,
    user_id: botUser,
    last_used_at: time(token.lastUsedAt),
    active: !revoked && !isExpired(token.expiresAt, nowMs),
    expires_at: token.expiresAt,
    access_level: ROLE_LEVEL[token.role],
    ...(token.target.kind === 'project' ? { project_path: token.target.path } : { group_path: token.target.path }),
    ...(secret === undefined ? {} : { token: secret }),
  }
}

const lastSegment = (path: string): string => path.slice(path.lastIndexOf('/') + 1)
const parent = (path: string): string | null => (path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : null)

export function projectJson(project: Project, baseUrl: string, groupNumber: (path: string) => number): Record<string, unknown> {
  const namespace = parent(project.path)
  return {
    id: project.id,
    name: lastSegment(project.path),
    path: lastSegment(project.path),
    name_with_namespace: project.path.split('/').join(' / '),
    path_with_namespace: project.path,
    description: null,
    visibility: project.visibility,
    default_branch: project.defaultBranch,
    created_at: time(project.createdAt),
    archived: project.archivedAt !== null,
    http_url_to_repo: `${baseUrl}/${project.path}.git`,
    web_url: `${baseUrl}/${project.path}`,
    namespace:
      namespace === null
        ? null
        : { id: groupNumber(namespace), name: lastSegment(namespace), path: lastSegment(namespace), kind: 'group', full_path: namespace },
  }
}

export function groupJson(path: string, baseUrl: string, groupNumber: (path: string) => number): Record<string, unknown> {
  const up = parent(path)
  return {
    id: groupNumber(path),
    name: lastSegment(path),
    path: lastSegment(path),
    full_name: path.split('/').join(' / '),
    full_path: path,
    parent_id: up === null ? null : groupNumber(up),
    visibility: 'private',
    web_url: `${baseUrl}/${path}`,
  }
}

// The public face of a protection, for --json and the tables (protect, group show).
import type { ProtectedRef } from '../model/protection.js'

export function protectionView(r: ProtectedRef & { inherited?: boolean }): Record<string, unknown> {
  return {
    kind: r.refKind,
    pattern: r.pattern,
    [r.owner.kind]: r.owner.path,
    ...(r.refKind === 'branch' ? { push: r.level, allow_force_push: r.allowForcePush } : { create: r.level }),
    ...(r.inherited === undefined ? {} : { inherited: r.inherited }),
    created_at: r.createdAt,
    updated_at: r.updatedAt,
  }
}

/** "push: maintainer" or "create: developer". */
export const protectionWho = (r: ProtectedRef): string => (r.refKind === 'branch' ? `push: ${r.level}` : `create: ${r.level}`)

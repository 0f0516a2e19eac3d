// What the audit trail records about a token (never the secret or its hash)
// and about a protection.
import type { Actor, AuditAction, AuditNote } from '../model/audit.js'
import type { NewProtectedRef } from '../model/protection.js'
import type { TokenRecord } from '../model/token.js'

type TokenFacts = Pick<TokenRecord, 'name' | 'target' | 'role' | 'scopes' | 'expiresAt'> & { refRules?: string[] | null | undefined }

export function targetFacts(token: Pick<TokenRecord, 'target'>): Record<string, unknown> {
  return token.target.kind === 'project' ? { project: token.target.path } : { group: token.target.path }
}

export function tokenFacts(token: TokenFacts): Record<string, unknown> {
  return {
    name: token.name,
    ...targetFacts(token),
    role: token.role,
    scopes: token.scopes,
    expiresAt: token.expiresAt,
    ...(token.refRules === null || token.refRules === undefined ? {} : { refRules: token.refRules }),
  }
}

export function protectionFacts(rule: Pick<NewProtectedRef, 'refKind' | 'pattern' | 'owner' | 'level' | 'allowForcePush'>): Record<string, unknown> {
  return {
    [rule.refKind]: rule.pattern,
    ownerKind: rule.owner.kind,
    ...(rule.refKind === 'branch' ? { push: rule.level, allowForcePush: rule.allowForcePush } : { create: rule.level }),
  }
}

/** An audit entry for a change: the actor's reason (--reason), if any, joins the facts. */
export function auditNote(actor: Actor, action: AuditAction, target: string, details: Record<string, unknown>): AuditNote {
  return { actor, action, target, details: actor.reason === undefined ? details : { ...details, reason: actor.reason } }
}

// The closed set of git programs a request may reach. A request only ever
// selects one of these constants by exact comparison; no string from the
// request is ever used as a program name or copied into a forwarded URL
// (the threat: a gate that spawns whatever `service=` names, or forwards a
// service spelling the backend reads differently).
import type { Access } from '../access/abilities.js'
import { assertNever } from '../assert-never.js'

export const GIT_SERVICES = ['git-upload-pack', 'git-receive-pack', 'git-upload-archive'] as const
export type GitService = (typeof GIT_SERVICES)[number]

/** Services that have a smart-HTTP advertisement (`info/refs?service=…`). */
export const ADVERTISED_SERVICES = ['git-upload-pack', 'git-receive-pack'] as const
export type AdvertisedService = (typeof ADVERTISED_SERVICES)[number]

/** Exact-match lookup; anything else (other case, encoded, padded) is not a service. */
export function findService<S extends string>(candidates: readonly S[], value: string): S | undefined {
  return candidates.find(s => s === value)
}

/**
 * What running `service` does to the repository. receive-pack is a write even
 * for its advertisement: the advertisement is the first step of a push, and
 * answering it to a reader would let a push start (and tell a client which
 * refs it may update) before any write check.
 */
export function serviceAccess(service: GitService): Access {
  switch (service) {
    case 'git-upload-pack':
    case 'git-upload-archive':
      return 'read'
    case 'git-receive-pack':
      return 'write'
    default:
      assertNever(service, 'git service')
  }
}

/** The Content-Type a git client sends with a POST to `service`. */
export const requestContentType = (service: GitService): string => `application/x-${service}-request`

// Roles are ordered: each one can do everything the ones before it can.
// The numbers are GitLab's access levels, so the ordering reads the same.
export const ROLES = ['guest', 'reporter', 'developer', 'maintainer', 'owner'] as const
export type Role = (typeof ROLES)[number]

export const ROLE_LEVEL: Readonly<Record<Role, number>> = Object.freeze({
  guest: 10,
  reporter: 20,
  developer: 30,
  maintainer: 40,
  owner: 50,
})

export const DEFAULT_ROLE: Role = 'maintainer'

export const isRole = (value: string): value is Role =>
  (ROLES as readonly string[]).includes(value)

export const roleAtLeast = (role: Role, minimum: Role): boolean =>
  ROLE_LEVEL[role] >= ROLE_LEVEL[minimum]

export const SCOPES = [
  'api',
  'read_api',
  'read_registry',
  'write_registry',
  'read_repository',
  'write_repository',
  /** Lets a token rotate itself through the HTTP API (POST …/self/rotate) and nothing else. */
  'self_rotate',
] as const
export type Scope = (typeof SCOPES)[number]

export const isScope = (value: string): value is Scope =>
  (SCOPES as readonly string[]).includes(value)

/**
 * Parse a comma-separated scope list such as `read_repository,write_repository`.
 * Returns the scopes in canonical order without duplicates, or the first
 * unknown name.
 */
export function parseScopes(
  list: string,
): { ok: true; scopes: Scope[] } | { ok: false; unknown: string } {
  const names = list
    .split(',')
    .map(s => s.trim())
    .filter(s => s !== '')
  if (names.length === 0) return { ok: false, unknown: '' }
  for (const name of names) if (!isScope(name)) return { ok: false, unknown: name }
  return { ok: true, scopes: SCOPES.filter(s => names.includes(s)) }
}

// Checks a command's --json output against the shape documented in
// docs/cli.md: exactly the documented keys, each of the documented type.
import type { Test } from 'tap'

export type Kind = 'string' | 'number' | 'boolean' | 'null' | 'array' | 'object'
/** A type name, alternatives joined by "|" ("string|null"), a nested object shape, or [shape] for an array of them. */
export type Shape = string | { [key: string]: Shape } | [Shape]

const kindOf = (v: unknown): Kind =>
  v === null ? 'null' : Array.isArray(v) ? 'array' : (typeof v as Kind)

export function checkShape(t: Test, value: unknown, shape: Shape, where = '$'): void {
  if (typeof shape === 'string') {
    const allowed = shape.split('|')
    t.ok(allowed.includes(kindOf(value)), `${where} is ${shape} (got ${kindOf(value)})`)
    return
  }
  if (Array.isArray(shape)) {
    if (!Array.isArray(value)) {
      t.fail(`${where} is an array (got ${kindOf(value)})`)
      return
    }
    value.forEach((v, i) => checkShape(t, v, shape[0], `${where}[${i}]`))
    return
  }
  if (kindOf(value) !== 'object') {
    t.fail(`${where} is an object (got ${kindOf(value)})`)
    return
  }
  const obj = value as Record<string, unknown>
  t.same(Object.keys(obj).sort(), Object.keys(shape).sort(), `${where} has exactly the documented keys`)
  for (const [key, inner] of Object.entries(shape)) if (key in obj) checkShape(t, obj[key], inner, `${where}.${key}`)
}

/** Parse a command's stdout as JSON and check it. */
export function checkJson(t: Test, stdout: string, shape: Shape, label: string): unknown {
  let value: unknown
  try {
    value = JSON.parse(stdout)
  } catch {
    t.fail(`${label}: stdout is JSON`, { stdout })
    return undefined
  }
  t.test(`${label}: --json shape`, async t => checkShape(t, value, shape))
  return value
}

export const PROJECT: Record<string, Shape> = {
  id: 'number',
  path: 'string',
  visibility: 'string',
  created_at: 'string',
  default_branch: 'string|null',
  default_branch_protection: 'string',
  archived_at: 'string|null',
}

export const TOKEN: Record<string, Shape> = {
  id: 'string',
  name: 'string',
  description: 'string|null',
  project: 'string',
  role: 'string',
  scopes: ['string'],
  expires_at: 'string|null',
  created_at: 'string',
  last_used_at: 'string|null',
  revoked_at: 'string|null',
  rotated_from: 'string|null',
  state: 'string',
  recent_addresses: [{ address: 'string', last_seen_at: 'string' }],
}

export const BRANCH_PROTECTION_ON_GROUP: Record<string, Shape> = {
  kind: 'string',
  pattern: 'string',
  group: 'string',
  push: 'string',
  allow_force_push: 'boolean',
  inherited: 'boolean',
  created_at: 'string',
  updated_at: 'string',
}

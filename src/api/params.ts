// What each endpoint accepts, as zod schemas: the request's fields (query
// and body merged) in, typed values out, or one sentence naming every bad
// field (GitLab's `{"error":"name is missing, scopes is missing"}`).
// Unknown fields are ignored, as GitLab ignores them.
import { z } from 'zod'
import { ROLE_LEVEL, ROLES, type Role } from '../model/role.js'

/** An integer sent as a JSON number or as decimal text (forms, query strings). */
const integer = z.union([z.number().int(), z.string().regex(/^-?[0-9]{1,9}$/).transform(Number)])
/** Absent, JSON null or an empty form value all mean "not given". */
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess(v => (v === null || v === '' ? undefined : v), schema.optional())

const LEVELS = ROLES.map(r => ROLE_LEVEL[r])
const roleOf = (level: number): Role => ROLES.find(r => ROLE_LEVEL[r] === level) as Role

export const listQuery = z.object({
  state: optional(z.enum(['active', 'inactive'])),
  page: optional(integer),
  per_page: optional(integer),
})

export const createBody = z.object({
  name: z.string().min(1),
  // One scope as a plain string is a list of one.
  scopes: z.union([z.array(z.string()).min(1), z.string().min(1).transform(s => s.split(','))]),
  access_level: optional(integer.refine(n => LEVELS.includes(n), { message: `must be one of ${LEVELS.join(', ')}` }).transform(roleOf)),
  expires_at: optional(z.string()),
  description: optional(z.string().max(255)),
})

export const rotateBody = z.object({
  expires_at: optional(z.string()),
})

/** `self` or a token's integer id. */
export const tokenIdParam = z.union([z.literal('self'), z.string().regex(/^[1-9][0-9]{0,15}$/).transform(Number)])

/** One sentence for every bad field: "name is missing, access_level must be one of 10, 20, 30, 40, 50". */
export function describeIssues(error: z.ZodError, fields: unknown): string {
  const given = (key: PropertyKey | undefined): boolean =>
    key !== undefined && typeof fields === 'object' && fields !== null && (fields as Record<PropertyKey, unknown>)[key] !== undefined
  const parts = error.issues.map(issue => {
    const field = issue.path.length === 0 ? 'the request' : issue.path.map(String).join('.')
    if (issue.path.length > 0 && !given(issue.path[0])) return `${field} is missing`
    if (issue.code === 'custom') return `${field} ${issue.message}`
    return `${field} is invalid`
  })
  return [...new Set(parts)].join(', ')
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string }

export function parseWith<T extends z.ZodType>(schema: T, fields: unknown): Parsed<z.infer<T>> {
  const r = schema.safeParse(fields)
  return r.success ? { ok: true, value: r.data } : { ok: false, message: describeIssues(r.error, fields) }
}

// Ref-name patterns for protected branches and tags and for per-token ref
// rules, with GitLab's semantics: a pattern without `*` names one ref
// exactly; each `*` matches any run of characters, `/` included (GitLab's
// RefMatcher turns `*` into `.*?` and anchors both ends), so `release/*`
// covers `release/1` and `release/1/hotfix`. Matching is case-sensitive, as
// git ref names are. Pure: strings in, values out.

import { MAX_REF_NAME_LENGTH, refNameProblem } from './ref-name.js'

/** Longest pattern accepted; no real ref name is anywhere near it. */
export const MAX_PATTERN_LENGTH = MAX_REF_NAME_LENGTH

export type PatternCheck = { ok: true; pattern: string } | { ok: false; rule: string }

/**
 * Validate a pattern. `what` selects the form: `branch` and `tag` patterns
 * are short names (`main`, `v*`), `ref` patterns are full ref names
 * (`refs/tags/v*`), as `token create --refs` takes them.
 */
export function checkRefPattern(raw: string, what: 'branch' | 'tag' | 'ref'): PatternCheck {
  const pattern = raw.trim()
  // git-check-ref-format's rules, with `*` allowed as the wildcard. A pattern
  // that could never match a ref git accepts is refused, so a typo such as
  // `release/ *` is an error at `protect` time and not a rule that silently
  // protects nothing.
  const problem = refNameProblem(pattern, 'pattern', { wildcard: true })
  if (problem !== undefined) return { ok: false, rule: problem }
  if (what === 'ref') {
    if (!pattern.startsWith('refs/')) {
      return { ok: false, rule: 'a token ref pattern is a full ref name starting with "refs/", such as refs/heads/ci/* or refs/tags/v*' }
    }
  } else if (pattern.startsWith('refs/')) {
    return {
      ok: false,
      rule: `a ${what} pattern is a ${what} name such as ${what === 'branch' ? 'main or release/*' : 'v1.0 or v*'}, without "refs/${what === 'branch' ? 'heads' : 'tags'}/"`,
    }
  }
  return { ok: true, pattern }
}

/** True when `pattern` contains a wildcard. */
export const isWildcard = (pattern: string): boolean => pattern.includes('*')

/**
 * Whether `name` matches `pattern`. Iterative, no regular expression built
 * from input: a pattern like `*a*a*a*…` costs O(len(name) × len(pattern)) at
 * worst, never exponential time.
 */
export function refPatternMatches(pattern: string, name: string): boolean {
  if (!isWildcard(pattern)) return pattern === name
  const parts = pattern.split('*')
  const first = parts[0] ?? ''
  const last = parts[parts.length - 1] ?? ''
  if (!name.startsWith(first)) return false
  if (name.length < first.length + last.length || !name.endsWith(last)) return false
  // Middle parts matched leftmost, each after the previous: greedy-free and
  // correct for `*` that may match anything, including nothing.
  let at = first.length
  const end = name.length - last.length
  for (let i = 1; i < parts.length - 1; i++) {
    const part = parts[i] ?? ''
    if (part === '') continue
    const found = name.indexOf(part, at)
    if (found === -1 || found + part.length > end) return false
    at = found + part.length
  }
  return true
}

/** Parse a comma-separated list of full-ref patterns (`token create --refs`). */
export function parseRefPatternList(list: string): { ok: true; patterns: string[] } | { ok: false; pattern: string; rule: string } {
  const names = list.split(',').map(s => s.trim())
  if (names.every(n => n === '')) return { ok: false, pattern: list, rule: 'the list must name at least one pattern' }
  const patterns: string[] = []
  for (const name of names) {
    const check = checkRefPattern(name, 'ref')
    if (!check.ok) return { ok: false, pattern: name, rule: check.rule }
    if (!patterns.includes(check.pattern)) patterns.push(check.pattern)
  }
  return { ok: true, patterns }
}

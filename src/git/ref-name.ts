// git's rules for a ref name (`git help check-ref-format`), in one place:
// the default branch of a new repository and the protected-ref patterns are
// both checked here, so gitward refuses exactly what git would, with one
// sentence per rule, before anything is written. Pure: a string in, the rule
// it breaks (or undefined) out.

/** Longest name or pattern accepted; no real ref name is anywhere near it. */
export const MAX_REF_NAME_LENGTH = 255

// Exactly git's set: bytes below 0x20, space, DEL (git accepts C1
// characters), and ~ ^ : ? [ \ anywhere.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const FORBIDDEN = /[\u0000-\u0020\u007f~^:?[\\]/u

export interface RefNameOptions {
  /** `*` is a wildcard (patterns), not a forbidden character (names). */
  wildcard: boolean
}

/**
 * The rule `name` breaks, phrased with `noun` ("a pattern must not …"), or
 * undefined when git would accept it. A leading "-" is refused too: git
 * refuses it for branch names, and it reads as an option on a command line.
 */
export function refNameProblem(name: string, noun: string, options: RefNameOptions): string | undefined {
  if (name === '') return `a ${noun} must not be empty`
  if (name.length > MAX_REF_NAME_LENGTH) return `a ${noun} must be at most ${MAX_REF_NAME_LENGTH} characters long`
  if (FORBIDDEN.test(name) || (!options.wildcard && name.includes('*'))) {
    return `a ${noun} must not contain spaces, control characters or any of ~ ^ : ? [ \\${options.wildcard ? '' : ' *'}`
  }
  if (name.startsWith('/') || name.endsWith('/') || name.includes('//')) {
    return `a ${noun} must not start or end with "/" or contain "//"`
  }
  if (name.includes('..') || name.includes('@{')) return `a ${noun} must not contain ".." or "@{"`
  if (name.endsWith('.')) return `a ${noun} must not end with "."`
  const parts = name.split('/')
  if (parts.some(part => part.startsWith('.'))) return `no part of a ${noun} may start with "."`
  if (parts.some(part => part.endsWith('.lock'))) return `no part of a ${noun} may end with ".lock"`
  if (name.startsWith('-')) return `a ${noun} must not start with "-"`
  return undefined
}

/**
 * The rule a branch name (as `git init -b` and `git branch` take it: `main`,
 * `release/1.0`, never `refs/heads/…`) breaks, or undefined.
 */
export function branchNameProblem(name: string): string | undefined {
  const problem = refNameProblem(name, 'branch name', { wildcard: false })
  if (problem !== undefined) return problem
  if (name === 'HEAD') return 'a branch name must not be HEAD'
  if (name.startsWith('refs/')) return 'a branch name is a short name such as main, without "refs/heads/"'
  return undefined
}

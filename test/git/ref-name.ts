// Branch names are checked with git's own rules, in one place: every name
// here gets the verdict `git check-ref-format` gives refs/heads/<name>, plus
// the two names git refuses only as a branch (a leading "-", HEAD).
import t from 'tap'
import { execFileSync } from 'node:child_process'
import { branchNameProblem, refNameProblem } from '../../src/git/ref-name.js'

const gitAccepts = (ref: string): boolean => {
  try {
    execFileSync('git', ['check-ref-format', ref], { stdio: 'ignore', env: { PATH: process.env['PATH'] ?? '' } })
    return true
  } catch {
    return false
  }
}

const NAMES = [
  'main', 'trunk', 'release/1.0', 'feature/a-b_c', 'v1', 'a.b', 'x.lockx', 'über', 'a@b', '@x',
  'x.lock', 'a/x.lock/b', 'a..b', 'a b', 'a~b', 'a^b', 'a:b', 'a?b', 'a*b', 'a[b', 'a\\b', 'a\tb', 'a\u007fb',
  '/a', 'a/', 'a//b', 'a.', '.a', 'a/.b', 'a@{b', '@', '', 'a/b.lock',
]

t.test('a branch name is refused exactly when git refuses refs/heads/<name>', async t => {
  for (const name of NAMES) {
    const problem = branchNameProblem(name)
    t.equal(problem === undefined, gitAccepts(`refs/heads/${name}`), `${JSON.stringify(name)}: ${problem ?? 'accepted'}`)
  }
})

t.test('and also a leading "-" and HEAD, which git refuses as branch names', async t => {
  t.match(branchNameProblem('-x'), /must not start with "-"/)
  t.match(branchNameProblem('HEAD'), /must not be HEAD/)
  t.match(branchNameProblem('refs/heads/main'), /without "refs\/heads\/"/)
})

t.test('each refusal names its rule with the noun it was given', async t => {
  t.equal(refNameProblem('x.lock', 'pattern', { wildcard: true }), 'no part of a pattern may end with ".lock"')
  t.equal(refNameProblem('a*', 'pattern', { wildcard: true }), undefined, '* is a wildcard in a pattern')
  t.match(refNameProblem('a*', 'branch name', { wildcard: false }), /must not contain .*\*/)
})

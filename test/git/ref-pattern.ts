// Ref patterns: GitLab's matching (`*` spans `/`, anchored, case-sensitive)
// and the validation that turns a typo into an error instead of a rule that
// protects nothing.
import t from 'tap'
import { checkRefPattern, parseRefPatternList, refPatternMatches } from '../../src/git/ref-pattern.js'

t.test('matching', async t => {
  const table: Array<[pattern: string, name: string, matches: boolean]> = [
    ['main', 'main', true],
    ['main', 'main2', false],
    ['main', 'Main', false],
    ['main', 'xmain', false],
    ['release/*', 'release/1', true],
    ['release/*', 'release/1/hotfix', true],
    ['release/*', 'release/', true],
    ['release/*', 'release', false],
    ['release/*', 'prerelease/1', false],
    ['*-stable', '1-stable', true],
    ['*-stable', 'a/b-stable', true],
    ['*-stable', '1-stable-x', false],
    ['v*', 'v1.0', true],
    ['v*', 'v', true],
    ['v*', 'xv1', false],
    ['*', 'anything/at/all', true],
    ['a*b*c', 'abc', true],
    ['a*b*c', 'aXbYc', true],
    ['a*b*c', 'acb', false],
    ['a*bc*bc', 'abcbc', true],
    ['a*bc*bc', 'abc', false],
    ['refs/tags/v*', 'refs/tags/v1.0', true],
    ['refs/tags/v*', 'refs/heads/v1.0', false],
    ['refs/heads/ci/*', 'refs/heads/ci/build-7', true],
    ['a.b', 'aXb', false], // no regular-expression meaning for "."
  ]
  for (const [pattern, name, matches] of table) {
    t.equal(refPatternMatches(pattern, name), matches, `${pattern} ~ ${name}`)
  }
})

t.test('a pathological pattern costs linear work, never exponential', async t => {
  const pattern = '*a'.repeat(50) + 'b'
  const name = 'a'.repeat(10_000)
  t.equal(refPatternMatches(pattern, name), false)
})

t.test('validation', async t => {
  const ok: Array<[string, 'branch' | 'tag' | 'ref']> = [
    ['main', 'branch'], ['release/*', 'branch'], ['*-stable', 'branch'], ['v*', 'tag'], ['v1.0', 'tag'],
    ['refs/tags/v*', 'ref'], ['refs/heads/ci/*', 'ref'], ['  main  ', 'branch'],
  ]
  for (const [p, what] of ok) t.ok(checkRefPattern(p, what).ok, `${what} ${p} accepted`)
  const bad: Array<[string, 'branch' | 'tag' | 'ref', RegExp]> = [
    ['', 'branch', /empty/],
    ['   ', 'tag', /empty/],
    ['rel ease', 'branch', /spaces/],
    ['a~b', 'branch', /~/],
    ['a:b', 'branch', /:/],
    ['a?b', 'branch', /\?/],
    ['a[b', 'branch', /\[/],
    ['a\\b', 'branch', /\\/],
    ['/main', 'branch', /start or end/],
    ['main/', 'branch', /start or end/],
    ['a//b', 'branch', /\/\//],
    ['a..b', 'branch', /\.\./],
    ['a@{b', 'branch', /@\{/],
    ['main.lock', 'branch', /\.lock/],
    ['main.', 'branch', /end with/],
    ['.hidden', 'branch', /start with "\."/],
    ['a/.b', 'branch', /start with "\."/],
    ['-x', 'branch', /"-"/],
    ['refs/heads/main', 'branch', /without "refs\/heads\/"/],
    ['refs/tags/v1', 'tag', /without "refs\/tags\/"/],
    ['heads/main', 'ref', /starting with "refs\/"/],
    ['x'.repeat(256), 'branch', /at most 255/],
  ]
  for (const [p, what, rule] of bad) {
    const c = checkRefPattern(p, what)
    t.notOk(c.ok, `${what} ${JSON.stringify(p)} refused`)
    if (!c.ok) t.match(c.rule, rule)
  }
})

t.test('a comma-separated list of ref patterns', async t => {
  t.same(parseRefPatternList('refs/tags/v*, refs/heads/ci/*,refs/tags/v*'), {
    ok: true,
    patterns: ['refs/tags/v*', 'refs/heads/ci/*'],
  })
  t.match(parseRefPatternList(''), { ok: false, rule: /at least one/ })
  t.match(parseRefPatternList(' , '), { ok: false, rule: /at least one/ })
  t.match(parseRefPatternList('refs/tags/v*,,refs/heads/x'), { ok: false, rule: /empty/ })
  t.match(parseRefPatternList('refs/tags/v*,v*'), { ok: false, pattern: 'v*', rule: /refs\// })
})

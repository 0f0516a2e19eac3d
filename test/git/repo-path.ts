import t from 'tap'
import { checkRepoPath, isWithinGroup, topLevelGroup } from '../../src/git/repo-path.js'

t.test('accepts canonical paths and strips one trailing .git', async t => {
  const table: Array<[string, string]> = [
    ['acme', 'acme'],
    ['acme/app', 'acme/app'],
    ['acme/app.git', 'acme/app'],
    ['a.b/c_d/e-f', 'a.b/c_d/e-f'],
    [Array.from({ length: 20 }, () => 'x').join('/'), Array.from({ length: 20 }, () => 'x').join('/')],
  ]
  for (const [raw, path] of table) {
    const r = checkRepoPath(raw)
    t.same(r.ok && r.path, path, raw)
  }
})

t.test('refuses each rule with a message naming it', async t => {
  const table: Array<[string, RegExp]> = [
    ['', /empty/],
    ['.git', /empty/],
    ['/acme', /"\/"/],
    ['acme/', /"\/"/],
    ['acme//app', /"\/"/],
    ['acme/../etc', /"\."/],
    ['acme/./app', /"\."/],
    ['acme/.ssh', /"\."/],
    ['acme/-rf', /"-"/],
    ['acme/a b', /letters, digits/],
    ['acme/a\\b', /letters, digits/],
    ['acme/a%2fb', /letters, digits/],
    ['acme/app.git/x', /"\.git"/],
    ['acme/app.git.git', /"\.git"/],
    [Array.from({ length: 21 }, () => 'x').join('/'), /20 segments/],
    ['a'.repeat(256), /255/],
    ['acme/\u00e9', /letters, digits/],
    ['acme/\0', /letters, digits/],
  ]
  for (const [raw, rule] of table) {
    const r = checkRepoPath(raw)
    t.equal(r.ok, false, JSON.stringify(raw))
    if (!r.ok) t.match(r.rule, rule, JSON.stringify(raw))
  }
})

t.test('group coverage is anchored at a segment boundary', async t => {
  t.ok(isWithinGroup('acme/app', 'acme'))
  t.ok(isWithinGroup('acme/sub/app', 'acme'))
  t.ok(isWithinGroup('acme/sub/app', 'acme/sub'))
  t.notOk(isWithinGroup('acme-evil/app', 'acme'))
  t.notOk(isWithinGroup('acmeapp', 'acme'))
  t.notOk(isWithinGroup('acme/subway/app', 'acme/sub'))
  t.equal(topLevelGroup('acme/sub/app'), 'acme')
  t.equal(topLevelGroup('acme'), 'acme')
})

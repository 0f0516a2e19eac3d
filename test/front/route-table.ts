import t from 'tap'
import { matchRoute, projectOfForwardUrl } from '../../src/front/route-table.js'

t.test('routes match at segment boundaries, the longest prefix winning', async t => {
  const prefixes = ['acme', 'acme/big', 'acme/big/mono', 'other/x']
  const table: Array<[string, number]> = [
    ['acme/app', 0],
    ['acme', 0],
    ['acme/big', 1],
    ['acme/big/app', 1],
    ['acme/big/mono', 2],
    ['acme/big/mono/sub', 2],
    ['acme/bigger/app', 0], // "acme/big" is not a segment prefix of acme/bigger
    ['acme-evil/app', -1], // "acme" is not a segment prefix of acme-evil
    ['other/x', 3],
    ['other/xy', -1],
    ['other', -1],
    ['zeta/app', -1],
  ]
  for (const [path, want] of table) t.equal(matchRoute(prefixes, path), want, path)
  t.equal(matchRoute([], 'acme/app'), -1, 'no routes: the default')
  // Order in the config does not matter, only length.
  t.equal(matchRoute(['acme/big', 'acme'], 'acme/big/x'), 0)
})

t.test('the project of a canonical forward URL', async t => {
  t.equal(projectOfForwardUrl('/acme/app.git/info/refs?service=git-upload-pack'), 'acme/app')
  t.equal(projectOfForwardUrl('/acme/sub/app.git/git-receive-pack'), 'acme/sub/app')
  t.equal(projectOfForwardUrl('/a.git.b/c.git/git-upload-pack'), 'a.git.b/c')
  t.equal(projectOfForwardUrl('/-/health'), null)
})

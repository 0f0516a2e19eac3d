// The client addresses a token is used from, recorded through a real server
// by real git requests: the last-used recorder batches them off the request
// path, the store keeps the last five distinct ones, and the real CLI shows
// them (token show and list, --json). Addresses come through a trusted proxy
// (X-Forwarded-For from 127.0.0.1), as they would behind nginx.
import t from 'tap'
import { startGitward } from '../helpers/servers/gitward.js'
import { waitUntil } from '../helpers/wait/wait-until.js'

t.test('git requests from seven addresses: the last five distinct are kept and shown', async t => {
  const h = await startGitward(t, { config: { trusted_proxies: '127.0.0.1', last_used_flush_ms: '100' } })
  await h.createProject('acme/app')
  const { id, token } = await h.mint({ project: 'acme/app', scopes: ['read_repository'] })
  const url = h.repoUrl('acme/app', token)

  const direct = await h.git(['ls-remote', url])
  t.equal(direct.code, 0, direct.stderr)
  const from = ['10.0.0.1', '10.0.0.2', '10.0.0.3', '2001:db8::4', '10.0.0.5', '10.0.0.6']
  for (const address of from) {
    h.clock.advance(1000)
    const r = await h.git(['-c', `http.extraHeader=X-Forwarded-For: ${address}`, 'ls-remote', url])
    t.equal(r.code, 0, `ls-remote from ${address}: ${r.stderr}`)
  }
  const expected = ['10.0.0.6', '10.0.0.5', '2001:db8::4', '10.0.0.3', '10.0.0.2']
  const recorded = await waitUntil(async () => {
    const kept = (await h.admin.listTokenAddresses([id])).get(id) ?? []
    return kept.map(a => a.address).join() === expected.join()
  }, 10_000)
  t.ok(recorded, 'the recorder wrote the addresses, trimmed to five')

  const show = await h.cli(['token', 'show', id, '--json'])
  t.equal(show.code, 0, show.stderr)
  const shown = JSON.parse(show.stdout) as { last_used_at: string | null; recent_addresses: Array<{ address: string; last_seen_at: string }> }
  t.same(shown.recent_addresses.map(a => a.address), expected, 'most recent first; 127.0.0.1 and 10.0.0.1 were pushed out')
  t.equal(shown.recent_addresses[0]?.last_seen_at, '2026-06-15T12:00:06.000Z', 'the injected clock times each use')
  t.equal(shown.last_used_at, '2026-06-15T12:00:06.000Z')

  const list = await h.cli(['token', 'list', '--json'])
  const listed = (JSON.parse(list.stdout) as Array<{ id: string; recent_addresses: Array<{ address: string }> }>).find(x => x.id === id)
  t.same(listed?.recent_addresses.map(a => a.address), expected)
  const table = await h.cli(['token', 'show', id])
  t.match(table.stdout, /\naddresses:\s+10\.0\.0\.6 \(2026-06-15T12:00:06\.000Z\), 10\.0\.0\.5 /)
  t.notMatch(h.logText(), new RegExp(token.slice(-20)), 'the token never reaches the log')
})

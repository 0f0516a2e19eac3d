// Configured addresses in another spelling than the peer's. An IPv4 client of
// a dual-stack socket can be written `::ffff:127.0.0.1`; before addresses were
// normalised, such an entry in trusted_proxies never matched the peer
// `127.0.0.1`, so X-Forwarded-For was silently ignored and the whole proxy
// was banned for one client's guesses; the same entry in ban_allowlist
// allowed nothing. CIDR ranges were refused outright. These tests fail on a
// gitward that compares configured addresses as given.
import t, { type Test } from 'tap'
import { startGitward, type Harness } from '../helpers/servers/gitward.js'
import { basicAuth, send, type HttpAnswer } from '../helpers/http/request.js'
import { requestLines } from '../helpers/observe.js'
import { formatToken } from '../../src/auth/token-format.js'
import { loadConfig } from '../../src/config/load.js'

async function setup(t: Test, config: Record<string, string>): Promise<{ h: Harness; token: string; wrong: string }> {
  const h = await startGitward(t, { config: { ban_max_failures: '3', ban_time_ms: '60000', ...config } })
  await h.createProject('acme/app')
  const m = await h.mint({ project: 'acme/app' })
  return { h, token: m.token, wrong: formatToken('gwpat-', m.id, 'W'.repeat(32)) }
}

const pull = (h: Harness, authorization: string, forwardedFor?: string): Promise<HttpAnswer> =>
  send(h.app.port, '/acme/app.git/info/refs?service=git-upload-pack', {
    headers: [['Authorization', authorization], ...(forwardedFor === undefined ? [] : ([['X-Forwarded-For', forwardedFor]] as const))],
  })

for (const entry of ['::ffff:127.0.0.1', '127.0.0.0/8', '::ffff:127.0.0.0/104']) {
  t.test(`trusted_proxies = "${entry}": the client behind the proxy is banned, not the proxy`, async t => {
    const { h, token, wrong } = await setup(t, { trusted_proxies: entry })
    for (let i = 0; i < 3; i++) t.equal((await pull(h, basicAuth(wrong), '203.0.113.7')).status, 401)
    t.equal((await pull(h, basicAuth(token), '203.0.113.7')).status, 403, 'the guessing client is banned')
    t.equal((await pull(h, basicAuth(token), '203.0.113.8')).status, 200, 'another client behind the same proxy is not')
    t.equal((await pull(h, basicAuth(token))).status, 200, 'nor the proxy itself')
    t.same([...new Set(requestLines(h).map(l => l.client))].sort(), ['127.0.0.1', '203.0.113.7', '203.0.113.8'], 'the log names each client')
  })
}

t.test('X-Forwarded-For hops in another spelling are read as the same address', async t => {
  const { h, token } = await setup(t, { trusted_proxies: '127.0.0.1, 10.0.0.0/8' })
  t.equal((await pull(h, basicAuth(token), '::ffff:203.0.113.9, ::ffff:10.1.2.3')).status, 200)
  const last = requestLines(h).at(-1)
  t.equal(last?.client, '203.0.113.9', 'the mapped hop is normalised and the mapped proxy hop is trusted')
})

for (const entry of ['::ffff:127.0.0.1', '127.0.0.0/8']) {
  t.test(`ban_allowlist = "${entry}" keeps 127.0.0.1 from being banned`, async t => {
    const { h, token, wrong } = await setup(t, { ban_allowlist: entry })
    for (let i = 0; i < 6; i++) t.equal((await pull(h, basicAuth(wrong))).status, 401)
    t.equal((await pull(h, basicAuth(token))).status, 200, 'never banned')
  })
}

t.test('an entry that is neither an address nor a range is a configuration problem', async t => {
  const load = (env: Record<string, string>): unknown => loadConfig({ flags: {}, env, cwd: '/' })
  t.throws(() => load({ GITWARD_TRUSTED_PROXIES: '10.0.0.0/33' }), {
    message: /trusted_proxies contains "10\.0\.0\.0\/33", which is not an IP address or CIDR range/,
  })
  t.throws(() => load({ GITWARD_BAN_ALLOWLIST: '127.1' }), { message: /ban_allowlist contains "127\.1"/ })
  t.throws(() => load({ GITWARD_BAN_ALLOWLIST: 'proxy.local' }), { message: /ban_allowlist contains "proxy\.local"/ })
})

// Attacks on the credential itself: how a token is presented (Basic or
// Bearer, once or twice, well or badly encoded) must never change what it
// may do, and a credential that cannot be read is a 401 — never a 500, never
// a pass — that costs no bcrypt compare and reaches no git process.
import t from 'tap'
import { startGitward } from '../helpers/servers/gitward.js'
import { advertise, basicAuth, basicRaw, bearer, send } from '../helpers/http/request.js'
import { httpBytes, rawRequest } from '../helpers/http/raw.js'
import { watch } from '../helpers/observe.js'
import { formatToken } from '../../src/auth/token-format.js'
import type { Role } from '../../src/model/role.js'
import type { Scope } from '../../src/model/scope.js'

// Every refusal here comes from 127.0.0.1; the ban list has its own file.
const h = await startGitward(t, { config: { ban_enabled: 'false' } })
const port = h.app.port
await h.createProject('acme/app')
await h.createProject('other/app')
await h.createProject('pub/lib', 'public')
const { token } = await h.mint({ project: 'acme/app', scopes: ['read_repository', 'write_repository'], role: 'maintainer' })
// Warm the cache, so every later check of this token is free and a compare
// counted below can only come from a malformed header being read as a token.
t.equal((await advertise(port, 'acme/app', 'git-upload-pack', basicAuth(token))).status, 200, 'the token works')

t.test('Basic and Bearer with the same token are judged identically, for every scope/role/target tried', async t => {
  const scopeSets: Scope[][] = [['read_repository'], ['write_repository'], ['read_api'], ['read_registry', 'write_registry'], ['api']]
  const roles: Role[] = ['guest', 'reporter', 'developer']
  const targets = [{ project: 'acme/app' }, { group: 'acme' }]
  const seen = new Set<number>()
  let combos = 0
  for (const scopes of scopeSets) {
    for (const role of roles) {
      for (const target of targets) {
        const m = await h.mint({ ...target, scopes, role })
        for (const project of ['acme/app', 'other/app', 'pub/lib']) {
          for (const service of ['git-upload-pack', 'git-receive-pack'] as const) {
            const b = await advertise(port, project, service, basicAuth(m.token))
            const r = await advertise(port, project, service, bearer(m.token))
            const label = `${JSON.stringify(target)} ${scopes.join('+')} ${role} ${service} ${project}`
            if (b.status !== r.status || b.body !== r.body) t.fail(`Basic ${b.status} vs Bearer ${r.status}: ${label}`)
            seen.add(b.status)
            combos++
          }
        }
      }
    }
  }
  t.equal(combos, 5 * 3 * 2 * 3 * 2, 'every combination was tried')
  // The table exercised allows and each kind of denial, so equality means something.
  t.strictSame([...seen].sort(), [200, 403, 404], 'the combinations produced 200, 403 and 404')
})

t.test('a real git clone with a Bearer header works like Basic', async t => {
  const r = await h.git(['-c', `http.extraHeader=Authorization: Bearer ${token}`, 'clone', '-q', `${h.url}/acme/app.git`, 'bearer-clone'])
  t.equal(r.code, 0, r.stderr)
})

interface Case {
  name: string
  /** Raw header lines (beyond the request line and Host). */
  headers: string[]
  status?: number
}

const REQUEST_LINE = 'GET /acme/app.git/info/refs?service=git-upload-pack HTTP/1.1'
const cases: Case[] = [
  { name: 'duplicate Authorization headers, both the valid token', headers: [`Authorization: ${basicAuth(token)}`, `Authorization: ${basicAuth(token)}`] },
  { name: 'duplicate Authorization: a valid Bearer then garbage', headers: [`Authorization: ${bearer(token)}`, 'Authorization: Basic Zm9vOmJhcg=='] },
  { name: 'duplicate Authorization: garbage then a valid Basic', headers: ['Authorization: Bearer nothing', `Authorization: ${basicAuth(token)}`] },
  { name: 'Basic with base64 outside the alphabet', headers: [`Authorization: Basic ${Buffer.from(`git:${token}`).toString('base64').replace(/=*$/, '')}!!`] },
  { name: 'Basic with base64url instead of base64', headers: [`Authorization: Basic ${Buffer.from(`git:${token}`).toString('base64url')}`] },
  { name: 'Basic with broken padding', headers: [`Authorization: Basic ${Buffer.from(`git:${token}x`).toString('base64')}===`] },
  { name: 'Basic with nothing after the scheme', headers: ['Authorization: Basic'] },
  { name: 'Basic with an empty username', headers: [`Authorization: ${basicRaw(`:${token}`)}`] },
  { name: 'Basic with a whitespace-only username', headers: [`Authorization: ${basicRaw(` \t :${token}`)}`] },
  { name: 'Basic with a non-ASCII (UTF-8) password', headers: [`Authorization: ${basicRaw(`git:${token}é`)}`] },
  { name: 'Basic with a password that is not UTF-8', headers: [`Authorization: ${basicRaw(Buffer.concat([Buffer.from(`git:${token}`), Buffer.from([0xff, 0xfe])]))}`] },
  { name: 'Basic with no colon between user and token', headers: [`Authorization: ${basicRaw(`git${token}`)}`] },
  { name: 'Basic with an empty password', headers: [`Authorization: ${basicRaw('git:')}`] },
  { name: 'Bearer with an empty token', headers: ['Authorization: Bearer '] },
  { name: 'Bearer with no token at all', headers: ['Authorization: Bearer'] },
  { name: 'Bearer with a token and trailing junk', headers: [`Authorization: Bearer ${token} extra`] },
  { name: 'an unknown scheme carrying the token', headers: [`Authorization: Token ${token}`] },
  { name: 'Digest carrying the token', headers: [`Authorization: Digest username="git", response="${token}"`] },
  { name: 'a header value with a raw non-ASCII byte', headers: [`Authorization: Bearer ${token}\u00ff`] },
  { name: 'an 8 KiB Authorization header', headers: [`Authorization: Basic ${'QUFB'.repeat(2048)}`] },
  { name: 'an Authorization header beyond the header size limit', headers: [`Authorization: Basic ${'QUFB'.repeat(6000)}`], status: 431 },
]

for (const c of cases) {
  t.test(`credential: ${c.name}`, async t => {
    const w = await watch(h)
    const { compares, lookups } = h.app.verifier.stats
    const r = await rawRequest(port, httpBytes([REQUEST_LINE, 'Host: 127.0.0.1', ...c.headers]))
    const expected = c.status ?? 401
    t.equal(r.status, expected, `answered ${expected}`)
    if (expected === 401) t.match(r.headers['www-authenticate'] ?? '', /^Basic realm=/, 'with a Basic challenge')
    t.equal(h.app.verifier.stats.compares, compares, 'no bcrypt compare ran')
    t.equal(h.app.verifier.stats.lookups, lookups, 'no token was looked up in the database')
    await w.untouched(t, c.name)
  })
}

t.test('cheap rejection: malformed tokens cost no bcrypt compare and no database lookup', async t => {
  const body = token.slice('gwpat-'.length)
  const bad: Array<[string, string]> = [
    ['wrong prefix', `ghp_${body}`],
    ['no prefix', body],
    ['bad checksum', token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A')],
    ['character outside the alphabet', token.slice(0, 10) + 'I' + token.slice(11)],
    ['one character short', token.slice(0, -1)],
    ['one character long', token + 'x'],
    ['a 200-character token', `gwpat-${'a'.repeat(194)}`],
    ['the right id with an invented secret', token.replace(/_.*$/, '_') + 'x'.repeat(38)],
  ]
  const w = await watch(h)
  const { compares, lookups } = h.app.verifier.stats
  for (const [name, value] of bad) {
    for (const auth of [basicAuth(value), bearer(value)]) {
      const r = await advertise(port, 'acme/app', 'git-upload-pack', auth)
      t.equal(r.status, 401, `${name}: 401`)
    }
  }
  t.equal(h.app.verifier.stats.compares, compares, 'no bcrypt compare ran for any of them')
  t.equal(h.app.verifier.stats.lookups, lookups, 'and no database lookup')
  await w.untouched(t, 'malformed tokens')
})

t.test('a well-formed token for an unknown id costs no bcrypt compare', async t => {
  const forged = formatToken('gwpat-', 'abcdefghjkmn', 'A'.repeat(32))
  const { compares, lookups } = h.app.verifier.stats
  const r = await send(port, '/acme/app.git/info/refs?service=git-upload-pack', { headers: [['Authorization', basicAuth(forged)]] })
  t.equal(r.status, 401)
  t.equal(h.app.verifier.stats.lookups, lookups + 1, 'an unknown id costs one lookup')
  t.equal(h.app.verifier.stats.compares, compares, 'and no bcrypt compare')
})

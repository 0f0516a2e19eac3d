// Identity-header spoofing (a client sending the header the upstream trusts)
// is closed by building upstream headers from an allow-list.
import t from 'tap'
import { upstreamHeaders } from '../../src/front/upstream-headers.js'

const hostile = {
  host: 'git.example',
  authorization: 'Basic Z2l0OmdpdA==',
  'proxy-authorization': 'Basic x',
  'x-gitward-user': 'evil',
  'x-gitward-token-id': 'evil',
  'x-gitward-remote-user': 'evil',
  'x-gitward-remote-addr': '6.6.6.6',
  'remote-user': 'evil',
  'x-remote-user': 'evil',
  'x-forwarded-user': 'evil',
  'x-forwarded-for': '6.6.6.6',
  'x-forwarded-host': 'evil',
  'x-forwarded-proto': 'gopher',
  proxy: 'http://evil:1',
  cookie: 'a=b',
  expect: '100-continue',
  connection: 'keep-alive, x-gitward-user',
  te: 'trailers',
  trailer: 'x-gitward-user',
  'transfer-encoding': 'chunked',
  'content-type': 'application/x-git-receive-pack-request',
  'content-encoding': 'gzip',
  'git-protocol': 'version=2',
  'user-agent': 'git/2.39.5',
}

t.test('embedded: only allowed headers, identity from the gate', async t => {
  const out = upstreamHeaders({
    headers: hostile,
    identity: { tokenId: 'abc', remoteUser: 'project_abc_bot' },
    clientAddress: '192.0.2.1',
    proto: 'https',
    upstream: { kind: 'embedded' },
  })
  t.same(Object.keys(out).sort(), [
    'content-encoding', 'content-type', 'git-protocol', 'host', 'transfer-encoding', 'user-agent',
    'x-gitward-remote-addr', 'x-gitward-remote-user',
  ])
  t.equal(out['x-gitward-remote-user'], 'project_abc_bot')
  t.equal(out['x-gitward-remote-addr'], '192.0.2.1')
  t.equal(out['transfer-encoding'], 'chunked')
  t.equal(out['host'], 'localhost', 'the embedded backend gets a fixed Host, not the client\'s')
})

t.test('embedded anonymous: no identity at all', async t => {
  const out = upstreamHeaders({ headers: hostile, identity: null, clientAddress: '192.0.2.1', proto: 'http', upstream: { kind: 'embedded' } })
  t.equal(out['x-gitward-remote-user'], undefined)
})

t.test('external: configured identity headers, forwarded-* set by gitward', async t => {
  const out = upstreamHeaders({
    headers: hostile,
    identity: { tokenId: 'abc', remoteUser: 'group_abc_bot' },
    clientAddress: '192.0.2.1',
    proto: 'https',
    upstream: { kind: 'external', identityHeader: 'X-Gitward-User', tokenIdHeader: 'X-Gitward-Token-Id', host: 'localhost' },
  })
  t.equal(out['host'], 'localhost', "the upstream's Host is gitward's choice, never the client's")
  t.equal(out['x-gitward-user'], 'group_abc_bot')
  t.equal(out['x-gitward-token-id'], 'abc')
  t.equal(out['x-forwarded-for'], '192.0.2.1')
  t.equal(out['x-forwarded-proto'], 'https')
  t.equal(out['x-forwarded-host'], 'git.example')
  for (const h of ['authorization', 'proxy-authorization', 'remote-user', 'x-remote-user', 'x-forwarded-user', 'proxy', 'cookie', 'expect', 'connection', 'te', 'trailer', 'x-gitward-remote-user']) {
    t.equal(out[h], undefined, `${h} dropped`)
  }
  const anon = upstreamHeaders({ headers: hostile, identity: null, clientAddress: '192.0.2.1', proto: 'http', upstream: { kind: 'external', identityHeader: 'X-Gitward-User', tokenIdHeader: 'X-Gitward-Token-Id', host: 'git.internal' } })
  t.equal(anon['host'], 'git.internal')
  t.equal(anon['x-gitward-user'], undefined, 'a client copy never survives, even anonymously')
})

t.test('content-length wins over chunked', async t => {
  const out = upstreamHeaders({ headers: { 'content-length': '10', 'transfer-encoding': 'chunked' }, identity: null, clientAddress: 'x', proto: 'http', upstream: { kind: 'embedded' } })
  t.equal(out['content-length'], '10')
  t.equal(out['transfer-encoding'], undefined)
})

t.test('Git-Protocol and Content-Encoding go upstream only in the form git sends, for every upstream', async t => {
  const external = { kind: 'external', identityHeader: 'X-Gitward-User', tokenIdHeader: 'X-Gitward-Token-Id', host: 'localhost' } as const
  for (const upstream of [{ kind: 'embedded' } as const, external]) {
    const build = (headers: Record<string, string | string[]>): ReturnType<typeof upstreamHeaders> =>
      upstreamHeaders({ headers, identity: null, clientAddress: '192.0.2.1', proto: 'http', upstream })
    t.equal(build({ 'git-protocol': 'version=2' })['git-protocol'], 'version=2', `${upstream.kind}: version=2 passes`)
    t.equal(build({ 'git-protocol': 'version=2:object-format=sha256' })['git-protocol'], 'version=2:object-format=sha256')
    for (const bad of ['version=2\u0000', 'version=9', 'version=2; rm -rf /', 'x'.repeat(200), 'version=2:a=b c']) {
      t.equal(build({ 'git-protocol': bad })['git-protocol'], undefined, `${upstream.kind}: ${JSON.stringify(bad.slice(0, 20))} dropped`)
    }
    t.equal(build({ 'content-encoding': ' GZIP ' })['content-encoding'], 'gzip', `${upstream.kind}: encoding normalised`)
    t.equal(build({ 'content-encoding': 'br' })['content-encoding'], undefined, `${upstream.kind}: an unreadable encoding never goes upstream`)
  }
})

// Request bodies git sends in the less common framings: a push larger than
// http.postBuffer (sent with chunked transfer encoding, no Content-Length)
// and a fetch negotiation large enough that git gzips it. Both must pass the
// gate, the body limit and the embedded backend unharmed.
import t from 'tap'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { startGitward, makeWorkingCopy } from '../helpers/servers/gitward.js'
import { addManyCommits, bareDir, incompressible, commitFiles, revParse, workHead } from '../helpers/git/repos.js'

const MiB = 1024 * 1024

t.test('a push over 5 MiB of incompressible data, sent chunked', async t => {
  const h = await startGitward(t)
  await h.createProject('acme/big')
  const { token } = await h.mint({ project: 'acme/big' })
  const url = h.repoUrl('acme/big', token)
  const wc = await makeWorkingCopy(h, 'wc')
  const payload = Buffer.concat([Buffer.from('random:'), incompressible(5 * MiB + 512 * 1024)])
  const id = await commitFiles(h, wc, { 'big.bin': payload }, 'a large binary')

  const trace = join(h.dir, 'push-curl-trace')
  const push = await h.git(['-c', 'http.postBuffer=65536', 'push', url, 'main'], {
    cwd: wc,
    env: { GIT_TRACE_CURL: trace, GIT_TRACE_CURL_NO_DATA: '1' },
  })
  t.equal(push.code, 0, push.stderr)
  const sent = readFileSync(trace, 'utf8')
  // Proves the request under test really was chunked (no Content-Length).
  t.match(sent, /Send header: Transfer-Encoding: chunked/)
  t.match(sent, /Send header: POST \/acme\/big\.git\/git-receive-pack/)

  const bare = bareDir(h, 'acme/big')
  t.equal(await revParse(h, bare, 'main'), id, 'the bare repository has the pushed commit')
  const fsck = await h.git(['--git-dir', bare, 'fsck', '--no-progress'])
  t.equal(fsck.code, 0, fsck.stderr)

  // And the same bytes come back out.
  const clone = join(h.dir, 'clone')
  const r = await h.git(['clone', '-q', url, clone])
  t.equal(r.code, 0, r.stderr)
  t.ok(readFileSync(join(clone, 'big.bin')).equals(payload), 'the cloned file is byte-identical')
})

for (const version of [0, 2] as const) {
  t.test(`protocol v${version}: a fetch with many haves is sent gzip-encoded and succeeds`, async t => {
    const h = await startGitward(t)
    await h.createProject('acme/history')
    const { token } = await h.mint({ project: 'acme/history' })
    const url = h.repoUrl('acme/history', token)
    const v = ['-c', `protocol.version=${version}`]

    const seed = await makeWorkingCopy(h, 'seed')
    t.equal((await h.git(['push', url, 'main'], { cwd: seed })).code, 0)

    // The client: a clone that then grows 300 commits the server never sees,
    // so every one of them is offered as a "have" during negotiation.
    const client = join(h.dir, 'client')
    t.equal((await h.git([...v, 'clone', '-q', url, client])).code, 0)
    await addManyCommits(h, client, 'main', 300)
    t.equal((await h.git(['rev-list', '--count', 'main'], { cwd: client })).stdout.trim(), '301')

    // Meanwhile the server's main moves on.
    const serverSide = await commitFiles(h, seed, { 'server.txt': 'new on the server\n' }, 'server side')
    t.equal((await h.git(['push', url, 'main'], { cwd: seed })).code, 0)

    const trace = join(h.dir, 'fetch-curl-trace')
    const fetch = await h.git([...v, 'fetch', 'origin'], {
      cwd: client,
      env: { GIT_TRACE_CURL: trace, GIT_TRACE_CURL_NO_DATA: '1' },
    })
    t.equal(fetch.code, 0, fetch.stderr)
    t.equal(await workHead(h, client, 'refs/remotes/origin/main'), serverSide, 'the new server commit arrived')
    const sent = readFileSync(trace, 'utf8')
    // git gzips an upload-pack request body over 1 KiB; 300 haves are ~15 KiB.
    t.match(sent, /Send header: Content-Encoding: gzip/, 'the negotiation request was gzip-encoded')
    const rounds = sent.match(/Send header: POST \/acme\/history\.git\/git-upload-pack/g) ?? []
    t.ok(rounds.length >= 2, `negotiation took several rounds (${rounds.length})`)
  })
}

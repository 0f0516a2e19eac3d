// The two documented external upstreams (config/nginx-upstream.conf and
// config/apache-upstream.conf), driven directly by the real git client with
// nothing in front: they must take the identity from X-Gitward-User and only
// from there, accept chunked pushes, speak protocol v2, and serve nothing but
// the smart-HTTP endpoints.
import t from 'tap'
import { execFile } from 'node:child_process'
import { createCipheriv } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startApacheUpstream } from '../helpers/servers/apache-upstream.js'
import { startNginxUpstream } from '../helpers/servers/nginx-upstream.js'
import type { RunningUpstream, UpstreamOptions, UpstreamStart } from '../helpers/servers/upstream-handle.js'

const BOT = 'project_test_bot'
const GIT_TIMEOUT_MS = 60_000

interface GitResult {
  code: number
  stdout: string
  stderr: string
}

function makeGit(home: string) {
  const env = {
    PATH: '/usr/local/bin:/usr/bin:/bin',
    HOME: home,
    LANG: 'C',
    GIT_TERMINAL_PROMPT: '0',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_AUTHOR_NAME: 'Test Author',
    GIT_AUTHOR_EMAIL: 'author@example.test',
    GIT_COMMITTER_NAME: 'Test Author',
    GIT_COMMITTER_EMAIL: 'author@example.test',
  }
  return (args: readonly string[], extraEnv: Record<string, string> = {}): Promise<GitResult> =>
    new Promise(resolve => {
      execFile(
        'git',
        // The bare repositories may belong to Apache's CGI user.
        ['-c', 'safe.directory=*', ...args],
        { env: { ...env, ...extraEnv }, timeout: GIT_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 },
        (error, stdout, stderr) => {
          const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1
          resolve({ code, stdout, stderr })
        },
      )
    })
}

/** Deterministic incompressible bytes, so the pack really is that large. */
function noise(bytes: number): Buffer {
  const cipher = createCipheriv('aes-256-ctr', Buffer.alloc(32, 7), Buffer.alloc(16, 0))
  return Buffer.concat([cipher.update(Buffer.alloc(bytes)), cipher.final()])
}

const upstreams: Array<[string, (o: UpstreamOptions) => Promise<UpstreamStart>]> = [
  ['nginx + fcgiwrap', startNginxUpstream],
  ['apache + mod_cgid', startApacheUpstream],
]

for (const [name, start] of upstreams) {
  t.test(name, async t => {
    const root = t.testdir({ home: {}, repos: { acme: {} }, server: {}, work: {} })
    const reposRoot = join(root, 'repos')
    const git = makeGit(join(root, 'home'))
    const bare = (repo: string): string => join(reposRoot, `${repo}.git`)

    async function createBare(repo: string): Promise<void> {
      t.equal((await git(['init', '-q', '--bare', '--initial-branch=main', bare(repo)])).code, 0)
      // Bare repositories keep no reflog unless asked; the reflog is where
      // git http-backend records REMOTE_USER.
      t.equal((await git(['-C', bare(repo), 'config', 'core.logAllRefUpdates', 'true'])).code, 0)
    }
    await createBare('acme/app')

    const started = await start({ reposRoot, dir: join(root, 'server') })
    if (!started.available) {
      t.pass(`${name} upstream`, { skip: started.reason })
      return
    }
    const up: RunningUpstream = started
    t.teardown(() => up.stop())
    const remote = (repo: string): string => `${up.url}/${repo}.git`
    const asBot = ['-c', `http.extraHeader=X-Gitward-User: ${BOT}`]
    const head = async (dir: string, ref = 'HEAD'): Promise<string> =>
      (await git(['-C', dir, 'rev-parse', '--verify', '-q', ref])).stdout.trim()

    // One working copy shared by the subtests, which run in order.
    const work = join(root, 'work', 'app')
    const commitFile = async (file: string, content: string | Buffer): Promise<void> => {
      writeFileSync(join(work, file), content)
      t.equal((await git(['-C', work, 'add', file])).code, 0)
      t.equal((await git(['-C', work, 'commit', '-q', '-m', `add ${file}`])).code, 0)
    }

    await t.test('clone of an empty repository, then a push as the bot', async t => {
      const clone = await git(['clone', '-q', remote('acme/app'), work])
      t.equal(clone.code, 0, clone.stderr)
      await commitFile('README', 'hello\n')
      const push = await git([...asBot, '-C', work, 'push', '-q', 'origin', 'HEAD:main'])
      t.equal(push.code, 0, push.stderr)
      t.equal(await head(bare('acme/app'), 'main'), await head(work))
    })

    await t.test('the reflog names the bot from X-Gitward-User', async t => {
      const log = await git(['-C', bare('acme/app'), 'log', '-g', '--format=%gn%x09%ge%x09%gs', 'main'])
      t.equal(log.code, 0, log.stderr)
      const [who, email, subject] = (log.stdout.split('\n')[0] ?? '').split('\t')
      t.equal(who, BOT)
      t.match(email, new RegExp(`^${BOT}@`))
      t.equal(subject, 'push')
    })

    await t.test('push without the identity header is refused', async t => {
      await commitFile('anonymous', 'nobody\n')
      const before = await head(bare('acme/app'), 'main')
      const push = await git(['-C', work, 'push', '-q', 'origin', 'HEAD:main'])
      t.not(push.code, 0)
      t.match(push.stderr, /403/)
      t.equal(await head(bare('acme/app'), 'main'), before)
    })

    await t.test('attack: identity header spelled with underscores does not become REMOTE_USER', async t => {
      const before = await head(bare('acme/app'), 'main')
      const push = await git(['-c', `http.extraHeader=X_Gitward_User: ${BOT}`, '-C', work, 'push', '-q', 'origin', 'HEAD:main'])
      t.not(push.code, 0)
      t.match(push.stderr, /403/)
      t.equal(await head(bare('acme/app'), 'main'), before)
    })

    await t.test('a push over 5 MiB sent with chunked transfer encoding', async t => {
      await commitFile('big.bin', noise(6 * 1024 * 1024))
      const trace = join(root, 'work', 'curl-trace')
      const push = await git([...asBot, '-c', 'http.postBuffer=65536', '-C', work, 'push', '-q', 'origin', 'HEAD:main'], {
        GIT_TRACE_CURL: trace,
        GIT_TRACE_CURL_NO_DATA: '1',
      })
      t.equal(push.code, 0, push.stderr)
      // Proves the request under test really was chunked.
      t.match(readFileSync(trace, 'utf8'), /Send header: Transfer-Encoding: chunked/)
      t.equal(await head(bare('acme/app'), 'main'), await head(work))
      const fsck = await git(['-C', bare('acme/app'), 'fsck', '--no-progress'])
      t.equal(fsck.code, 0, fsck.stderr)
    })

    for (const version of ['2', '0'] as const) {
      await t.test(`clone with protocol v${version}`, async t => {
        const trace = join(root, 'work', `packet-trace-v${version}`)
        const dest = join(root, 'work', `clone-v${version}`)
        const clone = await git(['-c', `protocol.version=${version}`, 'clone', '-q', remote('acme/app'), dest], {
          GIT_TRACE_PACKET: trace,
        })
        t.equal(clone.code, 0, clone.stderr)
        t.equal(await head(dest), await head(work))
        const spokeV2 = /git< version 2/.test(readFileSync(trace, 'utf8'))
        t.equal(spokeV2, version === '2')
      })
    }

    await t.test('a repository created after start is writable once handed over', async t => {
      await createBare('acme/later')
      up.handOver(bare('acme/later'))
      const push = await git([...asBot, '-C', work, 'push', '-q', remote('acme/later'), 'HEAD:main'])
      t.equal(push.code, 0, push.stderr)
      t.equal(await head(bare('acme/later'), 'main'), await head(work))
    })

    await t.test('only the smart-HTTP endpoints are served', async t => {
      const served = await fetch(`${remote('acme/app')}/info/refs?service=git-upload-pack`)
      t.equal(served.status, 200)
      await served.arrayBuffer()
      // Dumb HTTP and raw repository files would bypass gitward's classification.
      for (const path of ['/', '/acme/app.git/HEAD', '/acme/app.git/config', '/acme/app.git/objects/info/packs', '/acme/app.git/refs/heads/main']) {
        const res = await fetch(`${up.url}${path}`)
        await res.arrayBuffer()
        t.ok(res.status === 403 || res.status === 404, `${path} answered ${res.status}`)
      }
    })

    await t.test('stop() is idempotent and frees the port', async t => {
      await up.stop()
      await up.stop()
      await t.rejects(fetch(`${up.url}/`))
    })
  })
}

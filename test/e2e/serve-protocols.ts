// The everyday git operations through gitward, run as one scenario table
// under protocol v0 and protocol v2: push to an empty repository, clone,
// push from the clone, fetch, branches and tags, deletion, a forced push,
// ls-remote, a shallow clone and its deepening. Each step checks the bare
// repository (or the client) and which protocol the server really spoke.
import t, { type Test } from 'tap'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { startGitward, makeWorkingCopy, type Harness } from '../helpers/servers/gitward.js'
import { bareDir, commitFiles, revParse, spokenProtocol, workHead } from '../helpers/git/repos.js'

const PROJECT = 'acme/app'

for (const version of [0, 2] as const) {
  t.test(`protocol v${version}`, async t => {
    const h: Harness = await startGitward(t)
    await h.createProject(PROJECT)
    const { token } = await h.mint({ project: PROJECT, role: 'maintainer', scopes: ['read_repository', 'write_repository'] })
    const url = h.repoUrl(PROJECT, token)
    const bare = bareDir(h, PROJECT)
    const v = ['-c', `protocol.version=${version}`]
    let traces = 0
    /** Run git with a packet trace; returns the result and the protocol the server spoke. */
    const traced = async (args: string[], cwd?: string): Promise<{ code: number; stderr: string; spoke: 0 | 2 }> => {
      const trace = join(h.dir, `packet-trace-${++traces}`)
      const r = await h.git([...v, ...args], { ...(cwd === undefined ? {} : { cwd }), env: { GIT_TRACE_PACKET: trace } })
      let text = ''
      try {
        text = readFileSync(trace, 'utf8')
      } catch {
        // no packets at all
      }
      return { code: r.code, stderr: r.stderr, spoke: spokenProtocol(text) }
    }

    const wc = await makeWorkingCopy(h, 'origin-wc', { 'README.md': `protocol v${version}\n` })
    const clone = join(h.dir, 'clone')

    // The steps depend on each other and run in order.
    const steps: Array<[string, (t: Test) => Promise<void>]> = [
      [
        'push to an empty repository',
        async t => {
          const r = await h.git([...v, 'push', url, 'main'], { cwd: wc })
          t.equal(r.code, 0, r.stderr)
          t.equal(await revParse(h, bare, 'main'), await workHead(h, wc))
        },
      ],
      [
        'clone',
        async t => {
          const r = await traced(['clone', url, clone])
          t.equal(r.code, 0, r.stderr)
          t.equal(r.spoke, version, 'the server spoke the protocol the client asked for')
          t.equal(await workHead(h, clone), await revParse(h, bare, 'main'))
        },
      ],
      [
        'push a new commit from the clone',
        async t => {
          const id = await commitFiles(h, clone, { 'second.txt': 'second\n' }, 'second')
          const r = await h.git([...v, 'push', 'origin', 'main'], { cwd: clone })
          t.equal(r.code, 0, r.stderr)
          t.equal(await revParse(h, bare, 'main'), id)
        },
      ],
      [
        'fetch brings the new commit',
        async t => {
          t.equal((await h.git(['remote', 'add', 'origin', url], { cwd: wc })).code, 0)
          const r = await traced(['fetch', 'origin'], wc)
          t.equal(r.code, 0, r.stderr)
          t.equal(r.spoke, version)
          t.equal(await workHead(h, wc, 'refs/remotes/origin/main'), await revParse(h, bare, 'main'))
        },
      ],
      [
        'push a branch and an annotated tag',
        async t => {
          t.equal((await h.git(['checkout', '-q', '-b', 'feature'], { cwd: clone })).code, 0)
          const id = await commitFiles(h, clone, { 'feature.txt': 'feature\n' }, 'feature')
          t.equal((await h.git(['tag', '-a', '-m', 'release', 'v1.0'], { cwd: clone })).code, 0)
          const r = await h.git([...v, 'push', 'origin', 'feature', 'v1.0'], { cwd: clone })
          t.equal(r.code, 0, r.stderr)
          t.equal(await revParse(h, bare, 'refs/heads/feature'), id)
          t.equal(await revParse(h, bare, 'refs/tags/v1.0'), id)
        },
      ],
      [
        'ls-remote lists branches and tags',
        async t => {
          const r = await h.git([...v, 'ls-remote', url])
          t.equal(r.code, 0, r.stderr)
          t.match(r.stdout, /\trefs\/heads\/main\n/)
          t.match(r.stdout, /\trefs\/heads\/feature\n/)
          t.match(r.stdout, /\trefs\/tags\/v1\.0\n/)
        },
      ],
      [
        'fetch the branch and the tag',
        async t => {
          const r = await traced(['fetch', '--tags', 'origin'], wc)
          t.equal(r.code, 0, r.stderr)
          t.equal(await workHead(h, wc, 'refs/remotes/origin/feature'), await revParse(h, bare, 'refs/heads/feature'))
          t.equal(await workHead(h, wc, 'refs/tags/v1.0^{commit}'), await revParse(h, bare, 'refs/tags/v1.0'))
        },
      ],
      [
        'delete the branch',
        async t => {
          const r = await h.git([...v, 'push', 'origin', '--delete', 'feature'], { cwd: clone })
          t.equal(r.code, 0, r.stderr)
          t.equal(await revParse(h, bare, 'refs/heads/feature'), '')
        },
      ],
      [
        'forced (non-fast-forward) push',
        async t => {
          t.equal((await h.git(['checkout', '-q', 'main'], { cwd: clone })).code, 0)
          t.equal((await h.git(['reset', '-q', '--hard', 'HEAD~1'], { cwd: clone })).code, 0)
          const id = await commitFiles(h, clone, { 'rewritten.txt': 'rewritten\n' }, 'rewritten')
          const refused = await h.git([...v, 'push', 'origin', 'main'], { cwd: clone })
          t.not(refused.code, 0, 'a non-fast-forward push without force is refused by git')
          const r = await h.git([...v, 'push', '--force', 'origin', 'main'], { cwd: clone })
          t.equal(r.code, 0, r.stderr)
          t.equal(await revParse(h, bare, 'main'), id)
        },
      ],
      [
        'shallow clone, then deepen',
        async t => {
          const shallow = join(h.dir, 'shallow')
          const r = await traced(['clone', '--depth', '1', url, shallow])
          t.equal(r.code, 0, r.stderr)
          t.equal(r.spoke, version)
          t.equal((await h.git(['rev-list', '--count', 'HEAD'], { cwd: shallow })).stdout.trim(), '1')
          const deepen = await traced(['fetch', '--deepen', '1', 'origin'], shallow)
          t.equal(deepen.code, 0, deepen.stderr)
          t.equal((await h.git(['rev-list', '--count', 'HEAD'], { cwd: shallow })).stdout.trim(), '2')
        },
      ],
    ]
    for (const [name, step] of steps) await t.test(name, step)

    await t.test('every request was allowed or challenged, and logged with its service', async t => {
      const lines = h
        .logText()
        .split('\n')
        .filter(l => l !== '')
        .map(l => JSON.parse(l) as Record<string, unknown>)
        .filter(l => l['msg'] === 'request')
      t.ok(lines.length > 10)
      t.ok(lines.some(l => l['service'] === 'git-receive-pack' && l['decision'] === 'allow' && l['status'] === 200))
      t.ok(lines.some(l => l['service'] === 'git-upload-pack' && l['decision'] === 'allow' && l['status'] === 200))
      // git's first request of each command carries no credentials: 401 by design.
      t.same(
        [...new Set(lines.map(l => l['decision']))].sort(),
        ['allow', 'deny:no-credentials'],
        'nothing but allows and the credential challenge',
      )
    })
  })
}

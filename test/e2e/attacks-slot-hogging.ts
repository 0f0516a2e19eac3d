// Slot hogging: sockets that POST an upload-pack request for a public
// repository and then never read the answer. Each keeps a git process blocked
// on a full pipe for as long as the idle timeout allows; sixteen of them held
// every slot of backend_max_processes, and every other client — valid tokens
// on private projects included — got 503. Now one client address runs at
// most backend_max_processes_per_client git requests at once (a quarter of
// the total, at least 2), so a clone from another address still completes.
//
// The hogs come from 127.0.0.2 (all of 127/8 is loopback on Linux); the
// honest clone is real git from 127.0.0.1. Both the embedded backend and an
// external upstream (a git http-backend server on a unix: socket) are
// tested. This test fails on a gitward without the per-client share.
import t from 'tap'
import { randomBytes } from 'node:crypto'
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { connect, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startGitward, makeWorkingCopy } from '../helpers/servers/gitward.js'
import { uploadPackBody } from '../helpers/http/git-payloads.js'
import { waitUntil } from '../helpers/wait/wait-until.js'
import { within } from '../helpers/processes.js'
import { createEmbeddedBackend, type EmbeddedBackend } from '../../src/backend/embedded-backend.js'
import { silentLogger } from '../../src/log/logger.js'

const HOGS = 16
const MAX_PROCESSES = 8 // so the default share per client is 2
const SHARE = 2
// Random bytes cannot be compressed: the pack is far bigger than what the
// kernel buffers for a socket that does not read, so git blocks mid-pack.
const PACK_BYTES = 16 << 20

interface Hog {
  socket: Socket
  /** The status line of the answer, once its first bytes arrived. */
  status: string | null
}

/** A POST upload-pack from 127.0.0.2 that reads the status line, then nothing more. */
function hog(port: number, project: string, sha: string): Hog {
  const body = uploadPackBody(sha)
  const socket = connect({ host: '127.0.0.1', port, localAddress: '127.0.0.2' })
  const h: Hog = { socket, status: null }
  socket.on('error', () => {})
  socket.once('data', (chunk: Buffer) => {
    h.status = chunk.subarray(0, chunk.indexOf('\r\n')).toString('latin1')
    // Stop reading: git fills the pipes and the socket buffers, and blocks.
    socket.pause()
  })
  socket.once('connect', () => {
    socket.write(
      [
        `POST /${project}.git/git-upload-pack HTTP/1.1`,
        'Host: 127.0.0.1',
        'Content-Type: application/x-git-upload-pack-request',
        `Content-Length: ${body.length}`,
        '',
        '',
      ].join('\r\n'),
    )
    socket.write(body)
  })
  return h
}

for (const mode of ['embedded', 'external'] as const) {
  t.test(`${mode}: a clone from one address completes while ${HOGS} non-reading sockets from another hold upload-pack requests`, async t => {
    let external: EmbeddedBackend | null = null
    const config: Record<string, string> = { backend_max_processes: String(MAX_PROCESSES), backend_queue_timeout_ms: '3000', ban_enabled: 'false' }
    let reposForExternal: string | null = null
    if (mode === 'external') {
      // The upstream: a git http-backend server with the same process limit,
      // on a unix: socket, serving its own repository root.
      const root = mkdtempSync(join(tmpdir(), 'gw-hog-'))
      reposForExternal = join(root, 'repos')
      mkdirSync(join(reposForExternal, 'acme'), { recursive: true })
      mkdirSync(join(root, 'home'))
      external = createEmbeddedBackend({ reposRoot: reposForExternal, logger: silentLogger, maxProcesses: MAX_PROCESSES, queueTimeoutMs: 3000, homeDir: join(root, 'home') })
      const { socketPath } = await external.listenPrivate(root)
      config['upstream'] = `unix:${socketPath}`
      const backend = external
      t.teardown(async () => {
        await backend.close()
        rmSync(root, { recursive: true, force: true })
      })
    }
    const h = await startGitward(t, { config })
    await h.createProject('acme/big', 'public')
    const bare = join(reposForExternal ?? h.repos, 'acme', 'big.git')
    if (reposForExternal !== null) execFileSync('git', ['init', '-q', '--bare', '-b', 'main', bare])
    const wc = await makeWorkingCopy(h, 'wc', { 'big.bin': randomBytes(PACK_BYTES), 'README.md': 'hi\n' })
    const pushed = await h.git(['push', '-q', bare, 'main'], { cwd: wc })
    t.equal(pushed.code, 0, pushed.stderr)
    const sha = (await h.git(['rev-parse', 'HEAD'], { cwd: wc })).stdout.trim()
    const running = (): number => (external ?? h.app.backend)?.activeProcesses() ?? -1

    const hogs = Array.from({ length: HOGS }, () => hog(h.app.port, 'acme/big', sha))
    t.teardown(() => {
      for (const x of hogs) x.socket.destroy()
    })
    // The hogs have taken every place they can: some are streaming (200) and
    // blocked, the rest are refused or waiting.
    const streaming = (): number => hogs.filter(x => x.status?.startsWith('HTTP/1.1 200') === true).length
    t.ok(await waitUntil(() => streaming() >= SHARE && running() >= SHARE, 20_000), 'the hogs hold git processes')

    const clone = await within(h.git(['clone', '-q', h.repoUrl('acme/big'), 'honest']), 90_000, 'the honest clone')
    t.equal(clone.code, 0, `the clone from 127.0.0.1 completes: ${clone.stderr}`)
    t.equal(streaming(), SHARE, `127.0.0.2 got exactly its share of ${SHARE} git requests`)
    t.ok(hogs.filter(x => x.status?.startsWith('HTTP/1.1 503') === true).length >= HOGS - 2 * SHARE, 'the others were turned away with 503 at once')

    for (const x of hogs) x.socket.destroy()
    t.ok(await waitUntil(() => running() === 0, 10_000), 'the blocked git processes end with their clients')
  })
}

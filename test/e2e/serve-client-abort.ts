// A client that dies mid-transfer takes its server-side git processes with
// it: no receive-pack, index-pack, upload-pack or pack-objects is left
// holding a process slot, memory or a lock, and the server goes on serving.
// A relay holds the transfer at a chosen point, so "mid-push" is a state the
// test sets up rather than a race against a fast loopback.
import t, { type Test } from 'tap'
import { join } from 'node:path'
import { startGitward, makeWorkingCopy, type Harness } from '../helpers/servers/gitward.js'
import { bareDir, commitFiles, incompressible, revParse } from '../helpers/git/repos.js'
import { gitProcessesMentioning, spawnClientGroup, type ProcessInfo, within } from '../helpers/processes.js'
import { waitUntil } from '../helpers/wait/wait-until.js'
import { startRelay, type Direction } from '../helpers/http/relay.js'
import { withCredentials } from '../helpers/git/client.js'

const MiB = 1024 * 1024
const STEP_TIMEOUT_MS = 30_000
const CLEANUP_BOUND_MS = 5_000


const describe = (ps: readonly ProcessInfo[]): string => ps.map(p => `${p.pid} ${p.cmdline}`).join('\n')

async function killMidTransfer(
  t: Test,
  h: Harness,
  options: { token: string; direction: Direction; afterBytes: number; args: (url: string) => string[]; cwd: string; serverProcess: RegExp },
): Promise<void> {
  const relay = await startRelay({ targetPort: h.app.port, hold: { direction: options.direction, afterBytes: options.afterBytes } })
  t.teardown(() => relay.close())
  const url = `${withCredentials(`http://127.0.0.1:${relay.port}`, options.token)}/acme/app.git`
  const client = spawnClientGroup(h.home, options.args(url), { cwd: options.cwd })
  t.teardown(() => client.killGroup())

  // The transfer is under way and held: the server has a git process working for it.
  await within(
    Promise.race([relay.holding, client.exited.then(code => Promise.reject(new Error(`git ended before the hold (${code}): ${client.output()}`)))]),
    STEP_TIMEOUT_MS,
    'the transfer reaching the hold point',
  )
  const busy = await waitUntil(
    () => (h.app.backend?.activeProcesses() ?? 0) > 0 && gitProcessesMentioning(h.repos).some(p => options.serverProcess.test(p.cmdline)),
    STEP_TIMEOUT_MS,
  )
  t.ok(busy, 'the server is running git for the held transfer')

  client.killGroup()
  t.equal(await within(client.exited, STEP_TIMEOUT_MS, 'the client exiting'), 'SIGKILL')

  const clean = await waitUntil(
    () => h.app.backend?.activeProcesses() === 0 && gitProcessesMentioning(h.repos).length === 0,
    CLEANUP_BOUND_MS,
  )
  t.ok(clean, `no git process is left behind:\n${describe(gitProcessesMentioning(h.repos))}`)
  t.equal(h.app.backend?.activeProcesses(), 0)
  t.match(h.logText(), /client went away; git process stopped/)
}

t.test('a client killed mid-push leaves no git process behind', async t => {
  const h = await startGitward(t)
  await h.createProject('acme/app')
  const { token } = await h.mint({ project: 'acme/app' })
  const wc = await makeWorkingCopy(h, 'wc')
  t.equal((await h.git(['push', h.repoUrl('acme/app', token), 'main'], { cwd: wc })).code, 0)
  const seed = await revParse(h, bareDir(h, 'acme/app'), 'main')
  await commitFiles(h, wc, { 'big.bin': incompressible(8 * MiB) }, 'large')

  await killMidTransfer(t, h, {
    token,
    direction: 'up',
    afterBytes: 1 * MiB,
    args: url => ['-c', 'http.postBuffer=65536', 'push', url, 'main'],
    cwd: wc,
    serverProcess: /receive-pack/,
  })
  t.equal(await revParse(h, bareDir(h, 'acme/app'), 'main'), seed, 'the interrupted push changed nothing')

  // The server still serves, with its process slots free.
  const clone = await h.git(['clone', '-q', h.repoUrl('acme/app', token), join(h.dir, 'after')])
  t.equal(clone.code, 0, clone.stderr)
  const push = await h.git(['push', h.repoUrl('acme/app', token), 'main'], { cwd: wc })
  t.equal(push.code, 0, push.stderr)
})

t.test('a client killed mid-clone leaves no git process behind', async t => {
  const h = await startGitward(t)
  await h.createProject('acme/app')
  const { token } = await h.mint({ project: 'acme/app' })
  const wc = await makeWorkingCopy(h, 'wc', { 'big.bin': incompressible(8 * MiB) })
  t.equal((await h.git(['push', h.repoUrl('acme/app', token), 'main'], { cwd: wc })).code, 0)

  await killMidTransfer(t, h, {
    token,
    direction: 'down',
    afterBytes: 256 * 1024,
    args: url => ['clone', '-q', url, join(h.dir, 'held-clone')],
    cwd: h.dir,
    serverProcess: /upload-pack|pack-objects/,
  })

  const clone = await h.git(['clone', '-q', h.repoUrl('acme/app', token), join(h.dir, 'after')])
  t.equal(clone.code, 0, clone.stderr)
})

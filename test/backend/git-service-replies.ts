// The embedded backend runs git-upload-pack and git-receive-pack itself
// instead of through git http-backend. Its replies must be the ones git
// http-backend gives: each request below goes to the real git-http-backend
// (as a CGI program) and to the embedded backend, and status, the headers
// git sets and every body byte are compared.
import t from 'tap'
import { execFileSync, spawn } from 'node:child_process'
import http from 'node:http'
import path from 'node:path'
import { createEmbeddedBackend } from '../../src/backend/embedded-backend.js'
import { findServicePrograms } from '../../src/backend/git-service-programs.js'
import { planService, requestedProtocolVersion } from '../../src/backend/git-service.js'
import { createLogger } from '../../src/log/logger.js'
import { ManualClock } from '../../src/clock.js'
import { gitEnv } from '../helpers/git/client.js'

interface Reply {
  status: number
  headers: Record<string, string>
  body: Buffer
}

interface Case {
  name: string
  method: 'GET' | 'POST'
  /** Path below the repository, e.g. `info/refs?service=git-upload-pack`. */
  target: string
  headers: Record<string, string>
  body?: Buffer
  /** Only the status is compared (gitward words its refusals itself). */
  statusOnly?: boolean
  /** The reply carries a pack in side-band packets. */
  sideBand?: boolean
}

/** pkt-lines as text, except side-band packets, whose payloads are joined per channel. */
function demultiplexed(body: Buffer): { lines: string[]; channels: Record<number, string> } {
  const lines: string[] = []
  const channels: Record<number, string> = {}
  let inPack = false
  for (let i = 0; i + 4 <= body.length; ) {
    const n = parseInt(body.subarray(i, i + 4).toString('latin1'), 16)
    if (n < 4) {
      lines.push(body.subarray(i, i + 4).toString('latin1'))
      i += 4
      continue
    }
    const payload = body.subarray(i + 4, i + n)
    i += n
    if (inPack) {
      const band = payload[0] ?? 0
      channels[band] = (channels[band] ?? '') + payload.subarray(1).toString('latin1')
    } else {
      lines.push(payload.toString('latin1'))
      inPack = payload.toString('latin1') === 'packfile\n'
    }
  }
  return { lines, channels }
}

const pkt = (s: string): string => (s.length + 4).toString(16).padStart(4, '0') + s
const FLUSH = '0000'
const DELIM = '0001'
const HEADERS_COMPARED = ['content-type', 'cache-control', 'pragma', 'expires']

/** Run git's own git-http-backend for one request, as a web server's CGI would. */
function viaHttpBackend(root: string, project: string, c: Case): Promise<Reply> {
  const q = c.target.indexOf('?')
  const env: Record<string, string> = {
    GATEWAY_INTERFACE: 'CGI/1.1',
    SERVER_PROTOCOL: 'HTTP/1.1',
    REQUEST_METHOD: c.method,
    GIT_PROJECT_ROOT: root,
    PATH_INFO: `/${project}.git/${q === -1 ? c.target : c.target.slice(0, q)}`,
    QUERY_STRING: q === -1 ? '' : c.target.slice(q + 1),
    GIT_HTTP_EXPORT_ALL: '1',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    HOME: root,
    PATH: process.env.PATH ?? '/usr/bin:/bin',
  }
  if (c.headers['content-type'] !== undefined) env.CONTENT_TYPE = c.headers['content-type']
  if (c.headers['git-protocol'] !== undefined) env.GIT_PROTOCOL = c.headers['git-protocol']
  if (c.headers['x-gitward-remote-user'] !== undefined) env.REMOTE_USER = c.headers['x-gitward-remote-user']
  if (c.body !== undefined) env.CONTENT_LENGTH = String(c.body.length)
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['http-backend'], { env, stdio: ['pipe', 'pipe', 'ignore'] })
    const out: Buffer[] = []
    child.stdout.on('data', (d: Buffer) => out.push(d))
    child.on('error', reject)
    child.on('close', () => {
      const all = Buffer.concat(out)
      const end = all.indexOf('\r\n\r\n')
      const headers: Record<string, string> = {}
      let status = 200
      for (const line of all.subarray(0, end).toString('latin1').split('\r\n')) {
        const colon = line.indexOf(':')
        const name = line.slice(0, colon).toLowerCase()
        const value = line.slice(colon + 1).trim()
        if (name === 'status') status = Number(value.slice(0, 3))
        else headers[name] = value
      }
      resolve({ status, headers, body: all.subarray(end + 4) })
    })
    child.stdin.end(c.body ?? Buffer.alloc(0))
  })
}

function viaBackend(port: number, project: string, c: Case): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method: c.method, path: `/${project}.git/${c.target}`, headers: c.headers, agent: false },
      res => {
        const out: Buffer[] = []
        res.on('data', (d: Buffer) => out.push(d))
        res.on('end', () => {
          const headers: Record<string, string> = {}
          for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') headers[k] = v
          resolve({ status: res.statusCode ?? 0, headers, body: Buffer.concat(out) })
        })
      },
    )
    req.on('error', reject)
    req.end(c.body ?? Buffer.alloc(0))
  })
}

t.test('the embedded backend answers as git http-backend does', async t => {
  const dir = t.testdir({ repos: { acme: {} }, home: {}, work: {}, clienthome: {} })
  const repos = path.join(dir, 'repos')
  const bare = path.join(repos, 'acme', 'app.git')
  const work = path.join(dir, 'work')
  const git = (args: string[], cwd = work): string =>
    execFileSync('git', args, { cwd, env: gitEnv(path.join(dir, 'clienthome')), encoding: 'utf8' }).trim()
  git(['init', '--quiet', '--bare', '--initial-branch=main', bare])
  git(['init', '--quiet', '--initial-branch=main'])
  for (const n of [1, 2, 3]) {
    execFileSync('sh', ['-c', `echo ${n} > f${n}`], { cwd: work })
    git(['add', '.'])
    git(['commit', '--quiet', '-m', `commit ${n}`])
  }
  git(['tag', '-a', '-m', 'release', 'v1'])
  git(['push', '--quiet', bare, 'main', 'v1'])
  // One delta-search thread: with more, two packs of the same objects may
  // differ in their bytes, whoever builds them.
  git(['--git-dir', bare, 'config', 'pack.threads', '1'])
  const head = git(['rev-parse', 'HEAD'])

  const found = findServicePrograms('git', process.env.PATH ?? '/usr/bin:/bin')
  if (!found.ok) throw new Error(found.reason)
  const backend = createEmbeddedBackend({
    reposRoot: repos,
    logger: createLogger({ write: () => {}, clock: new ManualClock(0) }),
    maxProcesses: 4,
    queueTimeoutMs: 5000,
    homeDir: path.join(dir, 'home'),
    pathEnv: process.env.PATH ?? '/usr/bin:/bin',
    servicePrograms: found.programs,
  })
  t.teardown(() => backend.close())
  const { port } = await backend.listenTcp('127.0.0.1', 0)

  const user = { 'x-gitward-remote-user': 'project_k3j9x2m1q8ab_bot' }
  const uploadRequest = { 'content-type': 'application/x-git-upload-pack-request' }
  const cases: Case[] = [
    { name: 'upload-pack advertisement, protocol v0', method: 'GET', target: 'info/refs?service=git-upload-pack', headers: {} },
    { name: 'upload-pack advertisement, protocol v1', method: 'GET', target: 'info/refs?service=git-upload-pack', headers: { 'git-protocol': 'version=1' } },
    { name: 'upload-pack advertisement, protocol v2', method: 'GET', target: 'info/refs?service=git-upload-pack', headers: { 'git-protocol': 'version=2' } },
    { name: 'upload-pack advertisement, v2 among other keys', method: 'GET', target: 'info/refs?service=git-upload-pack', headers: { 'git-protocol': 'version=1:version=2' } },
    { name: 'receive-pack advertisement with an identity', method: 'GET', target: 'info/refs?service=git-receive-pack', headers: user },
    { name: 'receive-pack advertisement asked for v2 (git answers v0)', method: 'GET', target: 'info/refs?service=git-receive-pack', headers: { ...user, 'git-protocol': 'version=2' } },
    {
      name: 'v2 ls-refs',
      method: 'POST',
      target: 'git-upload-pack',
      headers: { ...uploadRequest, 'git-protocol': 'version=2' },
      body: Buffer.from(pkt('command=ls-refs\n') + DELIM + pkt('peel\n') + pkt('symrefs\n') + pkt('ref-prefix refs/\n') + FLUSH),
    },
    {
      name: 'v2 fetch of the whole history',
      method: 'POST',
      sideBand: true,
      target: 'git-upload-pack',
      headers: { ...uploadRequest, 'git-protocol': 'version=2' },
      body: Buffer.from(pkt('command=fetch\n') + DELIM + pkt('no-progress\n') + pkt(`want ${head}\n`) + pkt('done\n') + FLUSH),
    },
    {
      name: 'v0 fetch of the whole history',
      method: 'POST',
      target: 'git-upload-pack',
      headers: uploadRequest,
      body: Buffer.from(pkt(`want ${head} ofs-delta no-progress\n`) + FLUSH + pkt('done\n')),
    },
    { name: 'receive-pack without an identity', method: 'GET', target: 'info/refs?service=git-receive-pack', headers: {}, statusOnly: true },
    { name: 'a POST with the wrong Content-Type', method: 'POST', target: 'git-upload-pack', headers: { 'content-type': 'text/plain' }, body: Buffer.from(FLUSH), statusOnly: true },
    { name: 'upload-archive, which git does not serve over HTTP', method: 'POST', target: 'git-upload-archive', headers: { 'content-type': 'application/x-git-upload-archive-request' }, body: Buffer.from(FLUSH), statusOnly: true },
  ]
  for (const c of cases) {
    const [expected, actual] = await Promise.all([viaHttpBackend(repos, 'acme/app', c), viaBackend(port, 'acme/app', c)])
    t.equal(actual.status, expected.status, `${c.name}: status ${expected.status}`)
    if (c.statusOnly === true) {
      t.match(actual.headers['content-type'], /^text\/plain/, `${c.name}: a plain-text refusal`)
      continue
    }
    for (const name of HEADERS_COMPARED) t.equal(actual.headers[name], expected.headers[name], `${c.name}: ${name}`)
    t.ok(expected.body.length > 0, `${c.name}: git http-backend sent a body`)
    if (c.sideBand === true) {
      // How git cuts a pack into side-band packets depends on how its reads
      // happen to return, so two runs of git itself differ there.
      t.same(demultiplexed(actual.body), demultiplexed(expected.body), `${c.name}: the same lines and the same pack`)
    } else {
      t.ok(actual.body.equals(expected.body), `${c.name}: the same ${expected.body.length} body bytes`)
    }
  }
  t.equal(backend.activeProcesses(), 0)
})

t.test('the protocol version is the highest version=N git would pick', async t => {
  const table: Array<[string | undefined, number]> = [
    [undefined, 0],
    ['', 0],
    ['version=0', 0],
    ['version=1', 1],
    ['version=2', 2],
    ['version=2:version=1', 2],
    ['version=1:version=2', 2],
    ['version=3', 0],
    ['object-format=sha256:version=2', 2],
    ['versions=2', 0],
  ]
  for (const [header, version] of table) t.equal(requestedProtocolVersion(header), version, String(header))
})

t.test('planService refuses what git http-backend refuses, and names nothing else to run', async t => {
  const route = (kind: 'advertisement' | 'rpc', service: string) => ({ kind, project: 'acme/app', service }) as never
  const none = { contentType: undefined, remoteUser: undefined, gitProtocol: undefined }
  t.match(planService(route('advertisement', 'git-receive-pack'), none), { ok: false, status: 403 })
  t.match(planService(route('advertisement', 'git-receive-pack'), { ...none, remoteUser: '' }), { ok: false, status: 403 })
  t.match(planService(route('rpc', 'git-upload-archive'), { ...none, contentType: 'application/x-git-upload-archive-request' }), { ok: false, status: 404 })
  t.match(planService(route('rpc', 'git-upload-pack'), { ...none, contentType: 'application/x-git-receive-pack-request' }), { ok: false, status: 415 })
  t.match(planService(route('rpc', 'git-upload-pack'), none), { ok: false, status: 415 })
  const push = planService(route('rpc', 'git-receive-pack'), { ...none, contentType: 'application/x-git-receive-pack-request', remoteUser: 'bot' })
  t.match(push, { ok: true, call: { service: 'receive-pack', args: ['--stateless-rpc', '.'], preamble: null } })
  const adv = planService(route('advertisement', 'git-upload-pack'), none)
  t.match(adv, { ok: true, call: { service: 'upload-pack', args: ['--stateless-rpc', '--advertise-refs', '.'] } })
  if (adv.ok) t.equal(adv.call.preamble?.toString(), '001e# service=git-upload-pack\n0000')
})

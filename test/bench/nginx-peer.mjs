// The peer gitward is compared with: nginx + fcgiwrap + git http-backend on
// the same repositories, in two flavours served by one nginx:
//   nginx       the shipped config/nginx-upstream.conf, no authentication
//   nginx-auth  the same server block plus auth_basic against a bcrypt
//               (cost 10) htpasswd file — the usual way to put passwords in
//               front of git http-backend without gitward.
// Everything (pid, logs, temp files, sockets) lives in `dir`; both servers
// listen on 127.0.0.1 only.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ensureBinaries, isExecutable } from './system-tools.mjs'

const HTTP_BACKEND = '/usr/lib/git-core/git-http-backend'
const STARTUP_MS = 15_000

export function freeLoopbackPort() {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

async function waitUntil(check, alive, timeoutMs) {
  const end = Date.now() + timeoutMs
  while (Date.now() < end) {
    if (!alive()) return false
    if (await check()) return true
    await new Promise(r => setTimeout(r, 50))
  }
  return false
}

const portOpen = port =>
  new Promise(resolve => {
    const s = connect({ host: '127.0.0.1', port })
    s.once('connect', () => {
      s.destroy()
      resolve(true)
    })
    s.once('error', () => resolve(false))
  })

function replaceOnce(text, from, to) {
  if (!text.includes(from)) throw new Error(`config/nginx-upstream.conf no longer contains "${from}"; update test/bench/nginx-peer.mjs`)
  return text.split(from).join(to)
}

function serverBlock(template, { port, fcgiSocket, reposRoot, htpasswd }) {
  let text = replaceOnce(template, 'listen 127.0.0.1:8081;', `listen 127.0.0.1:${port};`)
  text = replaceOnce(text, 'unix:/run/fcgiwrap.socket;', `unix:${fcgiSocket};`)
  text = replaceOnce(text, 'GIT_PROJECT_ROOT /srv/git;', `GIT_PROJECT_ROOT ${reposRoot};`)
  if (htpasswd !== undefined) {
    text = replaceOnce(text, 'server_name _;', `server_name _;\n    auth_basic "git";\n    auth_basic_user_file ${htpasswd};`)
  }
  return text
}

/**
 * Resolves { available: false, reason } or
 * { available: true, plain: { url }, auth: { url }, stop() }.
 */
export async function startNginxPeer({ registry, root, dir, reposRoot, user, password, fcgiProcesses, log }) {
  const tools = ensureBinaries(['nginx', 'fcgiwrap', 'htpasswd'], ['nginx', 'fcgiwrap', 'apache2-utils'], log)
  if (!tools.ok) return { available: false, reason: tools.reason }
  if (!isExecutable(HTTP_BACKEND)) return { available: false, reason: `${HTTP_BACKEND} is missing` }
  const { nginx, fcgiwrap, htpasswd } = tools.paths

  rmSync(dir, { recursive: true, force: true })
  mkdirSync(join(dir, 'tmp'), { recursive: true })
  mkdirSync(join(dir, 'home'), { recursive: true })
  // A short path: a Unix socket path is limited to about 107 bytes.
  const sockets = mkdtempSync(join(tmpdir(), 'gwb-fcgi-'))
  const fcgiSocket = join(sockets, 'fcgiwrap.sock')

  // The password goes to htpasswd on stdin, never on a command line.
  const htpasswdFile = join(dir, 'htpasswd')
  const h = spawnSync(htpasswd, ['-i', '-B', '-C', '10', '-c', htpasswdFile, user], { input: password + '\n', encoding: 'utf8' })
  if (h.status !== 0) return { available: false, reason: `htpasswd failed: ${h.stderr.trim()}` }

  const started = []
  const stop = async () => {
    for (const p of started.reverse()) await registry.stop(p)
    started.length = 0
    rmSync(sockets, { recursive: true, force: true })
  }
  try {
    // -c: as many CGI workers as gitward's backend_max_processes, so neither
    // side queues where the other does not. -p: only git http-backend runs.
    const cgiEnv = { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: join(dir, 'home'), LANG: 'C', GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' }
    const wrap = registry.start(fcgiwrap, ['-f', '-c', String(fcgiProcesses), '-s', `unix:${fcgiSocket}`, '-p', HTTP_BACKEND], { env: cgiEnv, stdio: ['ignore', 'ignore', 'ignore'], detached: true }, 'fcgiwrap')
    started.push(wrap)
    if (!(await waitUntil(async () => existsSync(fcgiSocket), () => !wrap.exited, STARTUP_MS))) throw new Error('fcgiwrap did not start')

    const template = readFileSync(join(root, 'config', 'nginx-upstream.conf'), 'utf8')
    const plainPort = await freeLoopbackPort()
    let authPort = await freeLoopbackPort()
    while (authPort === plainPort) authPort = await freeLoopbackPort()
    writeFileSync(join(dir, 'plain.conf'), serverBlock(template, { port: plainPort, fcgiSocket, reposRoot }))
    writeFileSync(join(dir, 'auth.conf'), serverBlock(template, { port: authPort, fcgiSocket, reposRoot, htpasswd: htpasswdFile }))
    const tmp = join(dir, 'tmp')
    const main = [
      // As root, workers must be root to reach fcgiwrap's socket.
      process.getuid?.() === 0 ? 'user root root;' : '',
      'worker_processes auto;',
      `pid ${join(dir, 'nginx.pid')};`,
      `error_log ${join(dir, 'error.log')} warn;`,
      'events { worker_connections 1024; }',
      'http {',
      `  access_log ${join(dir, 'access.log')};`,
      `  client_body_temp_path ${join(tmp, 'body')};`,
      `  proxy_temp_path ${join(tmp, 'proxy')};`,
      `  fastcgi_temp_path ${join(tmp, 'fastcgi')};`,
      `  uwsgi_temp_path ${join(tmp, 'uwsgi')};`,
      `  scgi_temp_path ${join(tmp, 'scgi')};`,
      `  include ${join(dir, 'plain.conf')};`,
      `  include ${join(dir, 'auth.conf')};`,
      '}',
      '',
    ].join('\n')
    writeFileSync(join(dir, 'nginx.conf'), main)
    const master = registry.start(
      nginx,
      ['-p', dir + '/', '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log'), '-g', 'daemon off;'],
      { env: { PATH: cgiEnv.PATH, LANG: 'C' }, stdio: ['ignore', 'ignore', 'ignore'], detached: true },
      'nginx',
    )
    started.push(master)
    const up = await waitUntil(async () => (await portOpen(plainPort)) && (await portOpen(authPort)), () => !master.exited, STARTUP_MS)
    if (!up) {
      let tail = ''
      try {
        tail = readFileSync(join(dir, 'error.log'), 'utf8').slice(-2000)
      } catch {
        // no log yet
      }
      throw new Error(`nginx did not start:\n${tail}`)
    }
    const version = /nginx\/(\S+)/.exec(spawnSync(nginx, ['-v'], { encoding: 'utf8' }).stderr ?? '')?.[1] ?? 'unknown'
    return {
      available: true,
      version,
      plain: { label: 'nginx', url: `http://127.0.0.1:${plainPort}` },
      auth: { label: 'nginx-auth', url: `http://127.0.0.1:${authPort}` },
      fcgiProcesses,
      stop,
    }
  } catch (error) {
    await stop()
    return { available: false, reason: error instanceof Error ? error.message : String(error) }
  }
}

// Starts the documented nginx + fcgiwrap upstream (config/nginx-upstream.conf)
// on a free loopback port, as child processes of the test: its own fcgiwrap
// on a private Unix socket and its own nginx master with every pid, log and
// temp path inside `dir`. The server block is the shipped file with only the
// port, the fcgiwrap socket and the repository root substituted, so the
// configuration in the docs is the one the tests run.
import { mkdirSync, readFileSync, existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  findBinary,
  freeLoopbackPort,
  isExecutable,
  readTail,
  shortTempDir,
  startDaemon,
  substitute,
  type Daemon,
} from './daemon-process.js'
import type { UpstreamOptions, UpstreamStart } from './upstream-handle.js'
import { waitForPort, waitForFile } from '../wait/port.js'

export const NGINX_TEMPLATE = fileURLToPath(new URL('../../../config/nginx-upstream.conf', import.meta.url))
const HTTP_BACKEND = '/usr/lib/git-core/git-http-backend'
const ATTEMPTS = 3

/** The shipped server block with test values put in. */
export function nginxServerBlock(values: { port: number; fcgiSocket: string; reposRoot: string }): string {
  let text = readFileSync(NGINX_TEMPLATE, 'utf8')
  text = substitute(text, 'listen 127.0.0.1:8081;', `listen 127.0.0.1:${values.port};`, NGINX_TEMPLATE)
  text = substitute(text, 'unix:/run/fcgiwrap.socket;', `unix:${values.fcgiSocket};`, NGINX_TEMPLATE)
  text = substitute(text, 'GIT_PROJECT_ROOT /srv/git;', `GIT_PROJECT_ROOT ${values.reposRoot};`, NGINX_TEMPLATE)
  return text
}

/** A minimal main config around the server block, like Debian's nginx.conf includes sites-enabled. */
function nginxMainConfig(dir: string, serverFile: string, asRoot: boolean): string {
  const tmp = join(dir, 'tmp')
  return [
    // Workers must reach fcgiwrap's socket, which belongs to the current
    // user; as root that means root workers (nginx's default user "nobody"
    // could not connect, and Debian has no group "nobody").
    asRoot ? 'user root root;' : '',
    'worker_processes 1;',
    `pid ${join(dir, 'nginx.pid')};`,
    `error_log ${join(dir, 'error.log')} info;`,
    'events { worker_connections 64; }',
    'http {',
    `  access_log ${join(dir, 'access.log')};`,
    `  client_body_temp_path ${join(tmp, 'body')};`,
    `  proxy_temp_path ${join(tmp, 'proxy')};`,
    `  fastcgi_temp_path ${join(tmp, 'fastcgi')};`,
    `  uwsgi_temp_path ${join(tmp, 'uwsgi')};`,
    `  scgi_temp_path ${join(tmp, 'scgi')};`,
    `  include ${serverFile};`,
    '}',
    '',
  ].join('\n')
}

export async function startNginxUpstream(options: UpstreamOptions): Promise<UpstreamStart> {
  const nginx = findBinary('nginx', process.env['PATH'])
  if (nginx === null) return { available: false, reason: 'nginx is not installed' }
  const fcgiwrap = findBinary('fcgiwrap', process.env['PATH'])
  if (fcgiwrap === null) return { available: false, reason: 'fcgiwrap is not installed' }
  if (!isExecutable(HTTP_BACKEND)) return { available: false, reason: `${HTTP_BACKEND} is missing` }

  const { dir, reposRoot } = options
  const home = join(dir, 'home')
  mkdirSync(join(dir, 'tmp'), { recursive: true })
  mkdirSync(home, { recursive: true })
  const sockets = shortTempDir('gw-fcgi-')
  const fcgiSocket = join(sockets.path, 'fcgiwrap.sock')
  const asRoot = process.getuid?.() === 0

  // git http-backend inherits fcgiwrap's environment: keep it small and free
  // of the machine's git configuration.
  const cgiEnv = {
    PATH: '/usr/local/bin:/usr/bin:/bin',
    HOME: home,
    LANG: 'C',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
  }
  const started: Daemon[] = []
  const stopAll = async (): Promise<void> => {
    // nginx first, so no request reaches a dying fcgiwrap.
    for (const d of [...started].reverse()) await d.stop()
    started.length = 0
    sockets.remove()
  }

  try {
    // -p: run nothing but git http-backend, whatever SCRIPT_FILENAME says.
    const wrapper = startDaemon(fcgiwrap, ['-f', '-s', `unix:${fcgiSocket}`, '-p', HTTP_BACKEND], { env: cgiEnv })
    started.push(wrapper)
    if (!(await waitForFile(() => existsSync(fcgiSocket), () => !wrapper.exited()))) {
      throw new Error(`fcgiwrap did not start:\n${wrapper.output()}`)
    }

    const serverFile = join(dir, 'gitward-upstream.conf')
    const mainFile = join(dir, 'nginx.conf')
    writeFileSync(mainFile, nginxMainConfig(dir, serverFile, asRoot))
    let lastOutput = ''
    // The free port can be taken between probing and binding; try again.
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const port = await freeLoopbackPort()
      writeFileSync(serverFile, nginxServerBlock({ port, fcgiSocket, reposRoot }))
      const master = startDaemon(
        nginx,
        ['-p', dir + '/', '-c', mainFile, '-e', join(dir, 'error.log'), '-g', 'daemon off;'],
        { env: { PATH: cgiEnv.PATH, LANG: 'C' } },
      )
      if (await waitForPort(port, () => !master.exited())) {
        started.push(master)
        let stopped: Promise<void> | null = null
        return {
          available: true,
          url: `http://127.0.0.1:${port}`,
          port,
          // fcgiwrap runs the CGI as the current user, who already owns the repositories.
          handOver: () => {},
          stop: () => (stopped ??= stopAll()),
        }
      }
      lastOutput = master.output()
      await master.stop()
    }
    throw new Error(`nginx did not start after ${ATTEMPTS} attempts:\n${lastOutput}${readTail(join(dir, 'error.log'))}`)
  } catch (error) {
    await stopAll()
    throw error
  }
}

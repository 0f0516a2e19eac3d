// Starts the documented Apache upstream (config/apache-upstream.conf) on a
// free loopback port as a child process of the test: `apache2 -f <dir>/httpd.conf
// -DFOREGROUND` with its own ServerRoot, PidFile, ErrorLog, Mutex and cgid
// socket. The virtual host is the shipped file with only the port and the
// repository root substituted, so the configuration in the docs is the one
// the tests run.
//
// Apache refuses to run its children as root. When the tests run as root the
// CGI runs as `nobody` instead, so the helper hands the repository root to
// that user (and `handOver` does the same for repositories created later).
// Reading those repositories as root then needs `git -c safe.directory=*`.
import { spawnSync } from 'node:child_process'
import { chmodSync, lchownSync, lstatSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  findBinary,
  freeLoopbackPort,
  isExecutable,
  readTail,
  shortTempDir,
  startDaemon,
  substitute,
} from './daemon-process.js'
import type { UpstreamOptions, UpstreamStart } from './upstream-handle.js'
import { waitForPort } from '../wait/port.js'

export const APACHE_TEMPLATE = fileURLToPath(new URL('../../../config/apache-upstream.conf', import.meta.url))
const HTTP_BACKEND = '/usr/lib/git-core/git-http-backend'
const MODULES_DIR = '/usr/lib/apache2/modules'
const ATTEMPTS = 3
// Every module the shipped virtual host needs, and nothing else.
const MODULES = ['mpm_event', 'authz_core', 'cgid', 'alias', 'env', 'setenvif'] as const
// Built into Debian's apache2; loaded only where they are not.
const MAYBE_BUILT_IN = ['unixd', 'log_config'] as const

/** The shipped virtual host with test values put in. */
export function apacheVirtualHost(values: { port: number; reposRoot: string }): string {
  let text = readFileSync(APACHE_TEMPLATE, 'utf8')
  text = substitute(text, '127.0.0.1:8082', `127.0.0.1:${values.port}`, APACHE_TEMPLATE)
  text = substitute(text, 'GIT_PROJECT_ROOT /srv/git', `GIT_PROJECT_ROOT ${values.reposRoot}`, APACHE_TEMPLATE)
  return text
}

interface RunAs {
  user: string
  uid: number
  gid: number
}

/** The unprivileged account CGIs run as when the tests run as root. */
function unprivilegedAccount(): RunAs | null {
  const uid = spawnSync('id', ['-u', 'nobody'], { encoding: 'utf8' })
  const gid = spawnSync('id', ['-g', 'nobody'], { encoding: 'utf8' })
  if (uid.status !== 0 || gid.status !== 0) return null
  return { user: 'nobody', uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) }
}

function chownTree(path: string, uid: number, gid: number): void {
  lchownSync(path, uid, gid)
  if (!lstatSync(path).isDirectory()) return
  for (const name of readdirSync(path)) chownTree(join(path, name), uid, gid)
}

/** Every directory above `path` must let other users through, or the CGI user cannot reach it. */
function untraversableAncestor(path: string): string | null {
  for (let p = dirname(path); ; p = dirname(p)) {
    if ((statSync(p).mode & 0o001) === 0) return p
    if (dirname(p) === p) return null
  }
}

function apacheMainConfig(o: { dir: string; runtime: string; vhostFile: string; runAs: RunAs | null }): string {
  const lines = [
    `ServerRoot ${o.dir}`,
    `PidFile ${join(o.dir, 'httpd.pid')}`,
    `DefaultRuntimeDir ${o.runtime}`,
    `Mutex file:${o.runtime}`,
    `ErrorLog ${join(o.dir, 'error.log')}`,
    'LogLevel info',
    'ServerName 127.0.0.1',
    ...MODULES.map(m => `LoadModule ${m}_module ${join(MODULES_DIR, `mod_${m}.so`)}`),
    ...MAYBE_BUILT_IN.map(
      m => `<IfModule !${m}_module>\n  LoadModule ${m}_module ${join(MODULES_DIR, `mod_${m}.so`)}\n</IfModule>`,
    ),
    `ScriptSock ${join(o.runtime, 'cgid.sock')}`,
    'StartServers 1',
    'ServerLimit 2',
    'ThreadsPerChild 8',
    'MinSpareThreads 1',
    'MaxSpareThreads 16',
    'MaxRequestWorkers 16',
    // As in Debian's apache2.conf: nothing on disk is served unless granted.
    '<Directory />',
    '  AllowOverride None',
    '  Require all denied',
    '</Directory>',
    // Keep the machine's git configuration out of the tests.
    'SetEnv GIT_CONFIG_NOSYSTEM 1',
    'LogFormat "%h %l %u %t \\"%r\\" %>s %b" common',
    `CustomLog ${join(o.dir, 'access.log')} common`,
    `Include ${o.vhostFile}`,
    '',
  ]
  if (o.runAs !== null) lines.unshift(`User #${o.runAs.uid}`, `Group #${o.runAs.gid}`)
  return lines.join('\n')
}

export async function startApacheUpstream(options: UpstreamOptions): Promise<UpstreamStart> {
  const apache = findBinary('apache2', process.env['PATH']) ?? findBinary('httpd', process.env['PATH'])
  if (apache === null) return { available: false, reason: 'apache2 is not installed' }
  if (!isExecutable(HTTP_BACKEND)) return { available: false, reason: `${HTTP_BACKEND} is missing` }
  for (const m of MODULES) {
    const file = join(MODULES_DIR, `mod_${m}.so`)
    try {
      statSync(file)
    } catch {
      return { available: false, reason: `the Apache module ${file} is missing` }
    }
  }

  const { dir, reposRoot } = options
  mkdirSync(dir, { recursive: true })
  let runAs: RunAs | null = null
  if (process.getuid?.() === 0) {
    runAs = unprivilegedAccount()
    if (runAs === null) return { available: false, reason: 'running as root and there is no user "nobody" for Apache' }
    for (const p of [reposRoot, dir]) {
      const blocked = untraversableAncestor(p)
      if (blocked !== null) {
        throw new Error(`Apache's CGI user "nobody" cannot reach ${p}: ${blocked} is not searchable by others (chmod o+x)`)
      }
    }
    chmodSync(dir, 0o755)
    chownTree(reposRoot, runAs.uid, runAs.gid)
  }
  const handOver = (path: string): void => {
    if (runAs !== null) chownTree(path, runAs.uid, runAs.gid)
  }

  // Short path for the cgid socket; its children (the CGI user) must reach it.
  const runtime = shortTempDir('gw-httpd-')
  chmodSync(runtime.path, 0o711)
  const vhostFile = join(dir, 'gitward-upstream.conf')
  const mainFile = join(dir, 'httpd.conf')
  writeFileSync(mainFile, apacheMainConfig({ dir, runtime: runtime.path, vhostFile, runAs }))

  let lastOutput = ''
  try {
    // The free port can be taken between probing and binding; try again.
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const port = await freeLoopbackPort()
      writeFileSync(vhostFile, apacheVirtualHost({ port, reposRoot }))
      const server = startDaemon(apache, ['-f', mainFile, '-DFOREGROUND'], {
        env: { PATH: '/usr/local/bin:/usr/bin:/bin', LANG: 'C' },
      })
      if (await waitForPort(port, () => !server.exited())) {
        let stopped: Promise<void> | null = null
        return {
          available: true,
          url: `http://127.0.0.1:${port}`,
          port,
          handOver,
          stop: () => (stopped ??= server.stop().then(() => runtime.remove())),
        }
      }
      lastOutput = server.output()
      await server.stop()
    }
  } catch (error) {
    runtime.remove()
    throw error
  }
  runtime.remove()
  throw new Error(`apache2 did not start after ${ATTEMPTS} attempts:\n${lastOutput}${readTail(join(dir, 'error.log'))}`)
}

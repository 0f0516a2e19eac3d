// The shipped deployment files agree with the code: the example environment
// file loads without a problem, the unit waits longer than the shutdown grace
// period, and systemd accepts the unit.
import t from 'tap'
import { spawnSync } from 'node:child_process'
import { copyFileSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { loadConfig } from '../../src/config/load.js'
import { SCHEMA } from '../../src/config/schema.js'
import { findBinary } from '../helpers/servers/daemon-process.js'

const CONFIG_DIR = fileURLToPath(new URL('../../config/', import.meta.url))
const read = (name: string): string => readFileSync(join(CONFIG_DIR, name), 'utf8')

/** KEY=value lines of an EnvironmentFile; `commented` also takes "#KEY=value" examples. */
function envLines(text: string, commented: boolean): Record<string, string> {
  const out = Object.create(null) as Record<string, string>
  for (const line of text.split('\n')) {
    const m = (commented ? /^#?(GITWARD_[A-Z_]+)=(.*)$/ : /^(GITWARD_[A-Z_]+)=(.*)$/).exec(line)
    if (m !== null) out[m[1] ?? ''] = m[2] ?? ''
  }
  return out
}

/** The values of `Key=` lines in a unit file, in order. */
function directives(unit: string, key: string): string[] {
  return unit
    .split('\n')
    .filter(line => line.startsWith(`${key}=`))
    .map(line => line.slice(key.length + 1))
}

t.test('gitward.env.example loads as it stands', async t => {
  const config = loadConfig({ flags: {}, env: envLines(read('gitward.env.example'), false), cwd: '/' })
  t.equal(config.db, '/var/lib/gitward/gitward.db')
  t.equal(config.repos, '/var/lib/gitward/repositories')
  t.equal(config.listen, '0.0.0.0:443')
  t.not(config.tls_cert, null)
  t.not(config.tls_key, null)
})

t.test('every commented example in gitward.env.example is a valid setting', async t => {
  const config = loadConfig({ flags: {}, env: envLines(read('gitward.env.example'), true), cwd: '/' })
  t.equal(config.upstream, 'http://127.0.0.1:8081')
  t.equal(config.identity_header, SCHEMA.identity_header.default)
  t.same(config.trusted_proxies, ['127.0.0.1', '::1'])
})

t.test('the unit outlasts the shutdown grace period and keeps its promises', async t => {
  const unit = read('gitward.service')
  const [stop] = directives(unit, 'TimeoutStopSec')
  const stopSeconds = Number(/^(\d+)s$/.exec(stop ?? '')?.[1])
  t.ok(stopSeconds * 1000 > SCHEMA.shutdown_grace_ms.default, `TimeoutStopSec=${stop}`)
  t.same(directives(unit, 'ExecStart'), ['/usr/bin/gitward serve'])
  t.same(directives(unit, 'User'), ['gitward'])
  t.same(directives(unit, 'ExecReload'), ['/bin/kill -HUP $MAINPID'])
  t.same(directives(unit, 'ProtectSystem'), ['strict'])
  t.same(directives(unit, 'UMask'), ['0077'])
  // V8's JIT cannot run under it.
  t.same(directives(unit, 'MemoryDenyWriteExecute'), [])
  // The user the unit runs as is the one sysusers creates and tmpfiles uses.
  t.match(read('gitward.sysusers.conf'), /^u gitward /m)
  t.match(read('gitward.tmpfiles.conf'), /^d\s+\/var\/lib\/gitward\/repositories\s+0750 gitward gitward/m)
})

t.test('systemd-analyze verify accepts the unit', async t => {
  const analyze = findBinary('systemd-analyze', '/usr/bin:/bin')
  if (analyze === null) {
    t.pass('systemd-analyze', { skip: 'systemd-analyze is not installed' })
    return
  }
  const dir = t.testdir({})
  const copy = join(dir, 'gitward.service')
  copyFileSync(join(CONFIG_DIR, 'gitward.service'), copy)
  const result = spawnSync(analyze, ['verify', copy], { encoding: 'utf8', timeout: 30_000 })
  // gitward itself is not installed on a build machine; anything else is a real complaint.
  const complaints = `${result.stdout}${result.stderr}`
    .split('\n')
    .filter(line => line.trim() !== '' && !/Command \/usr\/bin\/gitward is not executable/.test(line))
  t.same(complaints, [])
})

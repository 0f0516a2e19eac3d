import t from 'tap'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { loadConfig } from '../../src/config/load.js'
import { CONFIG_KEYS, SCHEMA } from '../../src/config/schema.js'
import { GitwardError } from '../../src/errors.js'
import { ROOT } from '../helpers/paths/root.js'

const files = (map: Record<string, string>) => (p: string): string => {
  const v = map[p]
  if (v === undefined) throw Object.assign(new Error('nope'), { code: 'ENOENT' })
  return v
}

t.test('defaults, with paths resolved against the working directory', async t => {
  const c = loadConfig({ flags: {}, env: {}, cwd: '/srv/x' })
  t.equal(c.db, '/srv/x/data/gitward.db')
  t.equal(c.repos, '/srv/x/data/repositories')
  t.equal(c.listen, '127.0.0.1:8080')
  t.equal(c.listenHost, '127.0.0.1')
  t.equal(c.listenPort, 8080)
  t.equal(c.upstream, null)
  t.equal(c.bcrypt_cost, 10)
  t.equal(c.ban_enabled, true)
  t.same(c.trusted_proxies, [])
  t.ok(Object.isFrozen(c))
})

t.test('file < environment < flags', async t => {
  const readFile = files({ '/etc/g.toml': 'listen = "127.0.0.1:1"\nbcrypt_cost = 11\ndb = "/file.db"\ntrusted_proxies = ["10.0.0.1"]\n' })
  const c = loadConfig({
    flags: { config: '/etc/g.toml', db: '/flag.db' },
    env: { GITWARD_LISTEN: '[::1]:9000', GITWARD_BAN_ENABLED: 'false' },
    cwd: '/',
    readFile,
  })
  t.equal(c.bcrypt_cost, 11, 'from the file')
  t.equal(c.listen, '[::1]:9000', 'environment beats file')
  t.equal(c.listenHost, '::1')
  t.equal(c.db, '/flag.db', 'flag beats file')
  t.equal(c.ban_enabled, false)
  t.same(c.trusted_proxies, ['10.0.0.1'])
  t.equal(c.configFile, '/etc/g.toml')
  const viaEnv = loadConfig({ flags: {}, env: { GITWARD_CONFIG: '/etc/g.toml' }, cwd: '/', readFile })
  t.equal(viaEnv.bcrypt_cost, 11, 'GITWARD_CONFIG names the file too')
})

t.test('every problem is reported together, with its key and source', async t => {
  const readFile = files({ '/c.toml': 'bcrypt_cost = 99\nnot_a_key = 1\nlisten = "nope"\n' })
  let err: unknown
  try {
    loadConfig({
      flags: { config: '/c.toml', upstream: 'ftp://x' },
      env: { GITWARD_BAN_MAX_FAILURES: 'ten', GITWARD_TYPO: '1', GITWARD_TLS_CERT: '/c.pem', GITWARD_TRUSTED_PROXIES: 'proxy.local' },
      cwd: '/',
      readFile,
    })
  } catch (e) {
    err = e
  }
  t.ok(err instanceof GitwardError)
  const m = (err as GitwardError).message
  t.equal((err as GitwardError).code, 'INVALID_CONFIG')
  for (const needle of [
    'bcrypt_cost (from /c.toml) must be between 4 and 15',
    'not_a_key (in /c.toml) is not a known key',
    'listen (from /c.toml) must be HOST:PORT',
    'upstream (from --upstream) must be an http:// or https:// URL, or unix: and an absolute socket path (unix:/run/git-http/socket)',
    'ban_max_failures (from GITWARD_BAN_MAX_FAILURES) must be a whole number',
    'GITWARD_TYPO is not a known setting',
    'tls_cert and tls_key must be given together',
    'trusted_proxies contains "proxy.local"',
  ]) {
    t.ok(m.includes(needle), needle)
  }
  t.match(m, /^The configuration has 8 problems: /)
  t.notMatch(m, /\n/, 'one line')
})

t.test('unreadable and invalid files are problems, not crashes', async t => {
  t.throws(() => loadConfig({ flags: { config: '/missing.toml' }, env: {}, cwd: '/', readFile: files({}) }), {
    message: /the config file \/missing\.toml cannot be read \(ENOENT\)/,
  })
  t.throws(() => loadConfig({ flags: { config: '/bad.toml' }, env: {}, cwd: '/', readFile: files({ '/bad.toml': 'listen = ' }) }), {
    message: /is not valid TOML/,
  })
})

t.test('a TOML syntax error names its line and column', async t => {
  const text = 'listen = "127.0.0.1:8080"\n# a comment\nbcrypt_cost = \n'
  t.throws(() => loadConfig({ flags: { config: '/bad.toml' }, env: {}, cwd: '/', readFile: files({ '/bad.toml': text }) }), {
    message: 'The configuration has 1 problem: the config file /bad.toml is not valid TOML at line 3, column 15 (invalid value).',
  })
})

t.test('upstream URLs: no credentials, query or fragment; trailing slash dropped', async t => {
  const ok = loadConfig({ flags: { upstream: 'http://127.0.0.1:8081/' }, env: {}, cwd: '/' })
  t.equal(ok.upstream, 'http://127.0.0.1:8081')
  for (const bad of ['http://u:p@127.0.0.1/', 'http://127.0.0.1/?x=1', 'not a url', 'file:///etc/passwd']) {
    t.throws(() => loadConfig({ flags: { upstream: bad }, env: {}, cwd: '/' }), { code: 'INVALID_CONFIG' }, bad)
  }
})

t.test('the example file documents every key with its default', async t => {
  const text = readFileSync(join(ROOT, 'config', 'gitward.example.toml'), 'utf8')
  for (const key of CONFIG_KEYS) {
    t.match(text, new RegExp(`^# ${key} = `, 'm'), `${key} is documented`)
    t.match(text, new RegExp(`^# env: GITWARD_${key.toUpperCase()}$`, 'm'), `${key} names its variable`)
  }
  // Uncommenting every documented value must give exactly the defaults.
  const uncommented = text
    .split('\n')
    .filter(l => /^# [a-z_]+ = /.test(l) && !l.includes('(not set)'))
    .map(l => l.slice(2))
    .join('\n')
  const fromFile = loadConfig({ flags: { config: '/ex.toml' }, env: {}, cwd: '/w', readFile: files({ '/ex.toml': uncommented }) })
  const defaults = loadConfig({ flags: {}, env: {}, cwd: '/w' })
  for (const key of CONFIG_KEYS) t.same(fromFile[key], defaults[key], key)
  t.equal(Object.keys(SCHEMA).length, CONFIG_KEYS.length)
})

t.test('docs/configuration.md documents every key', async t => {
  const text = readFileSync(join(ROOT, 'docs', 'configuration.md'), 'utf8')
  for (const key of CONFIG_KEYS) t.match(text, new RegExp(`^\\| \`${key}\` \\|`, 'm'), key)
})

t.test('upstream_host is a host name or address with an optional port', async t => {
  const load = (value: string): unknown => loadConfig({ flags: {}, env: { GITWARD_UPSTREAM_HOST: value }, cwd: '/' })
  for (const ok of ['localhost', 'git.internal', 'git.internal:8081', '127.0.0.1:80', '[::1]:8081', '[::1]']) {
    t.equal((load(ok) as { upstream_host: string }).upstream_host, ok, ok)
  }
  for (const bad of ['', 'a b', 'host/path', 'user@host', 'host:port', '-lead', 'x'.repeat(300)]) {
    t.throws(() => load(bad), { message: /upstream_host .* must be a host name or address/ }, JSON.stringify(bad))
  }
  t.equal(loadConfig({ flags: {}, env: {}, cwd: '/' }).upstream_host, null, 'not set by default')
})

t.test('[[route]] tables and GITWARD_ROUTE: canonical prefixes, checked upstreams, upstream required', async t => {
  const toml = [
    'upstream = "http://127.0.0.1:8081"',
    '[[route]]',
    'prefix = "acme/big.git"',
    'upstream = "http://127.0.0.1:8082/"',
    '[[route]]',
    'prefix = "other"',
    'upstream = "unix:/run/git-other.sock"',
  ].join('\n')
  const c = loadConfig({ flags: { config: '/c.toml' }, env: {}, cwd: '/', readFile: files({ '/c.toml': toml }) })
  t.same(c.route, [
    { prefix: 'acme/big', upstream: 'http://127.0.0.1:8082' },
    { prefix: 'other', upstream: 'unix:/run/git-other.sock' },
  ])
  const e = loadConfig({ flags: {}, env: { GITWARD_UPSTREAM: 'http://127.0.0.1:8081', GITWARD_ROUTE: 'acme=http://127.0.0.1:8082, b/c=unix:/s' }, cwd: '/' })
  t.same(e.route, [
    { prefix: 'acme', upstream: 'http://127.0.0.1:8082' },
    { prefix: 'b/c', upstream: 'unix:/s' },
  ])
  t.same(loadConfig({ flags: {}, env: {}, cwd: '/' }).route, [])
  const bad: Array<[Record<string, string>, RegExp]> = [
    [{ GITWARD_ROUTE: 'acme=http://127.0.0.1:8082' }, /route needs upstream too/],
    [{ GITWARD_UPSTREAM: 'http://127.0.0.1:1', GITWARD_ROUTE: 'acme/../x=http://127.0.0.1:8082' }, /not a valid project path/],
    [{ GITWARD_UPSTREAM: 'http://127.0.0.1:1', GITWARD_ROUTE: 'acme=http://u:p@127.0.0.1:8082' }, /route for "acme" whose upstream must not contain credentials/],
    [{ GITWARD_UPSTREAM: 'http://127.0.0.1:1', GITWARD_ROUTE: 'acme' }, /must be \[\[route\]\] tables/],
    [{ GITWARD_UPSTREAM: 'http://127.0.0.1:1', GITWARD_ROUTE: 'acme=http://127.0.0.1:2,acme.git=http://127.0.0.1:3' }, /two routes for "acme"/],
  ]
  for (const [env, message] of bad) {
    t.throws(() => loadConfig({ flags: {}, env, cwd: '/' }), { code: 'INVALID_CONFIG', message }, JSON.stringify(env))
  }
})

// The environment of a git process is built from named, checked values only.
import t from 'tap'
import { buildGitEnv, type GitEnvInput } from '../../src/backend/git-env.js'
import { requestContentEncoding } from '../../src/git/request-headers.js'
import { GitwardError } from '../../src/errors.js'

const base = (over: Partial<GitEnvInput> = {}): GitEnvInput => ({
  projectRoot: '/srv/git',
  method: 'GET',
  url: '/acme/app.git/info/refs?service=git-upload-pack',
  headers: {},
  pathEnv: '/usr/bin:/bin',
  homeDir: '/run/gitward/home',
  ...over,
})

const ALWAYS = [
  'GATEWAY_INTERFACE',
  'SERVER_PROTOCOL',
  'REQUEST_METHOD',
  'GIT_PROJECT_ROOT',
  'PATH_INFO',
  'QUERY_STRING',
  'GIT_COMMITTER_NAME',
  'GIT_COMMITTER_EMAIL',
  'PATH',
  'HOME',
  'GIT_CONFIG_NOSYSTEM',
  'GIT_CONFIG_GLOBAL',
  'GIT_CONFIG_COUNT',
]

const config = (env: Record<string, string>): Record<string, string> => {
  const out: Record<string, string> = {}
  for (let i = 0; i < Number(env.GIT_CONFIG_COUNT); i++) {
    out[env[`GIT_CONFIG_KEY_${i}`] ?? ''] = env[`GIT_CONFIG_VALUE_${i}`] ?? ''
  }
  return out
}

t.test('a bare advertisement request gets exactly the fixed variables', async t => {
  const env = buildGitEnv(base())
  t.same(Object.keys(env).sort(), [...ALWAYS].sort())
  t.match(env, {
    GATEWAY_INTERFACE: 'CGI/1.1',
    SERVER_PROTOCOL: 'HTTP/1.1',
    REQUEST_METHOD: 'GET',
    GIT_PROJECT_ROOT: '/srv/git',
    PATH_INFO: '/acme/app.git/info/refs',
    QUERY_STRING: 'service=git-upload-pack',
    // As git http-backend names an anonymous reader.
    GIT_COMMITTER_NAME: 'anonymous',
    GIT_COMMITTER_EMAIL: 'anonymous@http.(none)',
    PATH: '/usr/bin:/bin',
    HOME: '/run/gitward/home',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
  })
  t.same(config(env), {}, 'no config setting without a push to check')
})

t.test('a push carries the identity, also as the committer of its reflog entries', async t => {
  const env = buildGitEnv(
    base({
      method: 'POST',
      url: '/acme/app.git/git-receive-pack',
      headers: {
        'content-type': 'application/x-git-receive-pack-request',
        'content-length': '1234',
        'content-encoding': 'gzip',
        'git-protocol': 'version=2',
        'x-gitward-remote-user': 'project_k3j9x2m1q8ab_bot',
        'x-gitward-remote-addr': '203.0.113.7',
      },
    }),
  )
  t.same(
    Object.keys(env).sort(),
    [...ALWAYS, 'CONTENT_TYPE', 'GIT_PROTOCOL', 'REMOTE_USER', 'REMOTE_ADDR'].sort(),
    'git reads a plain body: neither its length on the wire nor its encoding is passed on',
  )
  t.match(env, {
    REQUEST_METHOD: 'POST',
    PATH_INFO: '/acme/app.git/git-receive-pack',
    QUERY_STRING: '',
    CONTENT_TYPE: 'application/x-git-receive-pack-request',
    GIT_PROTOCOL: 'version=2',
    REMOTE_USER: 'project_k3j9x2m1q8ab_bot',
    REMOTE_ADDR: '203.0.113.7',
    GIT_COMMITTER_NAME: 'project_k3j9x2m1q8ab_bot',
    GIT_COMMITTER_EMAIL: 'project_k3j9x2m1q8ab_bot@http.203.0.113.7',
  })
})

t.test('httpoxy and other client headers never become variables', async t => {
  const env = buildGitEnv(
    base({
      headers: {
        proxy: 'http://evil.example:8080',
        authorization: 'Basic dXNlcjpnd3BhdC1zZWNyZXQ=',
        'proxy-authorization': 'Basic eA==',
        cookie: 'a=b',
        'remote-user': 'root',
        'x-forwarded-for': '10.0.0.1',
        'x-forwarded-user': 'admin',
        'git-config-parameters': "'core.sshcommand=evil'",
        host: 'example.org',
        'user-agent': 'git/2.39.5',
        'transfer-encoding': 'chunked',
        ld_preload: '/tmp/x.so',
      },
    }),
  )
  t.same(Object.keys(env).sort(), [...ALWAYS].sort())
  const all = JSON.stringify(env)
  for (const bad of ['evil', 'dXNlcjpnd3BhdC1zZWNyZXQ', 'root', 'admin', '10.0.0.1', 'chunked', 'x.so']) {
    t.notMatch(all, bad, `${bad} does not leak into the environment`)
  }
  t.notOk('HTTP_PROXY' in env)
  t.notOk('HTTP_AUTHORIZATION' in env)
})

t.test('malformed identity, protocol and framing values are dropped', async t => {
  const table: Array<[Record<string, string | string[]>, string]> = [
    [{ 'x-gitward-remote-user': '' }, 'REMOTE_USER'],
    [{ 'x-gitward-remote-user': 'a b' }, 'REMOTE_USER'],
    [{ 'x-gitward-remote-user': 'bot\nGIT_DIR=/etc' }, 'REMOTE_USER'],
    [{ 'x-gitward-remote-user': 'x'.repeat(65) }, 'REMOTE_USER'],
    [{ 'x-gitward-remote-user': 'a-bot' }, 'REMOTE_USER'],
    [{ 'x-gitward-remote-user': 'a_bot, b_bot' }, 'REMOTE_USER'],
    [{ 'x-gitward-remote-user': ['a_bot', 'b_bot'] }, 'REMOTE_USER'],
    [{ 'git-protocol': 'version=3' }, 'GIT_PROTOCOL'],
    [{ 'git-protocol': 'version=2 ' }, 'GIT_PROTOCOL'],
    [{ 'git-protocol': 'version=2;rm -rf' }, 'GIT_PROTOCOL'],
    [{ 'git-protocol': 'foo=bar' }, 'GIT_PROTOCOL'],
    [{ 'git-protocol': `version=2:${'a'.repeat(200)}` }, 'GIT_PROTOCOL'],
    [{ 'git-protocol': ['version=2', 'version=1'] }, 'GIT_PROTOCOL'],
    [{ 'content-type': 'a\u0000b' }, 'CONTENT_TYPE'],
    [{ 'content-type': 'x'.repeat(300) }, 'CONTENT_TYPE'],
    [{ 'x-gitward-remote-addr': 'not-an-ip' }, 'REMOTE_ADDR'],
    [{ 'x-gitward-remote-addr': '1.2.3.4, 5.6.7.8' }, 'REMOTE_ADDR'],
  ]
  for (const [headers, key] of table) {
    const env = buildGitEnv(base({ headers }))
    t.notOk(key in env, `${JSON.stringify(headers)} sets no ${key}`)
    if (key === 'REMOTE_USER') t.equal(env.GIT_COMMITTER_NAME, 'anonymous')
  }
})

t.test('accepted forms of the checked values', async t => {
  const table: Array<[Record<string, string>, string, string]> = [
    [{ 'git-protocol': 'version=0' }, 'GIT_PROTOCOL', 'version=0'],
    [{ 'git-protocol': 'version=1' }, 'GIT_PROTOCOL', 'version=1'],
    [{ 'git-protocol': 'version=2:object-format=sha256' }, 'GIT_PROTOCOL', 'version=2:object-format=sha256'],
    [{ 'x-gitward-remote-addr': '::1' }, 'REMOTE_ADDR', '::1'],
    [{ 'x-gitward-remote-user': 'x'.repeat(64) }, 'REMOTE_USER', 'x'.repeat(64)],
  ]
  for (const [headers, key, value] of table) {
    t.equal(buildGitEnv(base({ headers }))[key], value, JSON.stringify(headers))
  }
})

t.test('the socket address is the fallback for REMOTE_ADDR', async t => {
  t.equal(buildGitEnv(base({ socketAddress: '127.0.0.1' })).REMOTE_ADDR, '127.0.0.1')
  t.equal(
    buildGitEnv(base({ socketAddress: '127.0.0.1', headers: { 'x-gitward-remote-addr': '198.51.100.2' } })).REMOTE_ADDR,
    '198.51.100.2',
  )
  t.notOk('REMOTE_ADDR' in buildGitEnv(base({ socketAddress: undefined })))
})

t.test('refuses URLs outside the closed route set', async t => {
  for (const [method, url] of [
    ['GET', '/acme/app.git/HEAD'],
    ['GET', '/acme/../x.git/info/refs?service=git-upload-pack'],
    ['POST', '/acme/app.git.git/git-upload-pack'],
    ['DELETE', '/acme/app.git/git-upload-pack'],
  ] as const) {
    t.throws(() => buildGitEnv(base({ method, url })), GitwardError, `${method} ${url}`)
  }
})

t.test('requestContentEncoding', async t => {
  t.equal(requestContentEncoding({}), undefined)
  t.equal(requestContentEncoding({ 'content-encoding': 'gzip' }), 'gzip')
  t.equal(requestContentEncoding({ 'content-encoding': ' Identity ' }), 'identity')
  t.equal(requestContentEncoding({ 'content-encoding': 'deflate' }), 'unsupported')
  t.equal(requestContentEncoding({ 'content-encoding': ['gzip', 'gzip'] }), 'unsupported')
})

t.test('protected refs: core.hooksPath and GITWARD_REF_POLICY only for a push the gate marked', async t => {
  const { encodeRefPolicy } = await import('../../src/access/ref-policy-codec.js')
  const policy = { role: 'maintainer' as const, tokenRefs: null, branches: [], tags: [], defaultBranch: null }
  const marked = encodeRefPolicy({ tokenId: 'k3j9x2m1q8ab', check: true, policy })
  const unmarked = encodeRefPolicy({ tokenId: 'k3j9x2m1q8ab', check: false, policy })
  const push = (headers: Record<string, string>, hooksDir: string | null = '/run/gitward/home/hooks') =>
    buildGitEnv(base({
      method: 'POST',
      url: '/acme/app.git/git-receive-pack',
      headers: { 'x-gitward-remote-user': 'project_k3j9x2m1q8ab_bot', ...headers },
      hooksDir: hooksDir ?? undefined,
    }))
  const env = push({ 'x-gitward-ref-policy': marked })
  t.equal(env.GITWARD_REF_POLICY, marked)
  t.equal(env.GITWARD_TOKEN_ID, 'k3j9x2m1q8ab')
  t.equal(config(env)['core.hooksPath'], '/run/gitward/home/hooks')
  for (const headers of [{}, { 'x-gitward-ref-policy': unmarked }] as Array<Record<string, string>>) {
    const plain = push(headers)
    t.equal(plain.GITWARD_REF_POLICY, undefined)
    t.equal(plain.GITWARD_TOKEN_ID, undefined)
    t.equal(config(plain)['core.hooksPath'], undefined, 'the repository\'s own hooks run as always')
  }
  t.throws(() => push({ 'x-gitward-ref-policy': 'not+base64url' }), /malformed/)
  // Fail closed: a marked push without gitward's hook would let a force-push through.
  t.throws(() => push({ 'x-gitward-ref-policy': marked }, null), /no hooks directory/)
})

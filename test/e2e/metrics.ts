// Prometheus metrics through a real server: real git clones, pushes, fetches
// and refusals, then the page is scraped and parsed by the reference Python
// parser, and every counter must have moved by exactly the requests made
// (each request's log line is the ground truth for its service, decision,
// status and bytes). Also: who may read the page, and what no label carries.
import t, { type Test } from 'tap'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { startGitward, makeWorkingCopy, type Harness } from '../helpers/servers/gitward.js'
import { commitFiles } from '../helpers/git/repos.js'
import { infoRefsUrl, request } from '../helpers/http/request.js'
import { requestLines } from '../helpers/observe.js'
import { waitUntil } from '../helpers/wait/wait-until.js'
import { parseExposition, prometheusParserMissing, sample, sum, type Exposition } from '../helpers/prometheus-text.js'
import { DEFAULT_TOKEN_PREFIX, formatToken, newSecret, newTokenId } from '../../src/auth/token-format.js'
import { statusClass } from '../../src/metrics/metrics.js'

const missing = prometheusParserMissing()

interface Line {
  service?: string
  decision: string
  status: number | null
  bytesIn: number
  bytesOut: number
  tokenId?: string
}

function linesSince(h: Harness, from: number): Line[] {
  return (requestLines(h).slice(from) as unknown as Line[])
}

async function scrape(t: Test, url: string): Promise<Exposition> {
  const r = await request(`${url}/-/metrics`)
  t.equal(r.status, 200, 'the metrics page answers')
  t.match(String(r.headers['content-type']), /^text\/plain; version=0\.0\.4/)
  return parseExposition(r.body)
}

/** Every request of the client has been answered, logged and counted. */
async function quiet(t: Test, h: Harness): Promise<void> {
  t.ok(await waitUntil(() => h.app.inFlight() === 0, 10_000), 'no request in flight')
}

const delta = (a: Exposition, b: Exposition, family: string, name: string, labels: Record<string, string> = {}): number =>
  sample(b, family, name, labels) - sample(a, family, name, labels)

const countBy = <T>(items: readonly T[], key: (x: T) => string): Map<string, T[]> => {
  const m = new Map<string, T[]>()
  for (const x of items) m.set(key(x), [...(m.get(key(x)) ?? []), x])
  return m
}

t.test('counters move by exactly the requests made', { skip: missing ?? false }, async t => {
  const h = await startGitward(t, { config: { metrics_listen: '127.0.0.1:0' } })
  t.ok(h.app.metricsUrl, 'metrics_listen starts the metrics listener')
  const metricsUrl = h.app.metricsUrl as string
  await h.createProject('acme/app')
  const live = await h.mint({ project: 'acme/app' })
  const reader = await h.mint({ project: 'acme/app', role: 'reporter', scopes: ['read_repository'], name: 'reader' })
  const revoked = await h.mint({ project: 'acme/app', name: 'old' })
  await h.revoke(revoked.id)
  // The clock says 2026-06-15T12:00Z; a token stops working at 00:00 UTC of its date.
  await h.mint({ project: 'acme/app', name: 'in 3.5 days', expiresAt: '2026-06-19' })
  await h.mint({ project: 'acme/app', name: 'in 5.5 days', expiresAt: '2026-06-21' })
  await h.mint({ project: 'acme/app', name: 'in 15.5 days', expiresAt: '2026-07-01' })
  await h.mint({ project: 'acme/app', name: 'in 45.5 days', expiresAt: '2026-07-31' })

  const from = requestLines(h).length
  const before = await scrape(t, metricsUrl)

  // --- real git traffic ---------------------------------------------------
  const wc = await makeWorkingCopy(h, 'wc')
  t.equal((await h.git(['push', '-q', h.repoUrl('acme/app', live.token), 'main'], { cwd: wc })).code, 0, 'push')
  const clone = join(h.dir, 'clone')
  t.equal((await h.git(['clone', '-q', h.repoUrl('acme/app', reader.token), clone])).code, 0, 'clone')
  await commitFiles(h, wc, { 'b.txt': 'second\n' })
  t.equal((await h.git(['push', '-q', h.repoUrl('acme/app', live.token), 'main'], { cwd: wc })).code, 0, 'second push')
  t.equal((await h.git(['-C', clone, 'fetch', '-q', 'origin'])).code, 0, 'fetch')
  await commitFiles(h, clone, { 'c.txt': 'refused\n' })
  t.not((await h.git(['-C', clone, 'push', '-q', 'origin', 'HEAD:main'])).code, 0, 'a reporter cannot push')

  // --- refusals with known counts ------------------------------------------
  const url = infoRefsUrl(h.url, 'acme/app', 'git-upload-pack')
  const wrongSecret = formatToken(DEFAULT_TOKEN_PREFIX, live.id, newSecret(randomBytes))
  const unknownId = formatToken(DEFAULT_TOKEN_PREFIX, newTokenId(randomBytes), newSecret(randomBytes))
  for (let i = 0; i < 3; i++) t.equal((await request(url, { token: 'not-a-token' })).status, 401)
  for (let i = 0; i < 2; i++) t.equal((await request(url, { token: unknownId })).status, 401)
  for (let i = 0; i < 2; i++) t.equal((await request(url, { token: wrongSecret })).status, 401)
  t.equal((await request(url, { token: revoked.token })).status, 401)
  t.equal((await request(url)).status, 401, 'no credentials')
  t.equal((await request(`${h.url}/-/metrics`)).status, 404, 'the public listener does not serve metrics by default')
  t.equal((await request(`${h.url}/-/health`)).status, 200)

  await quiet(t, h)
  const after = await scrape(t, metricsUrl)
  const lines = linesSince(h, from)
  t.equal(linesSince(h, from).length, lines.length, 'scrapes of the metrics listener are not requests of the gate')

  // Every (service, decision, status class) moved by its number of log lines.
  const svc = (l: Line): string => l.service ?? 'none'
  const groups = countBy(lines, l => JSON.stringify([svc(l), l.decision, statusClass(l.status)]))
  for (const [key, group] of groups) {
    const [service, decision, status_class] = JSON.parse(key) as [string, string, string]
    t.equal(delta(before, after, 'gitward_requests', 'gitward_requests_total', { service, decision, status_class }), group.length, `requests ${key}`)
  }
  t.equal(sum(after, 'gitward_requests', 'gitward_requests_total') - sum(before, 'gitward_requests', 'gitward_requests_total'), lines.length, 'no request uncounted or counted twice')

  for (const [service, group] of countBy(lines, svc)) {
    t.equal(delta(before, after, 'gitward_request_duration_seconds', 'gitward_request_duration_seconds_count', { service }), group.length, `duration observations of ${service}`)
    t.equal(delta(before, after, 'gitward_request_duration_seconds', 'gitward_request_duration_seconds_bucket', { service, le: '+Inf' }), group.length)
    const bytesIn = group.reduce((a, l) => a + l.bytesIn, 0)
    const bytesOut = group.reduce((a, l) => a + l.bytesOut, 0)
    t.equal(delta(before, after, 'gitward_received_bytes', 'gitward_received_bytes_total', { service }), bytesIn, `bytes in, ${service}`)
    t.equal(delta(before, after, 'gitward_sent_bytes', 'gitward_sent_bytes_total', { service }), bytesOut, `bytes out, ${service}`)
  }

  // The refusals made above, exactly.
  const up = { service: 'git-upload-pack', status_class: '4xx' }
  t.equal(delta(before, after, 'gitward_requests', 'gitward_requests_total', { ...up, decision: 'deny:malformed' }), 3)
  t.equal(delta(before, after, 'gitward_requests', 'gitward_requests_total', { ...up, decision: 'deny:unknown' }), 2)
  t.equal(delta(before, after, 'gitward_requests', 'gitward_requests_total', { ...up, decision: 'deny:mismatch' }), 2)
  t.equal(delta(before, after, 'gitward_requests', 'gitward_requests_total', { ...up, decision: 'deny:revoked' }), 1)
  t.equal(delta(before, after, 'gitward_requests', 'gitward_requests_total', { service: 'none', decision: 'deny:shape', status_class: '4xx' }), 1, 'the refused /-/metrics')
  t.equal(delta(before, after, 'gitward_requests', 'gitward_requests_total', { service: 'none', decision: 'health', status_class: '2xx' }), 1)
  t.ok(delta(before, after, 'gitward_requests', 'gitward_requests_total', { service: 'git-receive-pack', decision: 'allow', status_class: '2xx' }) >= 4, 'two pushes, each an advertisement and a pack')
  t.ok(delta(before, after, 'gitward_requests', 'gitward_requests_total', { service: 'git-receive-pack', decision: 'deny:scope-and-role', status_class: '4xx' }) >= 1, "the reporter's push")

  // Token checks: valid = the lines that carry a token id and were not a
  // refusal of that token (a refused token's claimed id is logged too).
  const checks = (outcome: string): number => delta(before, after, 'gitward_token_checks', 'gitward_token_checks_total', { outcome })
  const refusals = new Set(['deny:malformed', 'deny:unknown', 'deny:revoked', 'deny:expired', 'deny:mismatch'])
  const valid = lines.filter(l => l.tokenId !== undefined && !refusals.has(l.decision)).length
  t.ok(valid > 0)
  t.equal(checks('valid'), valid, 'valid token checks')
  t.equal(checks('malformed'), 3)
  t.equal(checks('unknown'), 2)
  t.equal(checks('mismatch'), 2)
  t.equal(checks('revoked'), 1)
  t.equal(checks('expired'), 0)
  t.equal(checks('banned'), 0)
  // bcrypt runs once per distinct secret (live, reader, the wrong one); every
  // other check of those strings is answered from the cache.
  const compares = delta(before, after, 'gitward_bcrypt_compares', 'gitward_bcrypt_compares_total')
  t.equal(compares, 3, 'bcrypt compares')
  t.equal(delta(before, after, 'gitward_token_cache_misses', 'gitward_token_cache_misses_total'), 3)
  t.equal(delta(before, after, 'gitward_token_cache_hits', 'gitward_token_cache_hits_total'), valid - 2 + (2 - 1), 'cache hits')

  // Gauges.
  t.equal(sample(after, 'gitward_git_processes', 'gitward_git_processes'), 0)
  t.equal(sample(after, 'gitward_banned_addresses', 'gitward_banned_addresses'), 0)
  t.equal(sample(after, 'gitward_database_up', 'gitward_database_up'), 1)
  t.equal(sample(after, 'gitward_tokens_active', 'gitward_tokens_active'), 6, 'live, reader and four dated tokens')
  t.equal(sample(after, 'gitward_tokens_never_expiring', 'gitward_tokens_never_expiring'), 2)
  t.equal(sample(after, 'gitward_tokens_expiring', 'gitward_tokens_expiring', { within_days: '7' }), 2)
  t.equal(sample(after, 'gitward_tokens_expiring', 'gitward_tokens_expiring', { within_days: '30' }), 3)
  t.equal(after['gitward_build_info']?.samples[0]?.value, 1)
  t.ok(after['process_cpu_user_seconds']?.samples.length, 'process metrics')
  t.ok(after['nodejs_heap_size_total_bytes']?.samples.length, 'Node.js runtime metrics')

  // Four days later the first dated token has expired and the gauges follow.
  h.clock.advance(4 * 86_400_000)
  const later = await scrape(t, metricsUrl)
  t.equal(sample(later, 'gitward_tokens_active', 'gitward_tokens_active'), 5)
  t.equal(sample(later, 'gitward_tokens_expiring', 'gitward_tokens_expiring', { within_days: '7' }), 1)
  t.equal(sample(later, 'gitward_tokens_expiring', 'gitward_tokens_expiring', { within_days: '30' }), 2)

  // No label carries a token, a token id, a client address or a project path.
  const secrets = [live, reader, revoked].flatMap(x => [x.token, x.id]).concat(wrongSecret, unknownId, '127.0.0.1', 'acme')
  for (const family of Object.values(after)) {
    for (const s of family.samples) {
      for (const value of Object.values(s.labels)) {
        for (const secret of secrets) if (value.includes(secret)) t.fail(`label ${s.name}{${JSON.stringify(s.labels)}} carries ${secret}`)
      }
    }
  }
})

t.test('metrics_allow serves the page on the public listener; bans and projects are counted', { skip: missing ?? false }, async t => {
  const h = await startGitward(t, {
    config: { metrics_allow: '10.0.0.0/8,127.0.0.0/8', metrics_per_project: 'true', ban_max_failures: '2' },
  })
  t.equal(h.app.metricsUrl, null, 'no separate listener unless metrics_listen is set')
  await h.createProject('acme/app')
  const group = await h.mint({ group: 'acme', name: 'group' })
  const before = await scrape(t, h.url)

  t.equal((await request(infoRefsUrl(h.url, 'acme/app', 'git-upload-pack'), { token: group.token })).status, 200)
  t.equal((await request(infoRefsUrl(h.url, 'acme/ghost', 'git-upload-pack'), { token: group.token })).status, 404, 'an unregistered project')
  const unknownId = formatToken(DEFAULT_TOKEN_PREFIX, newTokenId(randomBytes), newSecret(randomBytes))
  for (let i = 0; i < 2; i++) t.equal((await request(infoRefsUrl(h.url, 'acme/app', 'git-upload-pack'), { token: unknownId })).status, 401)
  t.equal((await request(infoRefsUrl(h.url, 'acme/app', 'git-upload-pack'), { token: group.token })).status, 403, 'now banned')
  await quiet(t, h)

  // A banned address that metrics_allow names still reads the page: the
  // monitoring host must see the ban it is alerting on.
  const after = await scrape(t, h.url)
  t.equal(sample(after, 'gitward_banned_addresses', 'gitward_banned_addresses'), 1)
  t.equal(delta(before, after, 'gitward_token_checks', 'gitward_token_checks_total', { outcome: 'banned' }), 1)
  t.equal(delta(before, after, 'gitward_token_checks', 'gitward_token_checks_total', { outcome: 'unknown' }), 2)
  const req = (labels: Record<string, string>): number => delta(before, after, 'gitward_requests', 'gitward_requests_total', labels)
  t.equal(req({ service: 'git-upload-pack', decision: 'allow', status_class: '2xx', project: 'acme/app' }), 1, 'a registered project is a label value')
  t.equal(req({ service: 'git-upload-pack', decision: 'deny:project-unknown', status_class: '4xx', project: '' }), 1, 'a path only the client named is not')
  t.equal(req({ service: 'none', decision: 'metrics', status_class: '2xx', project: '' }), 1, 'the first scrape was a request of the gate')
  const ghostly = Object.values(after).flatMap(f => f.samples).filter(s => Object.values(s.labels).some(v => v.includes('ghost')))
  t.same(ghostly, [], 'no label names an unregistered path')
  t.ok(sample(after, 'gitward_received_bytes', 'gitward_received_bytes_total', { service: 'git-upload-pack', project: 'acme/app' }) > 0)
})

t.test('the page is a 404 for addresses metrics_allow does not name, whatever they claim', { skip: missing ?? false }, async t => {
  const h = await startGitward(t, { config: { metrics_allow: '10.0.0.0/8', trusted_proxies: '192.0.2.1' } })
  const r = await request(`${h.url}/-/metrics`, { headers: { 'X-Forwarded-For': '10.1.2.3' } })
  t.equal(r.status, 404, 'an untrusted peer cannot name an allowed address')
  t.notMatch(r.body, /gitward_/)
  t.equal((await request(`${h.url}/-/metrics`, { method: 'POST', headers: { 'Content-Length': '0' } })).status, 404)
})

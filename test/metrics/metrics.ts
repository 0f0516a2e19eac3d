import t from 'tap'
import { register as globalRegistry } from 'prom-client'
import { createMetrics, expiringWithin, noopMetrics, statusClass, type MetricsSources } from '../../src/metrics/metrics.js'
import { GitwardError } from '../../src/errors.js'
import { GIT_SERVICES } from '../../src/git/service.js'
import { createConcurrencyLimiter, type WaitOutcome } from '../../src/limits/concurrency-limiter.js'
import { parseExposition, prometheusParserMissing, sample } from '../helpers/prometheus-text.js'

const NOW = Date.parse('2026-06-15T12:00:00Z')

const sources = (over: Partial<MetricsSources> = {}): MetricsSources => ({
  gitProcesses: () => 2,
  bannedAddresses: () => 1,
  tokenChecks: () => ({ compares: 5, cacheHits: 7 }),
  pingDatabase: async () => {},
  activeTokenExpiries: async () => ['2026-06-16', '2026-06-22', '2026-06-23', '2026-07-15', '2026-07-16', null],
  now: () => NOW,
  ...over,
})

t.test('expiry windows count from 00:00 UTC of the expiry date', async t => {
  const dates = ['2026-06-16', '2026-06-22', '2026-06-23', '2026-07-15', '2026-07-16', null]
  t.equal(expiringWithin(dates, NOW, 7), 2, '06-22 00:00 is 6.5 days away; 06-23 is 7.5')
  t.equal(expiringWithin(dates, NOW, 30), 4)
  t.equal(expiringWithin(['2026-06-15'], NOW, 7), 0, 'already expired is not "expiring"')
})

t.test('status classes', async t => {
  t.same([200, 304, 401, 503, null, 42].map(statusClass), ['2xx', '3xx', '4xx', '5xx', 'none', 'none'])
})

t.test('nothing is registered globally; two instances keep separate counts', async t => {
  const a = createMetrics({ perProject: false, version: '1.2.3', services: GIT_SERVICES })
  const b = createMetrics({ perProject: false, version: '1.2.3', services: GIT_SERVICES })
  a.sink.tokenCheck('valid')
  t.equal(globalRegistry.getMetricsAsArray().length, 0, "prom-client's global registry stays empty")
  t.match((await a.render()).body, /gitward_token_checks_total\{outcome="valid"\} 1/)
  t.notMatch((await b.render()).body, /gitward_token_checks_total\{outcome="valid"\} 1/)
  noopMetrics.request({ service: undefined, decision: 'x', status: null, durationSeconds: 0, bytesIn: 0, bytesOut: 0, project: undefined })
})

t.test('scrape-time values, a failing database, and bounded labels', { skip: prometheusParserMissing() ?? false }, async t => {
  const m = createMetrics({ perProject: false, version: '1.2.3', services: GIT_SERVICES })
  let down = false
  m.watch(
    sources({
      pingDatabase: async () => {
        if (down) throw new GitwardError('DB_UNAVAILABLE', 'gone')
      },
      activeTokenExpiries: async () => {
        if (down) throw new GitwardError('DB_BUSY', 'busy')
        return sources().activeTokenExpiries()
      },
    }),
  )
  m.sink.request({ service: 'git-upload-pack', decision: 'allow', status: 200, durationSeconds: 0.02, bytesIn: 100, bytesOut: 2000, project: 'acme/app' })
  m.sink.request({ service: 'evil', decision: 'deny:"}\n', status: null, durationSeconds: 3600.5, bytesIn: 0, bytesOut: 0, project: undefined })
  m.sink.queueWait('git', 'granted', 0.3)
  m.sink.queueWait('bcrypt', 'full', 0)
  m.sink.databaseError('DB_BUSY')
  m.sink.databaseError('SOMETHING_ELSE')

  const e = await parseExposition((await m.render()).body)
  t.equal(sample(e, 'gitward_requests', 'gitward_requests_total', { service: 'git-upload-pack', decision: 'allow', status_class: '2xx' }), 1)
  t.equal(sample(e, 'gitward_requests', 'gitward_requests_total', { service: 'none', decision: 'other', status_class: 'none' }), 1, 'unknown values fall into fixed buckets')
  t.notOk(e['gitward_requests']?.samples.some(s => 'project' in s.labels), 'no project label unless metrics_per_project')
  t.equal(sample(e, 'gitward_request_duration_seconds', 'gitward_request_duration_seconds_bucket', { service: 'none', le: '3600' }), 0)
  t.equal(sample(e, 'gitward_request_duration_seconds', 'gitward_request_duration_seconds_bucket', { service: 'none', le: '7200' }), 1, 'an hour-long push has a bucket')
  t.equal(sample(e, 'gitward_request_duration_seconds', 'gitward_request_duration_seconds_bucket', { service: 'git-upload-pack', le: '0.025' }), 1)
  t.equal(sample(e, 'gitward_received_bytes', 'gitward_received_bytes_total', { service: 'git-upload-pack' }), 100)
  t.equal(sample(e, 'gitward_sent_bytes', 'gitward_sent_bytes_total', { service: 'git-upload-pack' }), 2000)
  t.equal(sample(e, 'gitward_queue_waits', 'gitward_queue_waits_total', { queue: 'git', outcome: 'granted' }), 1)
  t.equal(sample(e, 'gitward_queue_waits', 'gitward_queue_waits_total', { queue: 'bcrypt', outcome: 'full' }), 1)
  t.equal(sample(e, 'gitward_queue_wait_seconds', 'gitward_queue_wait_seconds_count', { queue: 'git' }), 1)
  t.equal(sample(e, 'gitward_git_processes', 'gitward_git_processes'), 2)
  t.equal(sample(e, 'gitward_banned_addresses', 'gitward_banned_addresses'), 1)
  t.equal(sample(e, 'gitward_bcrypt_compares', 'gitward_bcrypt_compares_total'), 5)
  t.equal(sample(e, 'gitward_token_cache_hits', 'gitward_token_cache_hits_total'), 7)
  t.equal(sample(e, 'gitward_database_up', 'gitward_database_up'), 1)
  t.equal(sample(e, 'gitward_tokens_active', 'gitward_tokens_active'), 6)
  t.equal(sample(e, 'gitward_tokens_never_expiring', 'gitward_tokens_never_expiring'), 1)
  t.equal(sample(e, 'gitward_tokens_expiring', 'gitward_tokens_expiring', { within_days: '7' }), 2)
  t.equal(sample(e, 'gitward_tokens_expiring', 'gitward_tokens_expiring', { within_days: '30' }), 4)
  t.equal(sample(e, 'gitward_database_errors', 'gitward_database_errors_total', { code: 'DB_BUSY' }), 1)
  t.equal(sample(e, 'gitward_database_errors', 'gitward_database_errors_total', { code: 'other' }), 1)
  t.equal(sample(e, 'gitward_build_info', 'gitward_build_info', { version: '1.2.3' }), 1)
  for (const [name, f] of Object.entries(e)) {
    if (!name.startsWith('gitward_')) continue
    if (f.type === 'counter') t.ok(f.samples.every(s => s.name.endsWith('_total')), `${name}: counters end in _total`)
  }

  down = true
  const d = await parseExposition((await m.render()).body)
  t.equal(sample(d, 'gitward_database_up', 'gitward_database_up'), 0, 'a failed ping is 0, and the page still renders')
  t.equal(sample(d, 'gitward_database_errors', 'gitward_database_errors_total', { code: 'DB_UNAVAILABLE' }), 1)
  t.equal(sample(d, 'gitward_database_errors', 'gitward_database_errors_total', { code: 'DB_BUSY' }), 2, 'the token query failed too')
  t.equal(sample(d, 'gitward_tokens_active', 'gitward_tokens_active'), 6, 'token gauges keep their last values')
})

t.test('per-project labels', async t => {
  const m = createMetrics({ perProject: true, version: '0', services: GIT_SERVICES })
  m.sink.request({ service: 'git-receive-pack', decision: 'allow', status: 200, durationSeconds: 1, bytesIn: 5, bytesOut: 6, project: 'acme/app' })
  m.sink.request({ service: 'git-receive-pack', decision: 'deny:project-unknown', status: 404, durationSeconds: 1, bytesIn: 5, bytesOut: 6, project: undefined })
  const body = (await m.render()).body
  t.match(body, /gitward_requests_total\{service="git-receive-pack",decision="allow",status_class="2xx",project="acme\/app"\} 1/)
  t.match(body, /gitward_received_bytes_total\{service="git-receive-pack",project=""\} 5/)
})

t.test('the limiter reports how each wait ended', async t => {
  const seen: Array<[WaitOutcome, number]> = []
  let clock = 0
  const timers: Array<() => void> = []
  const limiter = createConcurrencyLimiter({
    maxConcurrent: 1,
    maxQueue: 2,
    queueTimeoutMs: 1000,
    schedule: fn => {
      timers.push(fn)
      return () => {}
    },
    now: () => clock,
    onWaitEnd: (outcome, ms) => seen.push([outcome, ms]),
  })
  const release = await limiter.acquire()
  t.same(seen, [], 'a free slot is no wait')
  const granted = limiter.acquire()
  const abort = new AbortController()
  const aborted = limiter.acquire(abort.signal)
  await t.rejects(limiter.acquire(), { code: 'OVERLOADED' })
  clock = 40
  abort.abort(new Error('client left'))
  await t.rejects(aborted)
  clock = 100
  release()
  const second = await granted
  const waiting = limiter.acquire()
  clock = 1100
  timers[timers.length - 1]?.()
  await t.rejects(waiting, { code: 'OVERLOADED' })
  second()
  t.same(seen, [
    ['full', 0],
    ['aborted', 40],
    ['granted', 100],
    ['timeout', 1000],
  ])
})

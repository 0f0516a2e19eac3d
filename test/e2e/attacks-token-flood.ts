// One address flooding token checks. Every well-formed guess for a known
// token id costs a bcrypt compare (an unknown id costs none), and the
// compare pool is small. Before the pool was shared per client address, a
// flood from one address filled its whole queue: another address's first use
// of a valid token (not yet cached, so it needs a compare too) got 503. Now
// one address runs at most half the compares and keeps at most
// bcrypt_queue_per_client waiting, and freed slots go to addresses in turn.
//
// The flood comes from 127.0.0.2 (all of 127/8 is loopback on Linux), which
// is allow-listed so the ban does not end the flood; the victim is git's
// usual 127.0.0.1. Stored hashes have the production cost (10), so compares
// take real time. This test fails on a gitward with one shared queue: the
// victim gets 503 (queue full) or waits behind the whole queue.
import t from 'tap'
import http from 'node:http'
import { randomBytes } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import { startGitward, type Harness } from '../helpers/servers/gitward.js'
import { basicAuth, send } from '../helpers/http/request.js'
import { formatToken, newSecret } from '../../src/auth/token-format.js'

// More guesses in flight than bcrypt_queue (16 here) + bcrypt_concurrency
// (2): with one shared queue it is always full.
const QUEUE = 16
const FLOODERS = 40
// A flooder turned away with 503 tries again this much later. The flood's
// request rate is not what is tested (answering a 503 is cheap; the ban and
// the network deal with rates); without a pause the test process, which
// also runs the server, would spend its event loop on 503s.
const RETRY_AFTER_503_MS = 100
const VICTIMS = 5
const MARGIN_MS = 2000
const FLOOD_LIMIT_MS = 60_000

/** One request from 127.0.0.2; resolves with the status (0 on a socket error). */
function fromOtherAddress(port: number, authorization: string): Promise<number> {
  return new Promise(resolve => {
    const req = http.request(
      { host: '127.0.0.1', port, localAddress: '127.0.0.2', agent: false, path: '/acme/app.git/info/refs?service=git-upload-pack', headers: { authorization }, timeout: 20_000 },
      res => {
        res.resume()
        res.on('end', () => resolve(res.statusCode ?? 0))
        res.on('error', () => resolve(0))
      },
    )
    req.on('timeout', () => req.destroy())
    req.on('error', () => resolve(0))
    req.end()
  })
}

t.test('a flood of wrong secrets from one address does not delay another address\'s first-use token', async t => {
  const h: Harness = await startGitward(t, { config: { ban_allowlist: '127.0.0.2', bcrypt_queue: String(QUEUE) } })
  await h.createProject('acme/app')
  const known = await h.mint({ project: 'acme/app', bcryptCost: 10 })
  const victims = []
  for (let i = 0; i < VICTIMS; i++) victims.push(await h.mint({ group: 'acme', bcryptCost: 10 }))

  let flooding = true
  const seen = { total: 0, refused: 0, busy: 0 }
  const started = performance.now()
  const flood = Array.from({ length: FLOODERS }, async () => {
    while (flooding && performance.now() - started < FLOOD_LIMIT_MS) {
      // A fresh wrong secret each time: never answered from the cache.
      const status = await fromOtherAddress(h.app.port, basicAuth(formatToken('gwpat-', known.id, newSecret(randomBytes))))
      seen.total++
      if (status === 401) seen.refused++
      if (status === 503) {
        seen.busy++
        await new Promise(resolve => setTimeout(resolve, RETRY_AFTER_503_MS))
      }
    }
  })
  t.teardown(async () => {
    flooding = false
    await Promise.all(flood)
  })

  // Let the flood fill the pool: compares are running and guesses are being
  // turned away, so every place the flood may take is taken.
  const before = h.app.verifier.stats.compares
  const full = (): boolean => h.app.verifier.stats.compares >= before + 3 && seen.busy >= FLOODERS - QUEUE
  while (!full() && performance.now() - started < FLOOD_LIMIT_MS) await new Promise(resolve => setTimeout(resolve, 50))
  t.ok(full(), 'the flood is running compares and filling its share of the queue')

  // The first use is timed on a project the group token covers but that
  // does not exist: the answer (404, not 401 or 503) comes right after the
  // verification, with no git process to start, so the time is the token
  // check's. The second request, now cached, is served by git.
  const timings: number[] = []
  const served: number[] = []
  const ask = async (project: string, token: string): Promise<{ status: number; ms: number }> => {
    const t0 = performance.now()
    const r = await send(h.app.port, `/${project}.git/info/refs?service=git-upload-pack`, { headers: [['Authorization', basicAuth(token)]] })
    return { status: r.status, ms: performance.now() - t0 }
  }
  for (const v of victims) {
    const first = await ask('acme/nothing-here', v.token)
    timings.push(first.ms)
    t.equal(first.status, 404, 'the first-use token is verified (404 for a missing project), not refused or 503')
    t.ok(first.ms < MARGIN_MS, `verified within ${MARGIN_MS} ms (took ${first.ms.toFixed(0)} ms)`)
    const again = await ask('acme/app', v.token)
    served.push(again.ms)
    t.equal(again.status, 200, 'and it is served')
  }
  const floodMs = performance.now() - started
  flooding = false
  await Promise.all(flood)
  t.ok(seen.refused > 0, 'the flood really was compared and refused')
  t.comment(`flood: ${FLOODERS} connections from 127.0.0.2 for ${(floodMs / 1000).toFixed(1)} s, ${seen.total} guesses (${seen.refused} compared and refused 401, ${seen.busy} turned away 503); compares run: ${h.app.verifier.stats.compares}`)
  t.comment(`first-use token checks from 127.0.0.1 (cost 10): ${timings.map(ms => ms.toFixed(0)).join(', ')} ms`)
  t.comment(`the same tokens, cached, served by git: ${served.map(ms => ms.toFixed(0)).join(', ')} ms`)
})

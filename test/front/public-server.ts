import t from 'tap'
import { createPublicServer } from '../../src/front/public-server.js'
import { silentLogger } from '../../src/log/logger.js'

const options = {
  gate: () => {},
  logger: silentLogger,
  tls: null,
  maxHeaderBytes: 16384,
  maxHeaders: 100,
  maxConnections: 10,
  headersTimeoutMs: 20_000,
  idleTimeoutMs: 60_000,
  keepAliveTimeoutMs: 5000,
}

t.test('listen leaves no error listener of its own behind', async t => {
  const s = createPublicServer(options)
  const before = s.server.listenerCount('error')
  await s.listen('127.0.0.1', 0)
  t.equal(s.server.listenerCount('error'), before, 'the listen-time error handler is removed once listening')
  await s.shutdown(0)
})

t.test('a listen failure is reported as a clear error', async t => {
  const a = createPublicServer(options)
  const { port } = await a.listen('127.0.0.1', 0)
  const b = createPublicServer(options)
  await t.rejects(b.listen('127.0.0.1', port), { message: /already in use/ })
  await a.shutdown(0)
})

#!/usr/bin/env node
// The benchmark's "direct" server: gitward's embedded git-http-backend with
// no gate in front, as its own process on 127.0.0.1. Same code, same limits
// (read from the same configuration keys) as inside `gitward serve`, so the
// difference between the two is exactly the gate and the forwarding hop.
//
//   node test/bench/direct-backend.mjs --repos DIR [--port 0]
//
// Prints "direct backend is listening on http://127.0.0.1:PORT" on stderr;
// stops on SIGTERM or SIGINT. It believes x-gitward-remote-user, which is why
// it only ever listens on loopback.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { createEmbeddedBackend } from '../../dist/backend/embedded-backend.js'
import { systemClock } from '../../dist/clock.js'
import { loadConfig } from '../../dist/config/load.js'
import { createLogger } from '../../dist/log/logger.js'
import { tokenPatterns } from '../../dist/auth/token-format.js'

const { values } = parseArgs({ options: { repos: { type: 'string' }, port: { type: 'string', default: '0' } } })
if (values.repos === undefined) {
  process.stderr.write('usage: direct-backend.mjs --repos DIR [--port PORT]\n')
  process.exit(2)
}
const config = loadConfig({ flags: { repos: values.repos }, env: process.env, cwd: process.cwd() })
const logger = createLogger({
  write: s => process.stdout.write(s),
  clock: systemClock,
  level: config.log_level,
  secretPatterns: tokenPatterns(config.token_prefix),
})
const home = await mkdtemp(join(tmpdir(), 'gitward-bench-home-'))
const backend = createEmbeddedBackend({
  reposRoot: config.repos,
  logger: logger.child({ component: 'backend' }),
  maxProcesses: config.backend_max_processes,
  queueTimeoutMs: config.backend_queue_timeout_ms,
  maxRequestBuffer: config.max_negotiation_bytes,
  homeDir: home,
})
const { port } = await backend.listenTcp('127.0.0.1', Number(values.port))
process.stderr.write(`direct backend is listening on http://127.0.0.1:${port}\n`)

let stopping = false
const stop = async () => {
  if (stopping) return
  stopping = true
  await backend.close()
  await rm(home, { recursive: true, force: true })
  process.exitCode = 0
}
process.on('SIGTERM', () => void stop())
process.on('SIGINT', () => void stop())

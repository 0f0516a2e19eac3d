#!/usr/bin/env node
// The benchmark's "direct" server: gitward's embedded git-http-backend with
// no gate in front, as its own process on 127.0.0.1. It is built by the
// composition root (createConfiguredBackend in src/app.ts), exactly as
// `gitward serve` builds it, so the difference between the two is the gate.
//
//   node test/bench/direct-backend.mjs --repos DIR [--port 0]
//
// Prints "direct backend is listening on http://127.0.0.1:PORT" on stderr;
// stops on SIGTERM or SIGINT. It believes x-gitward-remote-user, which is why
// it only ever listens on loopback.
import { parseArgs } from 'node:util'
import { createConfiguredBackend } from '../../dist/app.js'
import { TOKEN_PATTERN_MIN_LENGTH, tokenPatterns } from '../../dist/auth/token-format.js'
import { systemClock } from '../../dist/clock.js'
import { loadConfig } from '../../dist/config/load.js'
import { createLogger } from '../../dist/log/logger.js'

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
  secretMinLength: TOKEN_PATTERN_MIN_LENGTH,
})
// The composition root's own wiring: same HOME handling, limits and spawn.
const { backend, removeHome } = await createConfiguredBackend(config, { logger })
const { port } = await backend.listenTcp('127.0.0.1', Number(values.port))
process.stderr.write(`direct backend is listening on http://127.0.0.1:${port}\n`)

let stopping = false
const stop = async () => {
  if (stopping) return
  stopping = true
  await backend.close()
  await removeHome()
  process.exitCode = 0
}
process.on('SIGTERM', () => void stop())
process.on('SIGINT', () => void stop())

#!/usr/bin/env node
// Runs `gitward serve` through the serve command's own function from the
// built output, for builds whose CLI does not register the serve command
// yet. Same flags, same output, same signals as `bin/gitward serve`; the
// benchmark uses the real CLI whenever `gitward serve --help` works.
import { parseArgs } from 'node:util'
import { processSignals, serve, systemClock } from '../../dist/cli/commands/serve.js'

const { values } = parseArgs({
  options: {
    listen: { type: 'string' },
    db: { type: 'string' },
    repos: { type: 'string' },
    upstream: { type: 'string' },
    config: { type: 'string' },
    init: { type: 'boolean' },
  },
})
const io = {
  stdout: s => process.stdout.write(s),
  stderr: s => process.stderr.write(s),
  env: process.env,
  cwd: process.cwd(),
}
try {
  process.exitCode = await serve(values, io, { clock: systemClock, signals: processSignals })
} catch (error) {
  process.stderr.write(`gitward serve failed: ${error instanceof Error ? error.message : String(error)}\n`)
  process.exitCode = 1
}

// gitward init: create the database and the repositories root.
import type { Command } from 'commander'
import type { CommandRegistrar } from '../context.js'
import { CLI_BUSY_TIMEOUT_MS } from '../context.js'
import { initialize } from '../initialize.js'

export const registerInitCommand: CommandRegistrar = (program, ctx) => {
  program
    .command('init')
    .description('create the database and the repositories root (nothing else creates a database, except serve --init)')
    .option('--json', 'print what was created or found as one JSON object')
    .addHelpText('after', '\nExamples:\n  $ gitward init\n  $ gitward --db /var/lib/gitward/gitward.db --repos /srv/git init\n')
    .action(async (opts: { json?: boolean }, command: Command) => {
      const config = ctx.config(command)
      const done = await initialize({
        db: config.db,
        repos: config.repos,
        clock: ctx.deps.clock,
        openStore: ctx.deps.openStore,
        busyTimeoutMs: CLI_BUSY_TIMEOUT_MS,
      })
      if (opts.json === true) {
        ctx.printJson({ database: done.database, repositories: done.repositories })
        return
      }
      ctx.io.stdout(done.said.join('\n') + '\n')
    })
}

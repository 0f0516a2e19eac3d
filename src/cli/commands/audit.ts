// gitward audit
import type { Command } from 'commander'
import type { CliContext } from '../context.js'
import { formatTable } from '../table.js'

export function registerAuditCommand(program: Command, ctx: CliContext): void {
  program
    .command('audit')
    .description('show the audit trail of administrative changes (oldest first)')
    .option('--json', 'print a JSON array')
    .addHelpText('after', '\nExamples:\n  $ gitward audit\n  $ gitward audit --json | jq \'.[] | select(.action == "token.revoked")\'\n')
    .action(async (opts: { json?: boolean }, command: Command) => {
      await ctx.withStore(command, async store => {
        const entries = await store.listAudit()
        if (opts.json === true) {
          ctx.printJson(entries)
          return
        }
        if (entries.length === 0) {
          ctx.io.stdout('The audit trail is empty.\n')
          return
        }
        ctx.io.stdout(
          formatTable(
            ['AT', 'ACTOR', 'ACTION', 'TARGET', 'DETAILS'],
            entries.map(e => [e.at, e.actor, e.action, e.target, JSON.stringify(e.details)]),
          ),
        )
      })
    })
}

// gitward audit
import type { Command } from 'commander'
import type { CliContext } from '../context.js'
import { formatTable } from '../table.js'
import { parseAuditQuery, selectAudit, unknownActionNote } from '../../admin/audit-query.js'

export function registerAuditCommand(program: Command, ctx: CliContext): void {
  program
    .command('audit')
    .description('show the audit trail of administrative changes (oldest first)')
    .option('--since <date>', 'only entries from this date (YYYY-MM-DD, 00:00 UTC) or UTC time (2026-06-01T08:00Z) on')
    .option('--action <action>', 'only this action (token.revoked) or family (token)')
    .option('--target <target>', 'only entries about this project path, group path or token id')
    .option('--json', 'print a JSON array')
    .addHelpText(
      'after',
      '\nExamples:\n  $ gitward audit\n  $ gitward audit --since 2026-01-01 --action token.revoked\n  $ gitward audit --target acme/app --json\n',
    )
    .action(async (opts: { json?: boolean; since?: string; action?: string; target?: string }, command: Command) => {
      const query = parseAuditQuery({ since: opts.since, action: opts.action, target: opts.target })
      await ctx.withAdmin(command, async admin => {
        const all = await admin.listAudit()
        const note = unknownActionNote(all, query)
        if (note !== null) ctx.io.stderr(`gitward: ${note}\n`)
        const entries = selectAudit(all, query)
        if (opts.json === true) {
          ctx.printJson(entries)
          return
        }
        if (entries.length === 0) {
          ctx.io.stdout(all.length === 0 ? 'The audit trail is empty.\n' : 'No audit entry matches.\n')
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

// gitward report tokens [--within 7d] [--json]
//
// For cron and monitoring checks: lists the active tokens that stop working
// within the window and exits 1 when there is any, 0 when there is none, so
// a CI token is replaced before a build breaks. Never-expiring tokens are a
// note (they break nothing on a date) and do not change the exit code.
import type { Command } from 'commander'
import { requireDays } from '../../admin/duration.js'
import type { CliContext } from '../context.js'
import { formatTable } from '../table.js'
import { targetLabel, tokenView } from '../token-view.js'

/** report tokens exits with this when some active token expires within the window. */
export const REPORT_FOUND_EXIT = 1

export function registerReportCommands(program: Command, ctx: CliContext): void {
  const report = program.command('report').description('reports for cron and monitoring checks: exit 1 when there is something to act on')

  report
    .command('tokens')
    .description('active tokens that stop working within a window (default 7d); exit 1 when any, 0 when none')
    .option('--within <duration>', 'the window, written 7d, 4w or 1y (expiry date at most that many days after today, UTC)', '7d')
    .option('--json', 'print {"within_days", "until", "expiring": [...], "never_expiring": [...]}')
    .addHelpText(
      'after',
      '\nExamples:\n  $ gitward report tokens\n  $ gitward report tokens --within 30d --json\n' +
        '\nExit codes: 0 no active token expires within the window, 1 at least one does (or an error).\n',
    )
    .action(async (opts: { within: string; json?: boolean }, command: Command) => {
      const withinDays = requireDays(opts.within, '--within')
      await ctx.withAdmin(command, async admin => {
        const r = await admin.reportTokenExpiry({ withinDays })
        const now = ctx.deps.clock.now()
        if (opts.json === true) {
          ctx.printJson({
            within_days: r.withinDays,
            until: r.until,
            expiring: r.expiring.map(t => tokenView(t, now)),
            never_expiring: r.neverExpiring.map(t => tokenView(t, now)),
          })
        } else {
          const days = `${r.withinDays} day${r.withinDays === 1 ? '' : 's'}`
          if (r.expiring.length === 0) {
            ctx.io.stdout(`No active token expires within ${days} (by ${r.until}).\n`)
          } else {
            const n = r.expiring.length
            ctx.io.stdout(
              `${n} active token${n === 1 ? ' expires' : 's expire'} within ${days} (by ${r.until}); replace ${n === 1 ? 'it' : 'them'} with gitward token rotate ID:\n` +
                formatTable(
                  ['ID', 'NAME', 'TARGET', 'EXPIRES', 'LAST USED', 'DESCRIPTION'],
                  r.expiring.map(t => {
                    const v = tokenView(t, now)
                    return [v.id, v.name, targetLabel(t), v.expires_at ?? 'never', v.last_used_at ?? 'never', v.description ?? '']
                  }),
                ),
            )
          }
          if (r.neverExpiring.length > 0) {
            const n = r.neverExpiring.length
            const shown = r.neverExpiring.slice(0, 10).map(t => `${t.id} (${t.name})`).join(', ')
            const more = n > 10 ? ` and ${n - 10} more` : ''
            ctx.io.stdout(`Note: ${n} active token${n === 1 ? ' never expires' : 's never expire'}: ${shown}${more}; give each an expiry with gitward token rotate ID.\n`)
          }
        }
        if (r.expiring.length > 0) ctx.setExitCode(REPORT_FOUND_EXIT)
      })
    })
}

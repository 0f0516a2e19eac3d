// `gitward doctor`: one line per check, OK / WARN / FAIL with the fix; exit
// 0 when all is well, 1 when something should be fixed, 2 when gitward
// cannot work as configured. `--json` prints the same as one object.
import type { Command } from 'commander'
import { loadConfig } from '../../config/load.js'
import { overall, type CheckResult } from '../../doctor/check-result.js'
import { runDoctor } from '../../doctor/run-doctor.js'
import type { CliContext } from '../context.js'
import { CLI_BUSY_TIMEOUT_MS } from '../context.js'

export const DOCTOR_EXIT = { ok: 0, warn: 1, fail: 2 } as const

export function formatChecks(results: readonly CheckResult[]): string {
  return results
    .map(r => `${r.status.toUpperCase().padEnd(4)}  ${r.check}: ${r.message}.${r.fix === null ? '' : ` Fix: ${r.fix}.`}\n`)
    .join('')
}

export function registerDoctorCommand(program: Command, ctx: CliContext): void {
  program
    .command('doctor')
    .description('check the configuration, database, repositories, git, upstream, TLS certificate and clock')
    .option('--json', 'print {"status", "checks": [{"check", "status", "message", "fix"}]}')
    .addHelpText(
      'after',
      '\nRun it as the service user, with the service\'s settings (see docs/deploy.md):\n' +
        '  $ gw doctor\n' +
        '  $ gitward --config /etc/gitward/gitward.toml doctor --json | jq -r \'.checks[] | select(.status != "ok") | .fix\'\n' +
        '\nExit codes: 0 every check passed, 1 warnings only, 2 at least one failure.\n',
    )
    .action(async (opts: { json?: boolean }, command: Command) => {
      const globals = command.optsWithGlobals<{ db?: string; repos?: string; config?: string }>()
      const uid = process.getuid?.() ?? -1
      const results = await runDoctor({
        loadConfig: () =>
          loadConfig({ flags: { db: globals.db, repos: globals.repos, config: globals.config }, env: ctx.io.env, cwd: ctx.io.cwd }),
        openStore: file => ctx.deps.openStore({ file, clock: ctx.deps.clock, busyTimeoutMs: CLI_BUSY_TIMEOUT_MS }),
        me: { uid, name: ctx.deps.userName() },
        now: () => ctx.deps.clock.now(),
        pathEnv: ctx.io.env['PATH'] ?? '/usr/local/bin:/usr/bin:/bin',
      })
      const status = overall(results)
      if (opts.json === true) ctx.printJson({ status, checks: results })
      else ctx.io.stdout(formatChecks(results))
      ctx.setExitCode(DOCTOR_EXIT[status])
    })
}

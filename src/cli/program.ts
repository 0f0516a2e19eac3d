// Builds the commander program. Commands are added by registrars, so another
// command (serve) is one more entry in BUILT_IN_COMMANDS or in deps.commands.
import { createRequire } from 'node:module'
import { Command } from 'commander'
import type { CliContext, CommandRegistrar } from './context.js'
import { registerInitCommand } from './commands/init.js'
import { registerAuditCommand } from './commands/audit.js'
import { registerMigrateStoreCommand } from './commands/migrate-store.js'
import { registerGroupCommands } from './commands/group.js'
import { registerRepoCommands } from './commands/repo.js'
import { registerTokenCommands } from './commands/token.js'
import { registerServeCommand } from './commands/serve.js'
import { registerDoctorCommand } from './commands/doctor.js'
import { registerBackupCommand } from './commands/backup.js'
import { registerProtectCommands } from './commands/protect.js'
import { registerCompletionCommand } from './commands/completion.js'
import { registerReportCommands } from './commands/report.js'

export const BUILT_IN_COMMANDS: readonly CommandRegistrar[] = [
  registerInitCommand,
  registerRepoCommands,
  registerTokenCommands,
  registerGroupCommands,
  registerProtectCommands,
  registerAuditCommand,
  registerReportCommands,
  registerMigrateStoreCommand,
  registerServeCommand,
  registerDoctorCommand,
  registerBackupCommand,
  registerCompletionCommand,
]

// package.json sits two levels above both src/cli and dist/cli.
const VERSION = (createRequire(import.meta.url)('../../package.json') as { version: string }).version

export function buildProgram(ctx: CliContext, extra: readonly CommandRegistrar[] = []): Command {
  const program = new Command('gitward')
  // Set before any subcommand is added: commander copies these settings to
  // each subcommand when it is created.
  program
    .exitOverride()
    .configureOutput({
      writeOut: s => ctx.io.stdout(s),
      writeErr: s => ctx.io.stderr(s),
      // Errors are printed by run() as one sentence, with the right exit code.
      outputError: () => {},
    })
    .configureHelp({ showGlobalOptions: true })
    .description('A gate for git over HTTP with project and group access tokens.')
    .version(VERSION, '-V, --version', 'print the version')
    .option('--db <file|url>', 'SQLite database file, or a postgres:// connection string (default: data/gitward.db, or db in the config)')
    .option('--repos <dir>', 'root of the bare repositories (default: data/repositories, or repos in the config)')
    .option('--config <file>', 'TOML config file (default: $GITWARD_CONFIG)')
    .option('--reason <text>', 'why: recorded in the audit trail with the changes this command makes')
    .hook('preAction', (_program, action) => ctx.setReason(action.optsWithGlobals<{ reason?: string }>().reason))
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  $ gitward init\n' +
        '  $ gitward repo create acme/app\n' +
        '  $ TOKEN=$(gitward token create --project acme/app --name ci --scopes read_repository)\n' +
        '  $ gitward --db /var/lib/gitward/gitward.db token list --all\n' +
        '\nExit codes: 0 success, 1 refused input or not found, 2 command-line usage, 3 database or repository problem.\n',
    )
  for (const register of [...BUILT_IN_COMMANDS, ...extra]) register(program, ctx)
  return program
}

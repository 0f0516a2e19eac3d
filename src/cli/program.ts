// Builds the commander program. Commands are added by registrars, so another
// command (serve) is one more entry in BUILT_IN_COMMANDS or in deps.commands.
//
// A registrar's module is loaded only when its command can run: `gitward
// serve` loads serve's and none of the administrative commands' (the
// admin use cases, doctor, completion), which keeps a running server's
// memory to what serving needs. Help, an unknown word and completion load
// them all.
import { createRequire } from 'node:module'
import { Command } from 'commander'
import type { CliContext, CommandRegistrar } from './context.js'

interface BuiltInCommand {
  /** The top-level command names the registrar adds. */
  names: readonly string[]
  load: () => Promise<CommandRegistrar>
}

/** In the order `gitward --help` lists them. */
export const BUILT_IN_COMMANDS: readonly BuiltInCommand[] = [
  { names: ['init'], load: async () => (await import('./commands/init.js')).registerInitCommand },
  { names: ['repo'], load: async () => (await import('./commands/repo.js')).registerRepoCommands },
  { names: ['token'], load: async () => (await import('./commands/token.js')).registerTokenCommands },
  { names: ['group'], load: async () => (await import('./commands/group.js')).registerGroupCommands },
  { names: ['protect', 'unprotect'], load: async () => (await import('./commands/protect.js')).registerProtectCommands },
  { names: ['audit'], load: async () => (await import('./commands/audit.js')).registerAuditCommand },
  { names: ['report'], load: async () => (await import('./commands/report.js')).registerReportCommands },
  { names: ['migrate-store'], load: async () => (await import('./commands/migrate-store.js')).registerMigrateStoreCommand },
  { names: ['serve'], load: async () => (await import('./commands/serve.js')).registerServeCommand },
  { names: ['doctor'], load: async () => (await import('./commands/doctor.js')).registerDoctorCommand },
  { names: ['backup'], load: async () => (await import('./commands/backup.js')).registerBackupCommand },
  // Its script is built from the whole program, so it always loads them all.
  { names: ['completion'], load: async () => (await import('./commands/completion.js')).registerCompletionCommand },
]

/** Global options that take a value (`--db FILE` or `--db=FILE`). */
const GLOBAL_OPTIONS_WITH_VALUE = new Set(['--db', '--repos', '--config', '--reason'])
const ROOT_HELP = new Set(['-h', '--help', '-V', '--version'])

/**
 * The top-level command word of `argv`, past the global options; undefined
 * when there is none or when help or the version is asked for first.
 */
export function commandWord(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string
    if (arg === '--' || ROOT_HELP.has(arg)) return undefined
    if (!arg.startsWith('-')) return arg
    if (GLOBAL_OPTIONS_WITH_VALUE.has(arg)) i++
  }
  return undefined
}

/** The registrars `argv` needs: its own command's, or all of them. */
export async function builtInCommands(argv?: readonly string[]): Promise<CommandRegistrar[]> {
  const word = argv === undefined ? undefined : commandWord(argv)
  const one = BUILT_IN_COMMANDS.find(c => word !== undefined && word !== 'completion' && c.names.includes(word))
  return Promise.all((one === undefined ? BUILT_IN_COMMANDS : [one]).map(c => c.load()))
}

// package.json sits two levels above both src/cli and dist/cli.
const VERSION = (createRequire(import.meta.url)('../../package.json') as { version: string }).version

/** The program with `registrars`' commands (builtInCommands, and any extra ones). */
export function buildProgram(ctx: CliContext, registrars: readonly CommandRegistrar[]): Command {
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
  for (const register of registrars) register(program, ctx)
  return program
}

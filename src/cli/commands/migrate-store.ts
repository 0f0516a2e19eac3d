// gitward migrate-store --to postgres://…
// Copies the configured SQLite store (--db) into an empty PostgreSQL
// database, in one verified transaction, and prints what it copied.
import type { Command } from 'commander'
import { GitwardError } from '../../errors.js'
import { isPostgresUrl } from '../../store/open-store.js'
// The copy (and with it the PostgreSQL driver, about 14 MiB resident) is
// loaded when the command runs, not with the program every `gitward serve`
// starts.
import { describeServer } from '../../store/postgres/url.js'
import type { CliContext } from '../context.js'
import { formatTable } from '../table.js'

export function registerMigrateStoreCommand(program: Command, ctx: CliContext): void {
  program
    .command('migrate-store')
    .description('copy every project, token, group setting and audit entry from the SQLite database (--db) into an empty PostgreSQL database, in one transaction')
    .requiredOption('--to <url>', 'the empty PostgreSQL database: postgres://USER@HOST:PORT/DATABASE')
    .option('--json', 'print the copied counts as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  $ gitward --db /var/lib/gitward/gitward.db migrate-store --to postgres://gitward@db.example.org/gitward\n' +
        '  $ PGPASSFILE=/etc/gitward/pgpass gitward migrate-store --to "postgres://gitward@db.example.org/gitward?sslmode=verify-full"\n',
    )
    .action(async (opts: { to: string; json?: boolean }, command: Command) => {
      const config = ctx.config(command)
      if (isPostgresUrl(config.db)) {
        throw new GitwardError('INVALID_ARGUMENT', 'migrate-store copies FROM a SQLite file: point --db at the SQLite database, and --to at PostgreSQL.')
      }
      if (!isPostgresUrl(opts.to)) {
        throw new GitwardError('INVALID_ARGUMENT', `--to must be a postgres:// or postgresql:// connection string, not "${describeTarget(opts.to)}".`)
      }
      const { copySqliteToPostgres } = await import('../../store/postgres/copy-from-sqlite.js')
      const counts = await copySqliteToPostgres({ sqliteFile: config.db, postgresUrl: opts.to })
      if (opts.json === true) {
        ctx.printJson(counts)
      } else {
        ctx.io.stdout(
          formatTable(
            ['TABLE', 'ROWS COPIED'],
            Object.entries(counts).map(([table, n]) => [table, String(n)]),
          ),
        )
      }
      ctx.io.stderr(
        `Copied ${config.db} into ${describeServer(opts.to)} in one transaction; the counts and every token hash were verified. ` +
          `The SQLite file is unchanged: point every instance's db at the PostgreSQL database and restart it.\n`,
      )
    })
}

/** Never echo what might be a password. */
const describeTarget = (value: string): string => (value.includes('@') ? '(a connection string)' : value)

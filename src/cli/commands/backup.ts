// `gitward backup FILE`: a consistent copy of the SQLite database, taken
// while `serve` runs. A PostgreSQL database is PostgreSQL's to back up.
import type { Command } from 'commander'
import { GitwardError } from '../../errors.js'
// url.js, not connection.js: the latter loads the PostgreSQL driver (about
// 14 MiB resident), which every `gitward serve` would then carry.
import { describeServer, isPostgresUrl } from '../../store/postgres/url.js'
import { backupSqliteDatabase } from '../../store/sqlite-backup.js'
import type { CliContext } from '../context.js'

export function registerBackupCommand(program: Command, ctx: CliContext): void {
  program
    .command('backup')
    .description('copy the database, consistently, while the server runs (mode 0600; never overwrites)')
    .argument('<file>', 'where to write the copy; must not exist')
    .option('--json', 'print {"file", "bytes", "pages", "schemaVersion"}')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  $ gw backup /var/backups/gitward/gitward-$(date -u +%Y%m%dT%H%M%SZ).db\n' +
        '\nThe repositories are not in the database: back up the repositories directory too\n' +
        '(docs/operations.md, "Backups"). For a postgres:// db, use pg_dump.\n',
    )
    .action(async (file: string, opts: { json?: boolean }, command: Command) => {
      const config = ctx.config(command)
      if (isPostgresUrl(config.db)) {
        throw new GitwardError(
          'INVALID_ARGUMENT',
          `the database is PostgreSQL (${describeServer(config.db)}); back it up with PostgreSQL's own tool: pg_dump --format=custom --file=${file} followed by the connection string (docs/operations.md, "Backups").`,
        )
      }
      const r = await backupSqliteDatabase(config.db, file)
      if (opts.json === true) ctx.printJson({ file: r.file, bytes: r.bytes, pages: r.pages, schemaVersion: r.schemaVersion })
      ctx.io.stderr(`Backed up ${config.db} to ${r.file} (${r.bytes} bytes, schema version ${r.schemaVersion}, integrity check passed).\n`)
    })
}

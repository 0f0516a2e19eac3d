// gitward group set
import type { Command } from 'commander'
import { checkProjectTokenCreation } from '../../admin/group-settings.js'
import type { CliContext } from '../context.js'

export function registerGroupCommands(program: Command, ctx: CliContext): void {
  const group = program.command('group').description('settings of top-level groups')

  group
    .command('set')
    .description('change a setting of a top-level group (applies to every project under it)')
    .argument('<top-level-group>', 'a top-level group, such as acme')
    .requiredOption(
      '--project-token-creation <value>',
      'enabled or disabled: whether new project tokens may be created under the group (group tokens, existing tokens and rotation are unaffected)',
    )
    .addHelpText('after', '\nExamples:\n  $ gitward group set acme --project-token-creation disabled\n  $ gitward group set acme --project-token-creation enabled\n')
    .action(async (rawGroup: string, opts: { projectTokenCreation: string }, command: Command) => {
      // Checked before the database is opened: bad input changes nothing.
      const request = checkProjectTokenCreation({ group: rawGroup, value: opts.projectTokenCreation })
      await ctx.withAdmin(command, async admin => {
        const settings = await admin.setProjectTokenCreation(request, ctx.actor())
        ctx.io.stdout(`Project token creation is now ${settings.projectTokenCreation} for the group ${settings.path}.\n`)
      })
    })
}

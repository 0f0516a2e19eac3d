// gitward group set
import type { Command } from 'commander'
import { requireTopLevelGroup } from '../../admin/target-path.js'
import { GitwardError } from '../../errors.js'
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
      const path = requireTopLevelGroup(rawGroup)
      const value = opts.projectTokenCreation
      if (value !== 'enabled' && value !== 'disabled') {
        throw new GitwardError('INVALID_ARGUMENT', `unknown value "${value}" for --project-token-creation; use enabled or disabled.`)
      }
      await ctx.withStore(command, async store => {
        const settings = await store.setProjectTokenCreation(path, value, ctx.actor())
        ctx.io.stdout(`Project token creation is now ${settings.projectTokenCreation} for the group ${settings.path}.\n`)
      })
    })
}

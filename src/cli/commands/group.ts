// gitward group list | show | set
import type { Command } from 'commander'
import { checkProjectTokenCreation } from '../../admin/group-settings.js'
import { requirePath } from '../../admin/target-path.js'
import type { CliContext } from '../context.js'
import { projectView } from '../project-view.js'
import { protectionView, protectionWho } from '../protection-view.js'
import { formatFields, formatTable } from '../table.js'

export function registerGroupCommands(program: Command, ctx: CliContext): void {
  const group = program.command('group').description('list and show groups; settings of top-level groups')

  group
    .command('list')
    .description('list top-level groups (from registered projects and group settings) with their project counts and settings')
    .option('--json', 'print a JSON array')
    .addHelpText('after', '\nExamples:\n  $ gitward group list\n  $ gitward group list --json | jq -r \'.[] | select(.project_token_creation == "disabled") | .path\'\n')
    .action(async (opts: { json?: boolean }, command: Command) => {
      await ctx.withAdmin(command, async admin => {
        const groups = await admin.listGroups()
        if (opts.json === true) {
          ctx.printJson(
            groups.map(g => ({
              path: g.path,
              projects: g.projectCount,
              project_token_creation: g.settings.projectTokenCreation,
              settings_updated_at: g.settings.updatedAt,
            })),
          )
          return
        }
        if (groups.length === 0) {
          ctx.io.stdout('No groups yet; a group appears when a project is registered under it (gitward repo create <group>/<project>).\n')
          return
        }
        ctx.io.stdout(
          formatTable(
            ['GROUP', 'PROJECTS', 'PROJECT TOKEN CREATION'],
            groups.map(g => [g.path, String(g.projectCount), g.settings.projectTokenCreation]),
          ),
        )
      })
    })

  group
    .command('show')
    .description('show a group: its settings, the projects below it, the protections on it and how many tokens are bound to it')
    .argument('<group>', 'a group at any depth, such as acme or acme/tools')
    .option('--json', 'print one JSON object')
    .addHelpText('after', '\nExamples:\n  $ gitward group show acme\n  $ gitward group show acme/tools --json\n')
    .action(async (rawGroup: string, opts: { json?: boolean }, command: Command) => {
      const path = requirePath(rawGroup, 'group')
      await ctx.withAdmin(command, async admin => {
        const g = await admin.showGroup(path)
        if (opts.json === true) {
          ctx.printJson({
            path: g.path,
            top_level_group: g.settings.path,
            project_token_creation: g.settings.projectTokenCreation,
            settings_updated_at: g.settings.updatedAt,
            projects: g.projects.map(projectView),
            protections: g.protections.map(protectionView),
            tokens: { active: g.tokens.active, expired: g.tokens.expired, revoked: g.tokens.revoked },
          })
          return
        }
        const inherited = g.settings.path === g.path ? '' : ` (set on the top-level group ${g.settings.path})`
        ctx.io.stdout(
          formatFields([
            ['group', g.path],
            ['project token creation', `${g.settings.projectTokenCreation}${inherited}`],
            ['projects', String(g.projects.length)],
            ['tokens bound to it', `${g.tokens.active} active, ${g.tokens.expired} expired, ${g.tokens.revoked} revoked`],
          ]),
        )
        if (g.projects.length > 0) {
          ctx.io.stdout('\n' + formatTable(['PROJECT', 'VISIBILITY', 'CREATED'], g.projects.map(p => [p.path, p.visibility, p.createdAt])))
        }
        ctx.io.stdout('\n')
        if (g.protections.length === 0) {
          ctx.io.stdout('No protected branches or tags on this group.\n')
        } else {
          ctx.io.stdout(
            formatTable(
              ['KIND', 'PATTERN', 'ON', 'WHO', 'FROM'],
              g.protections.map(r => [r.refKind, r.pattern, `group ${r.owner.path}`, protectionWho(r), r.inherited ? 'inherited' : 'own']),
            ),
          )
        }
      })
    })

  group
    .command('set')
    .description('change a setting of a top-level group (applies to every project under it)')
    .argument('<top-level-group>', 'a top-level group, such as acme')
    .requiredOption(
      '--project-token-creation <value>',
      'enabled or disabled: whether new project tokens may be created under the group (group tokens, existing tokens and rotation are unaffected)',
    )
    .option('--json', 'print the group\'s settings as one JSON object')
    .addHelpText('after', '\nSetting the value the group already has changes nothing and writes no audit entry.\n\nExamples:\n  $ gitward group set acme --project-token-creation disabled\n  $ gitward group set acme --project-token-creation enabled\n')
    .action(async (rawGroup: string, opts: { projectTokenCreation: string; json?: boolean }, command: Command) => {
      // Checked before the database is opened: bad input changes nothing.
      const request = checkProjectTokenCreation({ group: rawGroup, value: opts.projectTokenCreation })
      await ctx.withAdmin(command, async admin => {
        const settings = await admin.setProjectTokenCreation(request, ctx.actor())
        if (opts.json === true) {
          ctx.printJson({
            path: settings.path,
            project_token_creation: settings.projectTokenCreation,
            updated_at: settings.updatedAt,
            changed: settings.changed,
          })
          return
        }
        ctx.io.stdout(
          settings.changed
            ? `Project token creation is now ${settings.projectTokenCreation} for the group ${settings.path}.\n`
            : `Project token creation already was ${settings.projectTokenCreation} for the group ${settings.path}; nothing changed.\n`,
        )
      })
    })
}

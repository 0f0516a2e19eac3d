// gitward protect branch|tag | protect list | unprotect branch|tag
import type { Command } from 'commander'
import type { RefKind } from '../../admin/protect-ref.js'
import { describeDefaultBranchProtection, REF_ACCESS_LEVELS } from '../../access/ref-rules.js'
import type { ProtectedRef } from '../../model/protection.js'
import type { CliContext } from '../context.js'
import { protectionView } from '../protection-view.js'
import { formatTable } from '../table.js'

const LEVELS = REF_ACCESS_LEVELS.join('|')

function describe(r: ProtectedRef): string {
  return r.refKind === 'branch'
    ? `push: ${r.level}, force-push: ${r.allowForcePush ? 'allowed' : 'off'}, delete by push: refused`
    : `create: ${r.level}, update: refused, delete: maintainer`
}

export function registerProtectCommands(program: Command, ctx: CliContext): void {
  const protect = program
    .command('protect')
    .description('protect branches and tags of a project, or of every project under a group (GitLab semantics; see docs/access.md)')

  protect
    .command('branch')
    .description('protect a branch name or glob: who may push, whether force-push is allowed; deleting it by push is always refused')
    .argument('<project-or-group>', 'a project (acme/app) or a group (acme, acme/sub): a group rule applies to every project below it')
    .argument('<pattern>', 'a branch name or glob: main, release/*, *-stable')
    .option('--push <role>', `who may push and create matching branches: ${LEVELS}`, 'maintainer')
    .option('--allow-force-push', 'let those who may push also force-push')
    .option('--json', 'print the rule as one JSON object')
    .addHelpText(
      'after',
      '\nProtecting a pattern that is already protected there changes its settings.\n' +
        '\nExamples:\n  $ gitward protect branch acme/app main\n  $ gitward protect branch acme \'release/*\' --push developer\n  $ gitward protect branch acme/app main --allow-force-push\n',
    )
    .action(async (target: string, pattern: string, opts: { push: string; allowForcePush?: boolean; json?: boolean }, command: Command) => {
      await run(command, 'branch', target, pattern, opts.push, opts.allowForcePush === true, opts.json === true)
    })

  protect
    .command('tag')
    .description('protect a tag name or glob: who may create it; moving it is refused, deleting it needs a maintainer')
    .argument('<project-or-group>', 'a project (acme/app) or a group (acme, acme/sub)')
    .argument('<pattern>', 'a tag name or glob: v1.0, v*')
    .option('--create <role>', `who may create matching tags: ${LEVELS}`, 'maintainer')
    .option('--json', 'print the rule as one JSON object')
    .addHelpText('after', '\nExamples:\n  $ gitward protect tag acme/app \'v*\'\n  $ gitward protect tag acme \'v*\' --create developer\n')
    .action(async (target: string, pattern: string, opts: { create: string; json?: boolean }, command: Command) => {
      await run(command, 'tag', target, pattern, opts.create, false, opts.json === true)
    })

  async function run(command: Command, refKind: RefKind, target: string, pattern: string, level: string, allowForcePush: boolean, json: boolean): Promise<void> {
    await ctx.withAdmin(command, async admin => {
      const { rule, created } = await admin.protectRef({ refKind, target, pattern, level, allowForcePush }, ctx.actor())
      if (json) {
        ctx.printJson(protectionView(rule))
        return
      }
      ctx.io.stdout(
        `${created ? 'Protected' : 'Changed the protection of'} ${refKind} ${rule.pattern} on the ${rule.owner.kind} ${rule.owner.path} (${describe(rule)}).\n`,
      )
    })
  }

  protect
    .command('list')
    .description('list protected branches and tags: of one project (its own and those inherited from groups), of one group, or all')
    .argument('[project-or-group]', 'a project or a group; default: every rule on the server')
    .option('--json', 'print one JSON object')
    .addHelpText('after', '\nExamples:\n  $ gitward protect list acme/app\n  $ gitward protect list --json\n')
    .action(async (target: string | undefined, opts: { json?: boolean }, command: Command) => {
      await ctx.withAdmin(command, async admin => {
        const listing = await admin.listProtections(target)
        const project = listing.project
        if (opts.json === true) {
          ctx.printJson({
            ...(listing.owner === undefined ? {} : { [listing.owner.kind]: listing.owner.path }),
            ...(project === undefined
              ? {}
              : { default_branch: project.defaultBranch, default_branch_protection: project.defaultBranchProtection }),
            rules: listing.rules.map(protectionView),
          })
          return
        }
        if (project !== undefined) {
          ctx.io.stdout(
            project.defaultBranch === null
              ? `Default branch: not recorded (registered before protection existed); protection ${project.defaultBranchProtection}.\n`
              : `Default branch ${project.defaultBranch}: protection ${project.defaultBranchProtection} (${describeDefaultBranchProtection(project.defaultBranchProtection)}).\n`,
          )
        }
        if (listing.rules.length === 0) {
          ctx.io.stdout('No protected branches or tags.\n')
          return
        }
        ctx.io.stdout(
          formatTable(
            ['KIND', 'PATTERN', 'ON', 'WHO', 'FORCE-PUSH', 'FROM'],
            listing.rules.map(r => [
              r.refKind,
              r.pattern,
              `${r.owner.kind} ${r.owner.path}`,
              r.refKind === 'branch' ? `push: ${r.level}` : `create: ${r.level}`,
              r.refKind === 'branch' ? (r.allowForcePush ? 'allowed' : 'off') : '-',
              r.inherited ? 'inherited' : 'own',
            ]),
          ),
        )
      })
    })

  const unprotect = program.command('unprotect').description('remove the protection of a branch or tag pattern')
  for (const refKind of ['branch', 'tag'] as const) {
    unprotect
      .command(refKind)
      .description(`remove a protected ${refKind} pattern from a project or group`)
      .argument('<project-or-group>', 'where the rule was set (see protect list)')
      .argument('<pattern>', `the ${refKind} pattern exactly as protected`)
      .option('--json', 'print the removed rule as one JSON object')
      .addHelpText('after', `\nExample:\n  $ gitward unprotect ${refKind} acme/app ${refKind === 'branch' ? 'main' : "'v*'"}\n`)
      .action(async (target: string, pattern: string, opts: { json?: boolean }, command: Command) => {
        await ctx.withAdmin(command, async admin => {
          const removed = await admin.unprotectRef({ refKind, target, pattern }, ctx.actor())
          if (opts.json === true) {
            ctx.printJson(protectionView(removed))
            return
          }
          ctx.io.stdout(`Unprotected ${refKind} ${removed.pattern} on the ${removed.owner.kind} ${removed.owner.path}.\n`)
        })
      })
  }
}

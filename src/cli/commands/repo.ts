// gitward repo create | list | set | archive | unarchive | remove
import type { Command } from 'commander'
import { checkCreateProject } from '../../admin/create-project.js'
import { checkSetVisibility } from '../../admin/project-visibility.js'
import { checkRemoveProject } from '../../admin/remove-project.js'
import { checkArchiveProject } from '../../admin/archive-project.js'
import { describeDefaultBranchProtection } from '../../access/ref-rules.js'
import { DEFAULT_BRANCH_PROTECTIONS } from '../../model/protection.js'
import { VISIBILITIES } from '../../model/visibility.js'
import type { CliContext } from '../context.js'
import { projectView } from '../project-view.js'
import { formatTable } from '../table.js'

export function registerRepoCommands(program: Command, ctx: CliContext): void {
  const repo = program.command('repo').description('register projects and create their bare repositories')

  repo
    .command('create')
    .description('register a project and create <repos>/<path>.git (an existing one is registered only with --adopt)')
    .argument('<path>', 'project path, such as acme/app')
    .option('--visibility <visibility>', `who may read without a token: ${VISIBILITIES.join(' or ')}`, 'private')
    .option('--adopt', 'register the bare repository that already exists at <repos>/<path>.git instead of refusing')
    .option('--default-branch <name>', 'initial branch of a new repository (default: default_branch, "main")')
    .option('--default-branch-protection <level>', `protection of the default branch: ${DEFAULT_BRANCH_PROTECTIONS.join(', ')} (default: default_branch_protection, "full")`)
    .option('--json', 'print the project and its repository as one JSON object')
    .addHelpText('after', '\nExamples:\n  $ gitward repo create acme/app\n  $ gitward repo create acme/docs --visibility public --default-branch trunk\n  $ gitward repo create acme/sandbox --default-branch-protection none\n  $ gitward repo create acme/legacy --adopt\n')
    .action(async (rawPath: string, opts: { visibility: string; adopt?: boolean; defaultBranch?: string; defaultBranchProtection?: string; json?: boolean }, command: Command) => {
      // Check what needs no database first, so bad input changes nothing.
      const request = checkCreateProject({ path: rawPath, visibility: opts.visibility })
      await ctx.withAdmin(
        command,
        async (admin, config) => {
          const result = await admin.createProject({ ...request, adopt: opts.adopt === true }, ctx.actor())
          if (opts.json === true) {
            ctx.printJson({ ...projectView(result.project), repository: result.repository })
            return
          }
          const where = result.repository === null
            ? 'no repositories root is configured, so no repository was created'
            : result.repository.created
              ? `created the bare repository ${result.repository.dir}`
              : `adopted the existing bare repository ${result.repository.dir}`
          ctx.io.stdout(`Registered project ${result.project.path} (${result.project.visibility}); ${where}.\n`)
          ctx.io.stdout(
            `Default branch ${config.default_branch}: protection ${result.project.defaultBranchProtection} (${describeDefaultBranchProtection(result.project.defaultBranchProtection)}).\n`,
          )
        },
        { default_branch: opts.defaultBranch, default_branch_protection: opts.defaultBranchProtection },
      )
    })

  repo
    .command('list')
    .description('list registered projects')
    .option('--json', 'print a JSON array')
    .addHelpText('after', '\nExamples:\n  $ gitward repo list\n  $ gitward repo list --json | jq -r \'.[].path\'\n')
    .action(async (opts: { json?: boolean }, command: Command) => {
      await ctx.withAdmin(command, async admin => {
        const projects = await admin.listProjects()
        if (opts.json === true) {
          ctx.printJson(projects.map(projectView))
          return
        }
        if (projects.length === 0) {
          ctx.io.stdout('No projects registered yet; add one with gitward repo create <path>.\n')
          return
        }
        ctx.io.stdout(formatTable(['PATH', 'VISIBILITY', 'CREATED'], projects.map(p => [p.path, p.visibility, p.createdAt])))
      })
    })

  repo
    .command('set')
    .description('change a registered project: who may read it without a token')
    .argument('<path>', 'project path, such as acme/app')
    .requiredOption('--visibility <visibility>', `${VISIBILITIES.join(' or ')}: public lets anyone clone and fetch without a token`)
    .option('--json', 'print the project as one JSON object')
    .addHelpText('after', '\nSetting the visibility the project already has changes nothing and writes no audit entry.\n\nExamples:\n  $ gitward repo set acme/docs --visibility public\n  $ gitward repo set acme/app --visibility private --reason "contains customer names"\n')
    .action(async (rawPath: string, opts: { visibility: string; json?: boolean }, command: Command) => {
      const request = checkSetVisibility({ path: rawPath, visibility: opts.visibility })
      await ctx.withAdmin(command, async admin => {
        const { project, changed, from } = await admin.setProjectVisibility(request, ctx.actor())
        if (opts.json === true) {
          ctx.printJson({ ...projectView(project), changed })
          return
        }
        ctx.io.stdout(
          changed
            ? `Project ${project.path} is now ${project.visibility} (was ${from}).\n`
            : `Project ${project.path} already was ${project.visibility}; nothing changed.\n`,
        )
      })
    })

  for (const archived of [true, false]) {
    const verb = archived ? 'archive' : 'unarchive'
    repo
      .command(verb)
      .description(
        archived
          ? 'archive a project: clones and fetches still work, every push is refused ("You are not allowed to push code to an archived project.")'
          : 'unarchive a project: pushes are accepted again',
      )
      .argument('<path>', 'project path, such as acme/app')
      .option('--json', 'print the project as one JSON object')
      .addHelpText('after', `\nExample:\n  $ gitward repo ${verb} acme/old${archived ? ' --reason "replaced by acme/new"' : ''}\n`)
      .action(async (rawPath: string, opts: { json?: boolean }, command: Command) => {
        const path = checkArchiveProject(rawPath)
        await ctx.withAdmin(command, async admin => {
          const { project, changed } = await admin.setProjectArchived({ path, archived }, ctx.actor())
          if (opts.json === true) {
            ctx.printJson({ ...projectView(project), changed })
            return
          }
          ctx.io.stdout(
            !changed
              ? `Project ${project.path} ${archived ? 'already was archived' : 'was not archived'}; nothing changed.\n`
              : archived
                ? `Archived the project ${project.path}: clones and fetches still work, pushes are refused.\n`
                : `Unarchived the project ${project.path}: pushes are accepted again.\n`,
          )
        })
      })
  }

  repo
    .command('remove')
    .description('remove a project\'s registration (with its tokens and protections); its bare repository is kept on disk')
    .argument('<path>', 'project path, such as acme/app')
    .option('--yes', 'confirm the removal (required)')
    .option('--revoke-tokens', 'revoke the active tokens bound to the project with the removal, instead of refusing')
    .option('--json', 'print what was removed as one JSON object')
    .addHelpText(
      'after',
      '\nThe bare repository stays at <repos>/<path>.git and is no longer served; delete it yourself, or\n' +
        'register it again with gitward repo create <path> --adopt. Group tokens and group protections are kept.\n' +
        '\nExamples:\n  $ gitward repo remove acme/old --yes\n  $ gitward repo remove acme/old --yes --revoke-tokens --reason "project retired"\n',
    )
    .action(async (rawPath: string, opts: { yes?: boolean; revokeTokens?: boolean; json?: boolean }, command: Command) => {
      const request = { path: rawPath, confirmed: opts.yes === true, revokeTokens: opts.revokeTokens === true }
      checkRemoveProject(request)
      await ctx.withAdmin(command, async admin => {
        const removed = await admin.removeProject(request, ctx.actor())
        if (opts.json === true) {
          ctx.printJson({
            ...projectView(removed.project),
            revoked_tokens: removed.revokedTokens,
            deleted_tokens: removed.deletedTokens,
            deleted_protections: removed.deletedProtections,
            repository: removed.repository,
          })
          return
        }
        const n = removed.revokedTokens.length
        const revoked = n === 0 ? '' : `; revoked ${n} token${n === 1 ? '' : 's'} (${removed.revokedTokens.join(', ')})`
        ctx.io.stdout(
          `Removed the project ${removed.project.path}${revoked}; deleted ${removed.deletedTokens} token record${removed.deletedTokens === 1 ? '' : 's'} and ${removed.deletedProtections} protection${removed.deletedProtections === 1 ? '' : 's'} with it.\n`,
        )
        const repo = removed.repository
        if (repo !== null && repo.exists) {
          ctx.io.stdout(
            `Its bare repository stays at ${repo.dir} and is no longer served; delete it yourself, or register it again with gitward repo create ${removed.project.path} --adopt.\n`,
          )
        }
      })
    })
}

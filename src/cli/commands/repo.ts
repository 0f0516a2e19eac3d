// gitward repo create | list
import type { Command } from 'commander'
import { checkCreateProject } from '../../admin/create-project.js'
import { describeDefaultBranchProtection } from '../../access/ref-rules.js'
import { DEFAULT_BRANCH_PROTECTIONS } from '../../model/protection.js'
import { VISIBILITIES } from '../../model/visibility.js'
import type { CliContext } from '../context.js'
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
    .addHelpText('after', '\nExamples:\n  $ gitward repo create acme/app\n  $ gitward repo create acme/docs --visibility public --default-branch trunk\n  $ gitward repo create acme/sandbox --default-branch-protection none\n  $ gitward repo create acme/legacy --adopt\n')
    .action(async (rawPath: string, opts: { visibility: string; adopt?: boolean; defaultBranch?: string; defaultBranchProtection?: string }, command: Command) => {
      // Check what needs no database first, so bad input changes nothing.
      const request = checkCreateProject({ path: rawPath, visibility: opts.visibility })
      await ctx.withAdmin(
        command,
        async (admin, config) => {
          const result = await admin.createProject({ ...request, adopt: opts.adopt === true }, ctx.actor())
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
          ctx.printJson(projects.map(p => ({ id: p.id, path: p.path, visibility: p.visibility, created_at: p.createdAt })))
          return
        }
        if (projects.length === 0) {
          ctx.io.stdout('No projects registered yet; add one with gitward repo create <path>.\n')
          return
        }
        ctx.io.stdout(formatTable(['PATH', 'VISIBILITY', 'CREATED'], projects.map(p => [p.path, p.visibility, p.createdAt])))
      })
    })
}

// gitward token create | list | show | revoke | rotate
//
// Threat: a minted token ending up somewhere other than the administrator's
// own hands. The token is printed once, alone on stdout (so
// TOKEN=$(gitward token create ...) captures it and nothing else), and every
// notice goes to stderr. No other command ever prints it.
import { Option, type Command } from 'commander'
import { DEFAULT_ROLE, ROLES } from '../../model/role.js'
import { SCOPES } from '../../model/scope.js'
import { requestedExpiry } from '../../admin/expiry-date.js'
import { requireRefRules, requireRole, requireScopes } from '../../admin/grant-input.js'
import { checkListTokens } from '../../admin/list-tokens.js'
import type { Minted, TargetRequest } from '../../admin/mint-token.js'
import { requirePath } from '../../admin/target-path.js'
import { requireTokenId } from '../../admin/token-id.js'
import { requireDays } from '../../admin/duration.js'
import { requireTokenDescription } from '../../admin/token-description.js'
import { requireTokenName } from '../../admin/token-name.js'
import type { TokenRecord } from '../../model/token.js'
import type { CliContext } from '../context.js'
import { formatFields, formatTable } from '../table.js'
import { targetLabel, tokenView } from '../token-view.js'

interface TargetOptions {
  project?: string
  group?: string
}

const projectOption = (what: string) => new Option('--project <path>', what).conflicts('group')
const groupOption = (what: string) => new Option('--group <path>', what).conflicts('project')

function targetFrom(opts: TargetOptions, command: Command): TargetRequest {
  if (opts.project !== undefined) return { kind: 'project', path: requirePath(opts.project, 'project') }
  if (opts.group !== undefined) return { kind: 'group', path: requirePath(opts.group, 'group') }
  // A usage error (exit 2), reported like commander's own.
  return command.error('error: token create needs --project <path> or --group <path>', {
    exitCode: 2,
    code: 'gitward.missingTarget',
  })
}

function describe(record: TokenRecord): string {
  const expiry = record.expiresAt === null ? 'never expires' : `stops working at 00:00 UTC on ${record.expiresAt}`
  return `token ${record.id} for ${targetLabel(record)} (role ${record.role}, scopes ${record.scopes.join(',')}; ${expiry})`
}

function printMinted(ctx: CliContext, minted: Minted, json: boolean, replaced?: string): void {
  if (json) {
    ctx.printJson({ ...tokenView(minted.record, ctx.deps.clock.now()), token: minted.token })
  } else {
    ctx.io.stdout(minted.token + '\n')
  }
  const also = replaced === undefined ? '' : `, replacing token ${replaced}, which no longer works`
  ctx.io.stderr(`This token is shown once; store it now.\nCreated ${describe(minted.record)}${also}.\n`)
  if (minted.notice !== null) ctx.io.stderr(`Notice: ${minted.notice}\n`)
}

export function registerTokenCommands(program: Command, ctx: CliContext): void {
  const token = program.command('token').description('create, list, show, revoke and rotate access tokens')

  token
    .command('create')
    .description('mint a token for one project or for every project under a group; prints the token once')
    .addOption(projectOption('the project the token is for, such as acme/app'))
    .addOption(groupOption('the group the token is for (any depth), such as acme or acme/tools'))
    .requiredOption('--name <name>', 'a label for humans, such as ci-deploy')
    .requiredOption('--scopes <list>', `comma-separated: ${SCOPES.join(', ')}`)
    .option('--role <role>', `${ROLES.join(', ')}`, DEFAULT_ROLE)
    .option('--expires <YYYY-MM-DD>', 'the token stops working at 00:00 UTC on this date (after today, within max_token_lifetime_days)')
    .option('--expires-in <duration>', 'or: that many days from today (UTC), written 90d, 12w or 1y (365 days); default: the longest max_token_lifetime_days allows')
    .option('--description <text>', `what the token is for, one line (at most 500 characters)`)
    .option('--refs <patterns>', 'comma-separated full-ref patterns the token may create, update or delete (refs/tags/v*,refs/heads/ci/*); reads are not limited; default: any ref')
    .option('--json', 'print one JSON object including the token')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  $ TOKEN=$(gitward token create --project acme/app --name ci --scopes read_repository --role reporter --expires 2027-01-31)\n' +
        "  $ gitward token create --project acme/app --name release-bot --scopes write_repository --role developer --refs 'refs/tags/v*' --expires-in 90d\n" +
        "  $ gitward token create --project acme/app --name ci --scopes read_repository --description 'Jenkins on ci.example.com'\n" +
        '  $ gitward token create --group acme --name deploy-bot --scopes read_repository,write_repository --role developer --json\n',
    )
    .action(
      async (
        opts: TargetOptions & {
          name: string
          scopes: string
          role: string
          expires?: string
          expiresIn?: string
          description?: string
          refs?: string
          json?: boolean
        },
        command: Command,
      ) => {
        // Every check that needs no database comes first: bad input changes nothing.
        const target = targetFrom(opts, command)
        const name = requireTokenName(opts.name)
        const scopes = requireScopes(opts.scopes)
        const role = requireRole(opts.role)
        const expiresAt = requestedExpiry({ expires: opts.expires, expiresIn: opts.expiresIn }, ctx.deps.clock.now())
        const description = requireTokenDescription(opts.description)
        const refRules = opts.refs === undefined ? null : requireRefRules(opts.refs)
        await ctx.withAdmin(command, async admin => {
          const minted = await admin.mintToken({ name, target, role, scopes, expiresAt, refRules, description }, ctx.actor())
          printMinted(ctx, minted, opts.json === true)
          if (target.kind === 'group') {
            if (!(await admin.hasProjectsUnder(target.path))) {
              ctx.io.stderr(
                `Notice: no registered project is under the group ${target.path} yet; the token will apply to projects registered there later.\n`,
              )
            }
          }
        })
      },
    )

  token
    .command('list')
    .description('list tokens (active ones unless --all); never shows a token or its hash')
    .addOption(projectOption('tokens that reach this project: its own and those of the groups above it'))
    .addOption(groupOption('only tokens of this group and of everything below it'))
    .option('--all', 'include revoked and expired tokens')
    .option('--expiring-within <duration>', 'only active tokens that stop working within 30d, 12w, 1y (expiry date at most that many days after today, UTC)')
    .option('--unused-since <duration>', 'only active tokens not used in the last 90d, 12w, 1y (never used: created that long ago)')
    .option('--json', 'print a JSON array')
    .addHelpText(
      'after',
      '\nExamples:\n  $ gitward token list --project acme/app\n  $ gitward token list --group acme --all --json\n' +
        '  $ gitward token list --expiring-within 30d\n  $ gitward token list --unused-since 90d --json\n',
    )
    .action(
      async (
        opts: TargetOptions & { all?: boolean; expiringWithin?: string; unusedSince?: string; json?: boolean },
        command: Command,
      ) => {
        const request = checkListTokens({
          project: opts.project,
          group: opts.group,
          all: opts.all,
          expiringWithinDays: opts.expiringWithin === undefined ? undefined : requireDays(opts.expiringWithin, '--expiring-within'),
          unusedSinceDays: opts.unusedSince === undefined ? undefined : requireDays(opts.unusedSince, '--unused-since'),
        })
        const filtered = request.expiringWithinDays !== undefined || request.unusedSinceDays !== undefined
        await ctx.withAdmin(command, async admin => {
          const tokens = await admin.listTokens(request)
          const now = ctx.deps.clock.now()
          if (opts.json === true) {
            ctx.printJson(tokens.map(t => tokenView(t, now)))
            return
          }
          if (tokens.length === 0) {
            ctx.io.stdout(
              filtered
                ? 'No active token matches.\n'
                : opts.all === true
                  ? 'No tokens.\n'
                  : 'No active tokens; add --all to include revoked and expired ones.\n',
            )
            return
          }
          ctx.io.stdout(
            formatTable(
              ['ID', 'NAME', 'TARGET', 'ROLE', 'SCOPES', 'EXPIRES', 'LAST USED', 'STATE', 'REFS', 'ADDRESSES'],
              tokens.map(t => {
                const v = tokenView(t, now)
                return [
                  v.id,
                  v.name,
                  targetLabel(t),
                  v.role,
                  v.scopes.join(','),
                  v.expires_at ?? 'never',
                  v.last_used_at ?? 'never',
                  v.state,
                  v.refs?.join(',') ?? 'any',
                  v.recent_addresses.map(a => a.address).join(',') || '-',
                ]
              }),
            ),
          )
        })
      },
    )

  token
    .command('show')
    .description('show one token (never the token itself or its hash)')
    .argument('<id>', 'the token id (12 characters), as shown by token list')
    .option('--json', 'print one JSON object')
    .addHelpText('after', '\nExample:\n  $ gitward token show k3j9x2m1q8ab\n')
    .action(async (rawId: string, opts: { json?: boolean }, command: Command) => {
      const id = requireTokenId(rawId)
      await ctx.withAdmin(command, async admin => {
        const record = await admin.showToken(id)
        const v = tokenView(record, ctx.deps.clock.now())
        if (opts.json === true) {
          ctx.printJson(v)
          return
        }
        ctx.io.stdout(
          formatFields([
            ['id', v.id],
            ['name', v.name],
            [record.target.kind, record.target.path],
            ['role', v.role],
            ['scopes', v.scopes.join(',')],
            ['refs', v.refs?.join(',') ?? 'any'],
            ['description', v.description],
            ['state', v.state],
            ['expires', v.expires_at ?? 'never'],
            ['created', v.created_at],
            ['last used', v.last_used_at ?? 'never'],
            ['addresses', v.recent_addresses.length === 0 ? null : v.recent_addresses.map(a => `${a.address} (${a.last_seen_at})`).join(', ')],
            ['revoked', v.revoked_at],
            ['rotated from', v.rotated_from],
          ]),
        )
      })
    })

  token
    .command('revoke')
    .description('revoke a token; it fails on the very next request')
    .argument('<id>', 'the token id (12 characters), as shown by token list')
    .option('--json', 'print the revoked token as one JSON object (as token show --json)')
    .addHelpText('after', '\nExamples:\n  $ gitward token revoke k3j9x2m1q8ab\n  $ gitward token revoke k3j9x2m1q8ab --json\n')
    .action(async (rawId: string, opts: { json?: boolean }, command: Command) => {
      const id = requireTokenId(rawId)
      await ctx.withAdmin(command, async admin => {
        const record = await admin.revokeToken(id, ctx.actor())
        if (opts.json === true) {
          ctx.printJson(tokenView(record, ctx.deps.clock.now()))
          return
        }
        ctx.io.stdout(`Revoked token ${record.id} (${record.name}, ${targetLabel(record)}).\n`)
      })
    })

  token
    .command('rotate')
    .description('replace a token with a new secret for the same grant; the old one stops working at once')
    .argument('<id>', 'the token id (12 characters), as shown by token list')
    .option('--expires <YYYY-MM-DD>', 'expiry of the new token (after today, within max_token_lifetime_days)')
    .option('--expires-in <duration>', "or: that many days from today (UTC), written 90d, 12w or 1y; default: the old token's lifetime from today, capped by max_token_lifetime_days")
    .option('--json', 'print one JSON object including the new token')
    .addHelpText(
      'after',
      '\nExamples:\n  $ TOKEN=$(gitward token rotate k3j9x2m1q8ab)\n  $ gitward token rotate k3j9x2m1q8ab --expires 2027-06-30 --json\n  $ gitward token rotate k3j9x2m1q8ab --expires-in 12w\n',
    )
    .action(async (rawId: string, opts: { expires?: string; expiresIn?: string; json?: boolean }, command: Command) => {
      const id = requireTokenId(rawId)
      // Checked before the database is opened: bad input changes nothing.
      requestedExpiry({ expires: opts.expires, expiresIn: opts.expiresIn }, ctx.deps.clock.now())
      await ctx.withAdmin(command, async admin => {
        const minted = await admin.rotateToken({ id, expires: opts.expires, expiresIn: opts.expiresIn }, ctx.actor())
        printMinted(ctx, minted, opts.json === true, id)
      })
    })
}

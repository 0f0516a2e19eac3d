// The HTTP API (GitLab REST v4's access-token subset): route, authenticate,
// read the parameters, call the administrative facade, answer in GitLab's
// JSON. A thin adapter: every rule (who may read, mint, rotate, revoke;
// names, scopes, dates, the lifetime policy) is in src/admin/; this file
// only translates between HTTP and those use cases. docs/api.md describes it.
//
// Loaded by the gate on the first /api/ request (never for git traffic).
import type { IncomingMessage, ServerResponse } from 'node:http'
import FindMyWay from 'find-my-way'
import type { Clock } from '../clock.js'
import { isGitwardError } from '../errors.js'
import { sendJson } from '../http/json.js'
import type { DelegatedAdmin, TargetRef, TokenRef } from '../admin/delegated-tokens.js'
import { groupNumber } from '../admin/group-number.js'
import { DEFAULT_ROLE } from '../model/role.js'
import type { TokenRecord } from '../model/token.js'
import { readBody, formFields } from './request-body.js'
import { createBody, listQuery, parseWith, rotateBody, tokenIdParam } from './params.js'
import { pageRequest, paginate } from './pagination.js'
import { groupJson, projectJson, tokenJson } from './resource-json.js'

/** What the gate gives the API for one request (src/front/gate.ts, ApiRequestContext). */
export interface ApiContext {
  authenticate(): Promise<{ kind: 'valid'; tokenId: string } | { kind: 'none' } | { kind: 'refused' } | { kind: 'banned' }>
  decide(decision: string): void
  route(pattern: string): void
  expectsContinue: boolean
  /** http or https as the client sees it (TLS here, or a trusted proxy's X-Forwarded-Proto). */
  proto: 'http' | 'https'
}

export interface ApiEndpointOptions {
  admin: DelegatedAdmin
  clock: Clock
  /** Largest request body (bytes); larger gets 413. */
  bodyLimitBytes: number
  /** Time a request body may take to arrive in full; slower gets 408. */
  bodyTimeoutMs: number
}

interface Call {
  tokenId: string
  params: Record<string, string | undefined>
  fields: Record<string, unknown>
  url: URL
  baseUrl: string
}

interface Answer {
  status: number
  body?: unknown
  headers?: Record<string, string>
}

type Handler = (call: Call) => Promise<Answer>

interface Route {
  handler: Handler
  /** Reads a request body (POST). */
  body: boolean
  /** `METHOD /path/:pattern`, for the log line. */
  key: string
}

class BadRequest extends Error {}

function parsed<T>(r: { ok: true; value: T } | { ok: false; message: string }): T {
  if (!r.ok) throw new BadRequest(r.message)
  return r.value
}

const tokenRef = (raw: string | undefined): TokenRef => {
  const r = tokenIdParam.safeParse(raw)
  if (!r.success) throw new BadRequest('token_id is invalid')
  return r.data
}

// The gate has checked the request's shape; a Host that is not a plain
// host[:port] is not repeated in URLs built for the client.
const HOST = /^(?:[A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\])(?::[0-9]{1,5})?$/

export function createApiEndpoint(o: ApiEndpointOptions) {
  const { admin, clock } = o
  const router = FindMyWay({ ignoreTrailingSlash: true, maxParamLength: 1024 })
  const routes = new Map<string, Route>()
  const on = (method: 'GET' | 'POST' | 'DELETE', path: string, handler: Handler): void => {
    const key = `${method} ${path}`
    routes.set(key, { handler, body: method === 'POST', key })
    // The router only matches; the handler is looked up by the route's key.
    router.on(method, path, () => {}, { key })
  }

  const jsonList = async (tokens: readonly TokenRecord[]): Promise<Array<Record<string, unknown>>> => {
    const bots = await admin.botUsers(tokens)
    return tokens.map(t => tokenJson(t, bots.get(t.id) ?? t.number, clock.now()))
  }
  const json = async (token: TokenRecord, secret?: string): Promise<Record<string, unknown>> => {
    const bots = await admin.botUsers([token])
    return tokenJson(token, bots.get(token.id) ?? token.number, clock.now(), secret)
  }

  for (const kind of ['project', 'group'] as const) {
    const base = `/api/v4/${kind === 'project' ? 'projects' : 'groups'}/:id`
    const target = (call: Call): TargetRef => ({ kind, ref: call.params['id'] ?? '' })

    on('GET', base, async call => {
      if (kind === 'project') return { status: 200, body: projectJson(await admin.project(call.tokenId, call.params['id'] ?? ''), call.baseUrl, groupNumber) }
      const group = await admin.group(call.tokenId, call.params['id'] ?? '')
      return { status: 200, body: groupJson(group.path, call.baseUrl, groupNumber) }
    })

    on('GET', `${base}/access_tokens`, async call => {
      const q = parsed(parseWith(listQuery, call.fields))
      const tokens = await admin.listTokens(call.tokenId, target(call), q.state)
      const page = paginate(tokens, pageRequest(q.page, q.per_page), call.url)
      return { status: 200, body: await jsonList(page.items), headers: page.headers }
    })

    on('GET', `${base}/access_tokens/:token_id`, async call => ({
      status: 200,
      body: await json(await admin.showToken(call.tokenId, target(call), tokenRef(call.params['token_id']))),
    }))

    on('POST', `${base}/access_tokens`, async call => {
      const b = parsed(parseWith(createBody, call.fields))
      const minted = await admin.mintToken(call.tokenId, target(call), {
        name: b.name,
        scopes: b.scopes,
        role: b.access_level ?? DEFAULT_ROLE,
        expiresAt: b.expires_at,
        description: b.description,
      })
      return { status: 201, body: await json(minted.record, minted.token) }
    })

    on('POST', `${base}/access_tokens/:token_id/rotate`, async call => {
      const ref = tokenRef(call.params['token_id'])
      const b = parsed(parseWith(rotateBody, call.fields))
      const minted = await admin.rotateToken(call.tokenId, target(call), ref, b.expires_at)
      return { status: 200, body: await json(minted.record, minted.token) }
    })

    on('DELETE', `${base}/access_tokens/:token_id`, async call => {
      await admin.revokeToken(call.tokenId, target(call), tokenRef(call.params['token_id']))
      return { status: 204 }
    })
  }

  on('GET', '/api/v4/personal_access_tokens/self', async call => ({ status: 200, body: await json(await admin.showToken(call.tokenId, null, 'self')) }))
  on('POST', '/api/v4/personal_access_tokens/self/rotate', async call => {
    const b = parsed(parseWith(rotateBody, call.fields))
    const minted = await admin.rotateToken(call.tokenId, null, 'self', b.expires_at)
    return { status: 200, body: await json(minted.record, minted.token) }
  })
  on('DELETE', '/api/v4/personal_access_tokens/self', async call => {
    await admin.revokeToken(call.tokenId, null, 'self')
    return { status: 204 }
  })

  return async (req: IncomingMessage, res: ServerResponse, context: ApiContext): Promise<void> => {
    const hasBody = req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0' || req.headers['transfer-encoding'] !== undefined
    const answer = (status: number, body: unknown, decision: string, headers?: Record<string, string>): void => {
      context.decide(decision)
      // A body that was not read is not drained: the connection closes.
      sendJson(res, status, body, { close: hasBody && !bodyRead, ...(headers === undefined ? {} : { headers }) })
    }
    let bodyRead = false
    const rawUrl = req.url ?? '/'
    const queryAt = rawUrl.indexOf('?')
    const path = queryAt === -1 ? rawUrl : rawUrl.slice(0, queryAt)
    const method = req.method === 'HEAD' ? 'GET' : (req.method ?? '')
    const found = method === 'GET' || method === 'POST' || method === 'DELETE' ? router.find(method, path) : null
    const route = found === null ? undefined : routes.get(String((found.store as { key?: string } | undefined)?.key ?? ''))
    if (found === null || route === undefined) return answer(404, { message: '404 Not Found' }, 'deny:api-route')
    context.route(route.key)

    const auth = await context.authenticate()
    switch (auth.kind) {
      case 'banned':
        return answer(403, { message: '403 Forbidden - Too many failed authentication attempts from your address; try again later.' }, 'deny:banned')
      case 'none':
      case 'refused':
        // The gate has set the decision (deny:no-credentials, deny:<refusal>).
        sendJson(res, 401, { message: '401 Unauthorized' }, { close: hasBody })
        return
      case 'valid':
        break
    }

    const host = req.headers.host
    const baseUrl = `${context.proto}://${host !== undefined && HOST.test(host) ? host : 'localhost'}`
    const url = new URL(rawUrl, baseUrl)
    let fields = formFields(url.searchParams)
    if (route.body) {
      if (context.expectsContinue) res.writeContinue()
      const read = await readBody(req, { limitBytes: o.bodyLimitBytes, timeoutMs: o.bodyTimeoutMs })
      if (!read.ok) return answer(read.status, { error: read.message }, `deny:api-body-${read.status}`)
      bodyRead = true
      fields = Object.assign(fields, read.fields)
    }

    try {
      const a = await route.handler({ tokenId: auth.tokenId, params: found.params, fields, url, baseUrl })
      answer(a.status, a.body, 'allow', a.headers)
    } catch (error) {
      if (error instanceof BadRequest) return answer(400, { error: error.message }, 'deny:api-invalid')
      if (!isGitwardError(error) || error.status === 503 || error.status >= 500) throw error
      switch (error.status) {
        case 400:
          return answer(400, { error: error.message }, 'deny:api-invalid')
        case 401:
          return answer(401, { message: '401 Unauthorized' }, 'deny:api-unauthenticated')
        case 403:
          return answer(403, { message: `403 Forbidden - ${error.message}` }, 'deny:api-forbidden')
        case 404:
          return answer(404, { message: `404 ${error.code === 'NOT_FOUND' && /^[A-Z][a-z]+ Not Found$/.test(error.message) ? error.message : 'Not Found'}` }, 'deny:api-not-found')
        case 409:
          return answer(409, { message: `409 Conflict - ${error.message}` }, 'deny:api-conflict')
        default:
          throw error
      }
    }
  }
}

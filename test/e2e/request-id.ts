// Every answer carries X-Request-Id, the id of its one log line, whoever
// writes it: a refusal at the gate, the embedded backend's advertisement,
// the health check, the metrics page and the API's JSON. gitward's own
// answers put the id in the header object they hand to Node; answers other
// writers complete get it set on the response first (gate.ts, stampRequestId).
import t from 'tap'
import { startGitward } from '../helpers/servers/gitward.js'
import { infoRefsUrl, request } from '../helpers/http/request.js'

t.test('each kind of answer names its log line in X-Request-Id', async t => {
  const h = await startGitward(t, { config: { metrics_allow: '127.0.0.0/8' } })
  await h.createProject('acme/app')
  const { token } = await h.mint({ project: 'acme/app', role: 'developer' })

  const answers = {
    refused: await request(infoRefsUrl(h.url, 'acme/app', 'git-upload-pack')),
    served: await request(infoRefsUrl(h.url, 'acme/app', 'git-upload-pack'), { token }),
    unknownPath: await request(`${h.url}/nothing-here`),
    health: await request(`${h.url}/-/health`),
    metrics: await request(`${h.url}/-/metrics`),
    api: await request(`${h.url}/api/v4/projects/acme%2Fapp/access_tokens`),
  }
  t.equal(answers.refused.status, 401)
  t.equal(answers.served.status, 200)
  t.equal(answers.unknownPath.status, 404)
  t.equal(answers.health.status, 200)
  t.equal(answers.metrics.status, 200)
  t.equal(answers.api.status, 401)

  const lines = h
    .logText()
    .split('\n')
    .filter(l => l.includes('"msg":"request"'))
    .map(l => JSON.parse(l) as { id: string; decision: string })
  const ids = new Set<string>()
  for (const [kind, answer] of Object.entries(answers)) {
    const id = answer.headers['x-request-id']
    t.type(id, 'string', `${kind}: has an id`)
    if (typeof id !== 'string') continue
    ids.add(id)
    t.equal(lines.filter(l => l.id === id).length, 1, `${kind}: exactly one log line has its id`)
  }
  t.equal(ids.size, Object.keys(answers).length, 'every answer has its own id')
})

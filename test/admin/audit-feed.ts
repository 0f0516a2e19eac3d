import t from 'tap'
import { createAuditFeed, type Schedule } from '../../src/admin/audit-feed.js'
import type { AuditEntry } from '../../src/model/audit.js'
import type { Fields, Logger } from '../../src/log/logger.js'

function recorder(): Logger & { lines: Array<{ level: string; msg: string; fields: Fields }> } {
  const lines: Array<{ level: string; msg: string; fields: Fields }> = []
  const at = (level: string) => (msg: string, fields: Fields = {}) => void lines.push({ level, msg, fields })
  const logger = { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: () => logger }
  return logger
}

const entry = (id: number, action = 'token.revoked'): AuditEntry =>
  ({ id, at: `2026-06-0${id}T00:00:00.000Z`, actor: 'alice', action, target: `t${id}`, details: { name: 'ci' } }) as AuditEntry

t.test('logs each new entry once, in order, never the history', async t => {
  const trail: AuditEntry[] = [entry(1), entry(2)]
  let failing = false
  const timers: Array<() => void> = []
  const schedule: Schedule = fn => {
    timers.push(fn)
    return () => {}
  }
  const logger = recorder()
  const feed = createAuditFeed({
    list: async () => {
      if (failing) throw Object.assign(new Error('busy'), { code: 'DB_BUSY' })
      return [...trail]
    },
    logger,
    everyMs: 1000,
    schedule,
  })
  await feed.start()
  t.same(logger.lines, [], 'entries from before the start are not replayed')
  trail.push(entry(3), entry(4, 'project.created'))
  await feed.poll()
  await feed.poll()
  t.same(
    logger.lines.map(l => [l.msg, l.fields['auditId'], l.fields['action']]),
    [['audit', 3, 'token.revoked'], ['audit', 4, 'project.created']],
  )
  t.same(logger.lines[0]?.fields, { auditId: 3, at: '2026-06-03T00:00:00.000Z', actor: 'alice', action: 'token.revoked', target: 't3', details: { name: 'ci' } })
  failing = true
  trail.push(entry(5))
  await feed.poll()
  t.equal(logger.lines.at(-1)?.level, 'warn', 'a failed read is a warning')
  failing = false
  await feed.poll()
  t.same(logger.lines.filter(l => l.msg === 'audit').map(l => l.fields['auditId']), [3, 4, 5], 'the entry is logged once the database answers again')
  t.equal(timers.length, 1, 'one timer armed after start')
  feed.stop()
})

t.test('a database unavailable at start learns the end of the trail later, still without replaying it', async t => {
  let failing = true
  const logger = recorder()
  const feed = createAuditFeed({
    list: async () => {
      if (failing) throw new Error('down')
      return [entry(1), entry(2)]
    },
    logger,
    everyMs: 1000,
    schedule: () => () => {},
  })
  await feed.start()
  failing = false
  await feed.poll()
  t.same(logger.lines.filter(l => l.msg === 'audit'), [])
  feed.stop()
})

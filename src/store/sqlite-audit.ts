// The audit table: append and read back, oldest first.
import type Database from 'better-sqlite3'
import type { AuditAction, AuditEntry, AuditNote } from '../model/audit.js'
import type { Timestamp } from '../model/dates.js'

interface AuditRow {
  id: number
  at: string
  actor: string
  action: string
  target: string
  details: string
}

type InsertParams = { at: string; actor: string; action: string; target: string; details: string }

export class SqliteAudit {
  readonly #insert: Database.Statement<InsertParams>
  readonly #list: Database.Statement<[], AuditRow>

  constructor(db: Database.Database) {
    this.#insert = db.prepare<InsertParams>(
      'INSERT INTO audit (at, actor, action, target, details) VALUES (@at, @actor, @action, @target, @details)',
    )
    this.#list = db.prepare<[], AuditRow>('SELECT id, at, actor, action, target, details FROM audit ORDER BY id')
  }

  append(note: AuditNote, at: Timestamp): void {
    this.#insert.run({ at, actor: note.actor.user, action: note.action, target: note.target, details: JSON.stringify(note.details) })
  }

  list(): AuditEntry[] {
    return this.#list.all().map(row => ({
      id: row.id,
      at: row.at,
      actor: row.actor,
      action: row.action as AuditAction,
      target: row.target,
      details: JSON.parse(row.details) as Record<string, unknown>,
    }))
  }
}

// The group_settings table: one row per top-level group with a non-default
// setting; a group without a row has the defaults.
import type Database from 'better-sqlite3'
import type { Timestamp } from '../model/dates.js'
import type { GroupSettings, ProjectTokenCreation } from '../model/project.js'

interface GroupRow {
  path: string
  project_token_creation: string
  updated_at: string
}

export class SqliteGroups {
  readonly #find: Database.Statement<[string], GroupRow>
  readonly #list: Database.Statement<[], GroupRow>
  readonly #upsert: Database.Statement<{ path: string; value: string; at: string }>

  constructor(db: Database.Database) {
    this.#find = db.prepare<[string], GroupRow>(
      'SELECT path, project_token_creation, updated_at FROM group_settings WHERE path = ?',
    )
    this.#list = db.prepare<[], GroupRow>('SELECT path, project_token_creation, updated_at FROM group_settings ORDER BY path')
    this.#upsert = db.prepare<{ path: string; value: string; at: string }>(
      `INSERT INTO group_settings (path, project_token_creation, updated_at) VALUES (@path, @value, @at)
       ON CONFLICT (path) DO UPDATE SET project_token_creation = excluded.project_token_creation, updated_at = excluded.updated_at`,
    )
  }

  get(group: string): GroupSettings {
    const row = this.#find.get(group)
    if (row === undefined) return { path: group, projectTokenCreation: 'enabled', updatedAt: null }
    return settingsFromRow(row)
  }

  list(): GroupSettings[] {
    return this.#list.all().map(settingsFromRow)
  }

  setProjectTokenCreation(group: string, value: ProjectTokenCreation, at: Timestamp): void {
    this.#upsert.run({ path: group, value, at })
  }
}

function settingsFromRow(row: GroupRow): GroupSettings {
    return {
      path: row.path,
      // Fail closed: only the exact word 'enabled' enables (the CHECK allows nothing else anyway).
      projectTokenCreation: row.project_token_creation === 'enabled' ? 'enabled' : 'disabled',
      updatedAt: row.updated_at,
    }
}

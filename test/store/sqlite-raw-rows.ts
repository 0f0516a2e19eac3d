// Hot-path rows are read by position: a SELECT list that no longer matches
// the expected names is refused when the statement is prepared.
import t from 'tap'
import Database from 'better-sqlite3'
import { prepareRaw, projectRowAt, PROJECT_ROW_NAMES } from '../../src/store/sqlite-raw-rows.js'

const columns = PROJECT_ROW_NAMES.join(', ')
const db = (): Database.Database => {
  const d = new Database(':memory:')
  d.exec(`CREATE TABLE projects (${columns})`)
  d.prepare(`INSERT INTO projects VALUES (${PROJECT_ROW_NAMES.map(() => '?').join(', ')})`).run(7, 'acme/app', 'private', '2026-01-01T00:00:00.000Z', 'main', 'full', null)
  return d
}

t.test('a statement whose columns match is read by position', async t => {
  const d = db()
  t.teardown(() => d.close())
  const statement = prepareRaw<[string]>(d, `SELECT ${columns} FROM projects WHERE path = ?`, PROJECT_ROW_NAMES)
  const raw = statement.get('acme/app')
  t.ok(Array.isArray(raw))
  t.same(projectRowAt(raw as unknown[]), {
    id: 7, path: 'acme/app', visibility: 'private', created_at: '2026-01-01T00:00:00.000Z', default_branch: 'main', default_branch_protection: 'full', archived_at: null,
  })
})

t.test('reordered or missing columns are refused at prepare time', async t => {
  const d = db()
  t.teardown(() => d.close())
  t.throws(() => prepareRaw(d, 'SELECT path, id, visibility, created_at, default_branch, default_branch_protection, archived_at FROM projects', PROJECT_ROW_NAMES), /columns/)
  t.throws(() => prepareRaw(d, 'SELECT id, path FROM projects', PROJECT_ROW_NAMES), /columns/)
})

// Human-readable tables: left-aligned columns separated by two spaces, no
// trailing blanks. Control characters in cells are replaced, so a stored value
// cannot move the administrator's cursor or recolour the terminal.
// C0 and C1 control characters, U+0000-U+001F and U+007F-U+009F.
const CONTROL = /\p{Cc}/gu

export const cell = (value: string | number | null | undefined): string =>
  value === null || value === undefined || value === '' ? '-' : String(value).replace(CONTROL, '?')

export function formatTable(headers: readonly string[], rows: ReadonlyArray<ReadonlyArray<string>>): string {
  const all = [headers.map(cell), ...rows.map(r => headers.map((_, i) => cell(r[i])))]
  const widths = headers.map((_, i) => Math.max(...all.map(r => (r[i] ?? '').length)))
  return all
    .map(r => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd())
    .join('\n') + '\n'
}

/** Key/value lines for one record (`token show`). */
export function formatFields(fields: ReadonlyArray<readonly [string, string | null]>): string {
  const width = Math.max(...fields.map(([k]) => k.length)) + 1
  return fields.map(([k, v]) => `${(k + ':').padEnd(width)} ${cell(v)}`).join('\n') + '\n'
}

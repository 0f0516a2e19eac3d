// Small statistics for the report: medians of samples, ratios of paired runs.
export function median(values) {
  const v = values.filter(x => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b)
  if (v.length === 0) return null
  const mid = v.length >> 1
  return v.length % 2 === 1 ? v[mid] : (v[mid - 1] + v[mid]) / 2
}

export const ratio = (a, b) => (a === null || b === null || b === 0 ? null : a / b)

/**
 * Median of per-round ratios a[i]/b[i]: each round runs the two sides back
 * to back, so a slow moment of the machine touches both members of a pair.
 */
export function pairedRatio(a, b) {
  const r = []
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = ratio(a[i], b[i])
    if (x !== null) r.push(x)
  }
  return median(r)
}

/** Rotate a list by `n`: round n starts with a different variant. */
export const rotate = (list, n) => list.map((_, i) => list[(i + n) % list.length])

// Which backend serves a project, when repositories live on several git
// servers: the route whose prefix is the project's path or one of its
// ancestor groups (segment-bounded: "acme" covers acme/app, not acme-evil),
// the longest such prefix winning; no match is the default upstream.
// Pure: plain strings in, an index out.

/** Index into `prefixes` of the route for `projectPath`, or -1 for the default upstream. */
export function matchRoute(prefixes: readonly string[], projectPath: string): number {
  let best = -1
  let bestLength = -1
  prefixes.forEach((prefix, i) => {
    const covers = projectPath === prefix || projectPath.startsWith(`${prefix}/`)
    if (covers && prefix.length > bestLength) {
      best = i
      bestLength = prefix.length
    }
  })
  return best
}

/**
 * The project path of a canonical forward URL (/acme/app.git/info/refs?…),
 * or null when it has none. The gate only forwards canonical URLs, built from
 * the already-validated project path, so this never sees `..` or `//`.
 */
export function projectOfForwardUrl(url: string): string | null {
  const m = /^\/(.+?)\.git\//.exec(url)
  return m?.[1] ?? null
}

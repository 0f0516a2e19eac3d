// gitward's layer rules, written down once. `npm run layers` (and so
// `npm test`) fails on any violation. Imports run one way, downwards:
//
//   cli -> app -> front / api / admin -> auth / access / git -> store -> model
//
// api/ (the HTTP API) is an adapter over admin/'s facade, loaded by app.ts
// on the first /api/ request; nothing else imports it.
//
// and every layer may use the kernel. See docs/architecture.md. When the code
// wants another shape, change the picture there and these rules together.
// Type-only imports count: a type that lives in the wrong layer is a wrong
// dependency too.

// The kernel: small modules every layer may use (errors, clock, assert-never,
// make-directories, log, limits, net, http).
const KERNEL = '^src/(log|limits|net|http)/|^src/(errors|clock|assert-never|make-directories)[.]ts$'

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No import cycle anywhere: a cycle makes two layers one.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'model-imports-nothing',
      severity: 'error',
      comment: 'src/model (projects, tokens, targets, roles, scopes, visibility, dates) imports nothing from the project and no package.',
      from: { path: '^src/model/' },
      to: { pathNot: '^src/model/', dependencyTypesNot: ['core'] },
    },
    {
      name: 'kernel-imports-only-kernel',
      severity: 'error',
      comment: 'The kernel (errors, clock, assert-never, make-directories, log, limits, net, http) is used by every layer, so it uses none of them.',
      from: { path: KERNEL },
      to: { path: '^src/', pathNot: KERNEL },
    },
    {
      name: 'git-and-access-are-pure',
      severity: 'error',
      comment:
        'git/ and access/ are pure: no store, auth, front, backend (nor admin, cli, config, app). ' +
        'access/authorize.ts takes a narrow lookup function, never the Store.',
      from: { path: '^src/(git|access)/' },
      to: { path: '^src/(store|auth|front|backend|admin|cli|config|repo)/|^src/app[.]ts$' },
    },
    {
      name: 'store-imports-only-model-and-kernel',
      severity: 'error',
      comment: 'The store is persistence without rules: it knows the model and the kernel, nothing else.',
      from: { path: '^src/store/' },
      to: { path: '^src/', pathNot: `^src/(store|model)/|${KERNEL}` },
    },
    {
      name: 'auth-never-imports-front',
      severity: 'error',
      comment: 'Authentication does not know about HTTP answers.',
      from: { path: '^src/auth/' },
      to: { path: '^src/front/' },
    },
    {
      name: 'backend-never-imports-auth-or-store',
      severity: 'error',
      comment: 'The backend trusts a decision already made: it never sees a token or the database.',
      from: { path: '^src/backend/' },
      to: { path: '^src/(auth|store)/' },
    },
    {
      name: 'front-never-imports-store-or-cli',
      severity: 'error',
      comment: 'The front never talks SQL (access/authorize does the lookup) and never reaches up to the CLI.',
      from: { path: '^src/front/' },
      to: { path: '^src/(store|cli)/' },
    },
    {
      name: 'api-is-an-adapter-over-admin',
      severity: 'error',
      comment:
        'src/api (the HTTP API) translates HTTP to the administrative facade: it may use admin, auth, model, git and the kernel, ' +
        'never the store (admin/ reaches it), the front, the backend, the CLI or the config.',
      from: { path: '^src/api/' },
      to: { path: '^src/(store|front|backend|cli|config|repo|doctor|metrics)/|^src/app[.]ts$' },
    },
    {
      name: 'only-the-app-loads-the-api',
      severity: 'error',
      comment: 'Only the composition root builds the API (lazily); admin/ and every other layer never import it, so the rules stay in admin/.',
      from: { path: '^src/', pathNot: '^src/(api/|app[.]ts$)' },
      to: { path: '^src/api/' },
    },
    {
      name: 'only-the-cli-builds-the-app',
      severity: 'error',
      comment: 'src/app.ts is the only composition root; only the CLI starts it.',
      from: { path: '^src/', pathNot: '^src/(cli/|app[.]ts$)' },
      to: { path: '^src/app[.]ts$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
    },
  },
}

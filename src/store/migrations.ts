// The schema, as numbered migrations. PRAGMA user_version records the last one
// applied. A migration is never edited once released: the lists of roles and
// visibilities below are copied here on purpose rather than taken from
// src/access, so a later change to those modules cannot silently change what
// an old migration created. Add a new migration instead.

export interface Migration {
  /** 1, 2, 3, ... with no gaps; becomes PRAGMA user_version. */
  version: number
  name: string
  sql: string
}

export const MIGRATIONS: readonly Migration[] = Object.freeze([
  {
    version: 1,
    name: 'projects, group settings, tokens and audit',
    sql: `
      CREATE TABLE projects (
        id          INTEGER PRIMARY KEY,
        path        TEXT NOT NULL UNIQUE,
        visibility  TEXT NOT NULL CHECK (visibility IN ('private', 'public')),
        created_at  TEXT NOT NULL
      ) STRICT;

      -- One row per top-level group that has a non-default setting.
      CREATE TABLE group_settings (
        path                    TEXT PRIMARY KEY CHECK (instr(path, '/') = 0),
        project_token_creation  TEXT NOT NULL CHECK (project_token_creation IN ('enabled', 'disabled')),
        updated_at              TEXT NOT NULL
      ) STRICT;

      CREATE TABLE tokens (
        -- The public id that is part of the token; the verifier's single lookup.
        id            TEXT PRIMARY KEY,
        name          TEXT NOT NULL,
        project_id    INTEGER REFERENCES projects (id) ON DELETE RESTRICT,
        group_path    TEXT,
        role          TEXT NOT NULL CHECK (role IN ('guest', 'reporter', 'developer', 'maintainer', 'owner')),
        -- Comma-separated, canonical order.
        scopes        TEXT NOT NULL CHECK (scopes <> ''),
        -- bcrypt hash of the secret part; the secret itself is never stored.
        secret_hash   TEXT NOT NULL,
        -- A DATE: the token stops working at 00:00 UTC on this day.
        expires_at    TEXT CHECK (expires_at IS NULL OR expires_at GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
        created_at    TEXT NOT NULL,
        last_used_at  TEXT,
        revoked_at    TEXT,
        rotated_from  TEXT REFERENCES tokens (id),
        -- A token is bound to exactly one project or exactly one group.
        CHECK ((project_id IS NULL) <> (group_path IS NULL))
      ) STRICT, WITHOUT ROWID; -- the verifier's lookup by id is then one b-tree search
      CREATE INDEX tokens_project_id ON tokens (project_id);
      CREATE INDEX tokens_group_path ON tokens (group_path);

      CREATE TABLE audit (
        id       INTEGER PRIMARY KEY,
        at       TEXT NOT NULL,
        actor    TEXT NOT NULL,
        action   TEXT NOT NULL,
        target   TEXT NOT NULL,
        details  TEXT NOT NULL CHECK (json_valid(details))
      ) STRICT;
    `,
  },
  {
    version: 2,
    name: 'protected branches and tags, per-token ref rules, default-branch protection',
    sql: `
      -- A protected branch or tag pattern on a project, or on a group and so
      -- on every project below it. access_level is who may push (branch) or
      -- create (tag).
      CREATE TABLE protected_refs (
        id                INTEGER PRIMARY KEY,
        ref_kind          TEXT NOT NULL CHECK (ref_kind IN ('branch', 'tag')),
        owner_kind        TEXT NOT NULL CHECK (owner_kind IN ('project', 'group')),
        owner_path        TEXT NOT NULL,
        pattern           TEXT NOT NULL CHECK (pattern <> ''),
        access_level      TEXT NOT NULL CHECK (access_level IN ('developer', 'maintainer', 'no_one')),
        allow_force_push  INTEGER NOT NULL DEFAULT 0 CHECK (allow_force_push IN (0, 1)),
        created_at        TEXT NOT NULL,
        updated_at        TEXT NOT NULL,
        UNIQUE (ref_kind, owner_kind, owner_path, pattern)
      ) STRICT;
      -- The push path's lookup: the project's path and its ancestor groups' paths.
      CREATE INDEX protected_refs_owner_path ON protected_refs (owner_path);

      -- Comma-separated full-ref patterns (refs/tags/v*); NULL = no per-token limit.
      ALTER TABLE tokens ADD COLUMN ref_rules TEXT CHECK (ref_rules IS NULL OR ref_rules <> '');

      -- Projects registered before this migration keep what they had: no
      -- protection. New projects get default_branch_protection from the config.
      ALTER TABLE projects ADD COLUMN default_branch TEXT;
      ALTER TABLE projects ADD COLUMN default_branch_protection TEXT NOT NULL DEFAULT 'none'
        CHECK (default_branch_protection IN ('full', 'full_after_initial_push', 'developers_can_push', 'none'));
    `,
  },
])

/** The schema version this build of gitward writes and understands. */
export const LATEST_SCHEMA_VERSION = MIGRATIONS.length

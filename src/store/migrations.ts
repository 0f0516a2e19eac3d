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
  {
    version: 3,
    name: 'tokens.expires_at must be a real calendar date',
    // Migration 1 only checked the shape (GLOB), so 2020-13-01 or 2026-02-30
    // could be stored, and 0.1 let such a token work forever (fail open).
    // SQLite cannot change a CHECK in place: the table is rebuilt inside the
    // migration's transaction, keeping every row, both indexes and both
    // foreign keys. Renaming the old table FIRST makes SQLite rewrite its
    // self-reference (rotated_from) to the old name, so the old table can be
    // dropped with foreign keys on; the new table's rotated_from refers to
    // itself. A stored date that is not a calendar date becomes 1970-01-01
    // (already expired: it fails closed, as 0.2 reads it anyway) and the
    // change is written to the audit trail with the old value.
    sql: `
      ALTER TABLE tokens RENAME TO tokens_v1;

      CREATE TABLE tokens (
        id            TEXT PRIMARY KEY,
        name          TEXT NOT NULL,
        project_id    INTEGER REFERENCES projects (id) ON DELETE RESTRICT,
        group_path    TEXT,
        role          TEXT NOT NULL CHECK (role IN ('guest', 'reporter', 'developer', 'maintainer', 'owner')),
        scopes        TEXT NOT NULL CHECK (scopes <> ''),
        secret_hash   TEXT NOT NULL,
        -- A real calendar DATE, YYYY-MM-DD: date() normalises 2026-02-30 to
        -- 2026-03-02 and gives NULL for 2020-13-01, so both are refused.
        expires_at    TEXT CHECK (expires_at IS NULL OR (
                        expires_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]' AND date(expires_at) IS expires_at)),
        created_at    TEXT NOT NULL,
        last_used_at  TEXT,
        revoked_at    TEXT,
        rotated_from  TEXT REFERENCES tokens (id),
        -- Comma-separated full-ref patterns (refs/tags/v*); NULL = no per-token limit.
        ref_rules     TEXT CHECK (ref_rules IS NULL OR ref_rules <> ''),
        CHECK ((project_id IS NULL) <> (group_path IS NULL))
      ) STRICT, WITHOUT ROWID;

      INSERT INTO audit (at, actor, action, target, details)
        SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 'gitward (schema migration 3)', 'token.expiry_repaired', id,
               json_object('from', expires_at, 'to', '1970-01-01')
        FROM tokens_v1
        WHERE expires_at IS NOT NULL AND date(expires_at) IS NOT expires_at
        ORDER BY id;

      INSERT INTO tokens (id, name, project_id, group_path, role, scopes, secret_hash, expires_at,
                          created_at, last_used_at, revoked_at, rotated_from, ref_rules)
        SELECT id, name, project_id, group_path, role, scopes, secret_hash,
               CASE WHEN expires_at IS NULL OR date(expires_at) IS expires_at THEN expires_at ELSE '1970-01-01' END,
               created_at, last_used_at, revoked_at, rotated_from, ref_rules
        FROM tokens_v1;

      DROP TABLE tokens_v1;
      CREATE INDEX tokens_project_id ON tokens (project_id);
      CREATE INDEX tokens_group_path ON tokens (group_path);
    `,
  },
  {
    version: 4,
    name: 'token numbers and descriptions, recent client addresses, archived projects',
    // number: the integer id the HTTP API shows (GitLab's typed clients parse
    // a token id as an integer); the text id stays the primary key and the
    // verifier's lookup. Existing tokens are numbered in creation order; new
    // ones get max + 1 inside their insert's transaction (SQLite cannot add
    // a NOT NULL column without a default, so the insert always sets it).
    sql: `
      ALTER TABLE tokens ADD COLUMN number INTEGER CHECK (number IS NULL OR number > 0);
      UPDATE tokens SET number = (
        SELECT count(*) FROM tokens o
        WHERE o.created_at < tokens.created_at OR (o.created_at = tokens.created_at AND o.id <= tokens.id));
      CREATE UNIQUE INDEX tokens_number ON tokens (number);

      -- What the token is for, as its owner wrote it; optional.
      ALTER TABLE tokens ADD COLUMN description TEXT;

      -- The last few distinct client addresses a token was used from (gitward
      -- keeps five per token, as GitLab shows them); written off the request
      -- path with last_used_at.
      CREATE TABLE token_addresses (
        token_id      TEXT NOT NULL REFERENCES tokens (id) ON DELETE CASCADE,
        address       TEXT NOT NULL CHECK (address <> ''),
        last_seen_at  TEXT NOT NULL,
        PRIMARY KEY (token_id, address)
      ) STRICT, WITHOUT ROWID;

      -- An archived project serves pulls and refuses pushes; NULL = not archived.
      ALTER TABLE projects ADD COLUMN archived_at TEXT;
    `,
  },
])

/** The schema version this build of gitward writes and understands. */
export const LATEST_SCHEMA_VERSION = MIGRATIONS.length

package sqlite

// migrations[i] brings the schema from version i to i+1. Never edit a
// released migration; append a new one.
var migrations = []string{
	`
CREATE TABLE meta (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
) WITHOUT ROWID;

-- environments: the id is stable, the name can be renamed
CREATE TABLE envs (
	id      BLOB PRIMARY KEY,
	name    TEXT NOT NULL UNIQUE,
	epoch   INTEGER NOT NULL,
	created INTEGER NOT NULL
) WITHOUT ROWID;

-- one environment key per (env, epoch), age-wrapped to each recipient and
-- signed by the granter
CREATE TABLE envelopes (
	env       BLOB NOT NULL,
	epoch     INTEGER NOT NULL,
	recipient TEXT NOT NULL,
	wrapped   BLOB NOT NULL,
	signer    BLOB NOT NULL,
	signature BLOB NOT NULL,
	PRIMARY KEY (env, epoch, recipient)
) WITHOUT ROWID;

-- public keys of the people who may sign
CREATE TABLE members (
	recipient   TEXT PRIMARY KEY,
	signing_key BLOB NOT NULL
) WITHOUT ROWID;

-- content-addressed objects: id = SHA-256(data)
CREATE TABLE objects (
	id   BLOB PRIMARY KEY,
	data BLOB NOT NULL
) WITHOUT ROWID;

CREATE TABLE refs (
	name   TEXT PRIMARY KEY,
	target BLOB NOT NULL
) WITHOUT ROWID;

-- derived index over commit headers: first-parent depth and a skip pointer,
-- so that REF~N takes O(log N) lookups
CREATE TABLE commits (
	id     BLOB PRIMARY KEY,
	env    BLOB NOT NULL,
	depth  INTEGER NOT NULL,
	parent BLOB,
	jump   BLOB
) WITHOUT ROWID;

-- uncommitted changes, one sealed row per key
CREATE TABLE working (
	env   BLOB NOT NULL,
	wid   BLOB NOT NULL,
	epoch INTEGER NOT NULL,
	data  BLOB NOT NULL,
	PRIMARY KEY (env, wid)
) WITHOUT ROWID;
`,
	// 2: a sealed cache of each environment's HEAD state, so reads of a
	// whole environment cost one row instead of a tree walk.
	`
CREATE TABLE heads (
	env    BLOB PRIMARY KEY,
	commit_id BLOB NOT NULL,
	epoch  INTEGER NOT NULL,
	data   BLOB NOT NULL
) WITHOUT ROWID;
`,
	// 3: local verification stamps (see vault.Identity.Stamp).
	`
ALTER TABLE envelopes ADD COLUMN stamp BLOB;
ALTER TABLE commits ADD COLUMN stamp BLOB;
`,
	// 4: personal overrides ('egide set --local'), never committed or pushed.
	`
CREATE TABLE local (
	env   BLOB NOT NULL,
	wid   BLOB NOT NULL,
	epoch INTEGER NOT NULL,
	data  BLOB NOT NULL,
	PRIMARY KEY (env, wid)
) WITHOUT ROWID;
`,
	// 5: the engines' stores (transit keys): one key per engine and epoch,
	// wrapped in envelopes like an environment's; entries sealed with it
	// and placed by a keyed hash of their name.
	`
CREATE TABLE engines (
	id      BLOB PRIMARY KEY,
	name    TEXT NOT NULL UNIQUE,
	epoch   INTEGER NOT NULL,
	created INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE engine_entries (
	engine BLOB NOT NULL,
	slot   BLOB NOT NULL,
	epoch  INTEGER NOT NULL,
	data   BLOB NOT NULL,
	PRIMARY KEY (engine, slot)
) WITHOUT ROWID;
`,
	// 6: no table changes. From this version on, every write announces
	// itself in the generation file beside the database (stamp.go), which
	// caches outside the database rely on; the version keeps the builds
	// that do not from writing to it.
	`-- writes follow the generation file protocol`,
}

// SchemaVersion is the schema version this build writes.
var SchemaVersion = len(migrations)

package config

// ViewStore names where the SQL read models live.
type ViewStore string

const (
	ViewsAuto     ViewStore = ""         // PostgreSQL with a PostgreSQL event store, else SQLite
	ViewsSQLite   ViewStore = "sqlite"   // views.db in the data dir
	ViewsPostgres ViewStore = "postgres" // SOUQ_POSTGRES_URL, schema SOUQ_VIEWS_SCHEMA
)

// Views resolves where the read models live: as configured, or beside the
// event store (PostgreSQL with PostgreSQL, SQLite otherwise, KurrentDB
// included: it holds no tables).
func (c Config) Views() ViewStore {
	if c.ViewStore != ViewsAuto {
		return c.ViewStore
	}
	if c.EventStore == Postgres {
		return ViewsPostgres
	}
	return ViewsSQLite
}

func setViews(c *Config, v string) string {
	switch ViewStore(v) {
	case ViewsAuto, ViewsSQLite, ViewsPostgres:
		c.ViewStore = ViewStore(v)
		return ""
	}
	return "must be sqlite or postgres (or empty: beside the event store)"
}

func setViewsSchema(c *Config, v string) string {
	c.ViewsSchema = v
	if !schemaPattern.MatchString(v) {
		return "must be a lower-case identifier of at most 63 bytes (letters, digits, _)"
	}
	return ""
}

func viewProblems(c Config) []Problem {
	var out []Problem
	if c.Views() == ViewsPostgres && c.PostgresURL == "" && c.EventStore != Postgres {
		out = append(out, Problem{Source: "SOUQ_POSTGRES_URL", Reason: "required when SOUQ_VIEWS=postgres", Unset: true})
	}
	if c.ProjectAddr != "" && (c.ProjectAddr == c.ReadAddr || c.ProjectAddr == c.WriteAddr) && !hasPortZero(c.ProjectAddr) {
		out = append(out, Problem{Source: "SOUQ_PROJECT_ADDR", Value: c.ProjectAddr, Reason: "the projector's metrics cannot listen on the address of an API"})
	}
	return out
}

func hasPortZero(addr string) bool { return len(addr) >= 2 && addr[len(addr)-2:] == ":0" }

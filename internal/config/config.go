package config

import (
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// EventStore names an event-store backend.
type EventStore string

const (
	SQLite    EventStore = "sqlite"
	Postgres  EventStore = "postgres"
	KurrentDB EventStore = "kurrentdb"
)

// LogFormat is how log lines are written.
type LogFormat string

const (
	Text LogFormat = "text"
	JSON LogFormat = "json"
)

// Config is everything a souq process needs to start. The zero value is not
// valid; get one from Load.
type Config struct {
	DataDir     string
	EventStore  EventStore
	PostgresURL string
	// PostgresSchema holds the event store's tables, so several deployments
	// (or tests) can share one database.
	PostgresSchema string
	KurrentURL     string
	WriteAddr      string
	ReadAddr       string
	LogFormat      LogFormat
	LogLevel       string // debug, info, warn or error
	// ShutdownTimeout bounds the drain of in-flight requests on SIGTERM.
	ShutdownTimeout time.Duration
	// ReadyTimeout bounds each readiness check of GET /readyz.
	ReadyTimeout time.Duration
	// ReadyMaxLag is how many events a projection may trail the event store
	// and still count as ready (read by the projection runner, issue 4).
	ReadyMaxLag uint64
	// JWTSecret is the HS256 secret of souq's own tokens, decoded from hex;
	// empty means the one generated into the data dir on first start.
	JWTSecret string
	// JWKSURL, when set, makes the write API accept RS256/ES256 tokens of
	// an external issuer instead of souq's own HS256 ones.
	JWKSURL     string
	JWTIssuer   string
	JWTAudience string
	// ViewStore is where the SQL read models live (see Views); ViewsSchema
	// their PostgreSQL schema. ReadWait bounds the X-Souq-Min-Position wait
	// of a read; ProjectAddr is where `souq project` serves /metrics.
	ViewStore   ViewStore
	ViewsSchema string
	ReadWait    time.Duration
	ProjectAddr string
	// KafkaBrokers, when set, runs the Kafka outbox (integration events)
	// in the project role; empty: the HTTP feed only.
	KafkaBrokers string // comma-separated host:port; see Brokers
	// StripeAPISecret (sk_… or rk_…) is the Stripe gateway's API key;
	// StripeWebhookSecret (whsec_…) verifies POST /webhooks/stripe. Empty:
	// Stripe off, its webhook refusing every delivery.
	StripeAPISecret     string
	StripeWebhookSecret string
	// Telr and PayTabs, the GCC card gateways (gulf.go): each on when its
	// account and key are set; their hosted pages send the customer back to
	// PaymentReturnURL.
	TelrStoreID, TelrAuthKey, TelrRemoteKey                            string
	TelrTest                                                           bool
	PayTabsProfileID                                                   int64
	PayTabsServerKey, PayTabsURL, PayTabsCallbackURL, PaymentReturnURL string
	// Carrier webhook HMAC keys; empty refuses that carrier's deliveries.
	FetchrSecret, AramexSecret, SMSASecret, DHLSecret string
	// Carrier booking APIs (carriers.go): a base URL, the account's
	// non-secret parameters in its query, and the credentials; empty, that
	// carrier's labels are not booked from souq.
	FetchrAPIURL, FetchrAPISecret, AramexAPIURL, AramexAPISecret string
	SMSAAPIURL, SMSAAPISecret, DHLAPIURL, DHLAPISecret           string
	// CarrierPollInterval is how often the process managers ask the
	// tracking API of each carrier booked from souq for its parcels' scans.
	CarrierPollInterval time.Duration
	// The write API's front door and accounts (edge.go): RedisURL puts the
	// rate limit in Redis (else in process); RateLimit is requests per
	// minute per user or anonymous client IP, 0 off; TrustedProxies and
	// CORSOrigins are validated comma lists; BcryptCost hashes passwords.
	RedisURL       string
	RateLimit      int
	TrustedProxies string
	CORSOrigins    string
	BcryptCost     int
	// Scent match (scent.go): QdrantURL, EmbedderURL, OwnBrands.
	QdrantURL, EmbedderURL, OwnBrands string
	// Product search (search.go): Elasticsearch when its URL is set, else Bleve.
	ElasticsearchURL, ElasticsearchAlias string
	// Blobs (blobs.go): an S3/MinIO bucket when S3Endpoint is set, else
	// files in the data dir.
	S3Endpoint, S3Bucket, S3AccessKey, S3SecretKey, S3Region string
	// Customer notifications (notify.go): email over SMTP, SMS and WhatsApp
	// over their providers' HTTP APIs, each off when its URL is empty; the
	// log notifier always.
	SMTPURL, SMSURL, SMSKey, WhatsAppURL, WhatsAppKey string
	// Tamper evidence of the event store (integrity.go): IntegrityKey signs
	// its checkpoints (decoded; empty: the key generated into the data
	// dir), one every CheckpointEvery events.
	IntegrityKey    string
	CheckpointEvery int
	// Personal data (pii.go): PIIMasterKey wraps the customers' data keys
	// (decoded, 32 bytes; empty: stored unwrapped).
	PIIMasterKey string
}

// Source is where Load reads from. Getenv is os.Getenv in production; tests
// pass a map. Terminal says whether logs go to a terminal, which picks the
// default log format.
type Source struct {
	Args     []string
	Getenv   func(string) string
	Terminal bool
}

// setting is one configuration entry: its flag, its variable, its default
// and how it is stored. The table is the single source of the reference
// printed by Usage and written in the README.
type setting struct {
	flag, env, def, usage string
	set                   func(c *Config, v string) string // returns a problem, or ""
}

func settings(terminal bool) []setting {
	defFormat := string(JSON)
	if terminal {
		defFormat = string(Text)
	}
	return []setting{
		{"data-dir", "SOUQ_DATA_DIR", "./data", "directory for the embedded stores (SQLite event store, later indexes and blobs)", setDataDir},
		{"eventstore", "SOUQ_EVENTSTORE", string(SQLite), "event store backend: sqlite, postgres or kurrentdb", setEventStore},
		{"postgres-url", "SOUQ_POSTGRES_URL", "", "PostgreSQL URL, required when the event store is postgres (postgres://user@host:5432/db)", setPostgresURL},
		{"postgres-schema", "SOUQ_POSTGRES_SCHEMA", "public", "PostgreSQL schema of the event store's tables (created if missing)", setPostgresSchema},
		{"integrity-key", "SOUQ_INTEGRITY_KEY", "", "key signing the event store's checkpoints, 16+ bytes in hex or base64 (default: generated into the data dir on first start, which guards against accidental edits only)", setIntegrityKey},
		{"pii-master-key", "SOUQ_PII_MASTER_KEY", "", "key wrapping the customers' data keys (souq forget's keyring), 32 bytes in hex or base64; set later, the next start wraps the keys stored before; once set, a start without it is refused (default: the data keys are stored unwrapped beside the events)", setPIIMasterKey},
		{"integrity-checkpoint-every", "SOUQ_INTEGRITY_CHECKPOINT_EVERY", "1000", "events between signed checkpoints of the event store (1 to 1000000)", setCheckpointEvery},
		{"kurrentdb-url", "SOUQ_KURRENTDB_URL", "", "KurrentDB URL, required when the event store is kurrentdb (kurrentdb://host:2113?tls=false)", setKurrentURL},
		{"write-addr", "SOUQ_WRITE_ADDR", ":8080", "listen address of the write API", func(c *Config, v string) string { c.WriteAddr = v; return addrProblem(v) }},
		{"read-addr", "SOUQ_READ_ADDR", ":8081", "listen address of the read API", func(c *Config, v string) string { c.ReadAddr = v; return addrProblem(v) }},
		{"log-format", "SOUQ_LOG_FORMAT", defFormat, "log format: text or json (default text on a terminal, json otherwise)", setLogFormat},
		{"log-level", "SOUQ_LOG_LEVEL", "info", "log level: debug, info, warn or error", setLogLevel},
		{"shutdown-timeout", "SOUQ_SHUTDOWN_TIMEOUT", "15s", "how long a shutdown waits for in-flight requests (1ms to 10m)", durationSetter(func(c *Config) *time.Duration { return &c.ShutdownTimeout }, time.Millisecond, 10*time.Minute)},
		{"ready-timeout", "SOUQ_READY_TIMEOUT", "2s", "how long each readiness check may take (1ms to 1m)", durationSetter(func(c *Config) *time.Duration { return &c.ReadyTimeout }, time.Millisecond, time.Minute)},
		{"ready-max-lag", "SOUQ_READY_MAX_LAG", "10000", "events a projection may trail the event store and still be ready", setMaxLag},
		{"jwt-secret", "SOUQ_JWT_SECRET", "", "HS256 secret of access tokens, at least 64 hex digits (default: generated into the data dir on first start)", setJWTSecret},
		{"jwks-url", "SOUQ_JWKS_URL", "", "JWKS URL of an external token issuer (RS256/ES256); replaces souq's own HS256 tokens", setJWKSURL},
		{"jwt-issuer", "SOUQ_JWT_ISSUER", "souq", "the iss every access token must carry", textSetter(func(c *Config) *string { return &c.JWTIssuer })},
		{"jwt-audience", "SOUQ_JWT_AUDIENCE", "souq-api", "the aud every access token must carry", textSetter(func(c *Config) *string { return &c.JWTAudience })},
		{"views", "SOUQ_VIEWS", "", "where the SQL read models live: sqlite (views.db in the data dir) or postgres (SOUQ_POSTGRES_URL); default beside the event store", setViews},
		{"views-schema", "SOUQ_VIEWS_SCHEMA", "views", "PostgreSQL schema of the read models (created if missing)", setViewsSchema},
		{"read-wait", "SOUQ_READ_WAIT", "2s", "longest wait of a read sending X-Souq-Min-Position before it answers X-Souq-Behind (0s to 30s)", durationSetter(func(c *Config) *time.Duration { return &c.ReadWait }, 0, 30*time.Second)},
		{"project-addr", "SOUQ_PROJECT_ADDR", ":8082", "listen address of `souq project` (health, readiness, metrics)", func(c *Config, v string) string { c.ProjectAddr = v; return addrProblem(v) }},
		{"kafka-brokers", "SOUQ_KAFKA_BROKERS", "", "Kafka brokers (host:port, comma-separated) the outbox publishes integration events to; empty: no Kafka", setKafkaBrokers},
		{"stripe-api-secret", "SOUQ_STRIPE_API_SECRET", "", "Stripe API key (sk_… or rk_…) of the card gateway", secretSetter(func(c *Config) *string { return &c.StripeAPISecret }, "sk_", "rk_")},
		{"stripe-webhook-secret", "SOUQ_STRIPE_WEBHOOK_SECRET", "", "signing secret (whsec_…) of POST /webhooks/stripe", secretSetter(func(c *Config) *string { return &c.StripeWebhookSecret }, "whsec_")},
		{"telr-store-id", "SOUQ_TELR_STORE_ID", "", "Telr store ID (digits); empty: Telr off, POST /webhooks/telr refusing every advice", setTelrStoreID},
		{"telr-auth-key", "SOUQ_TELR_AUTH_KEY", "", "authentication key of Telr's hosted payment page (order.json)", secretSetter(func(c *Config) *string { return &c.TelrAuthKey })},
		{"telr-remote-key", "SOUQ_TELR_REMOTE_KEY", "", "Telr remote API key, for refunds and voids (default: the auth key)", secretSetter(func(c *Config) *string { return &c.TelrRemoteKey })},
		{"telr-test", "SOUQ_TELR_TEST", "false", "Telr test mode (true or false): orders carry test=1 and move no money", setTelrTest},
		{"paytabs-profile-id", "SOUQ_PAYTABS_PROFILE_ID", "", "PayTabs profile ID (digits); empty: PayTabs off, POST /webhooks/paytabs refusing every callback", setPayTabsProfileID},
		{"paytabs-server-key", "SOUQ_PAYTABS_SERVER_KEY", "", "PayTabs server key: authorizes souq's requests and verifies the callbacks' Signature", secretSetter(func(c *Config) *string { return &c.PayTabsServerKey })},
		{"paytabs-url", "SOUQ_PAYTABS_URL", "", "PayTabs endpoint of the profile's region (https://secure.paytabs.sa for KSA …); empty: the UAE's, https://secure.paytabs.com", providerURLSetter(func(c *Config) *string { return &c.PayTabsURL })},
		{"paytabs-callback-url", "SOUQ_PAYTABS_CALLBACK_URL", "", "public https URL of POST /webhooks/paytabs sent with each payment; empty: the IPN set in PayTabs' dashboard", publicURLSetter(func(c *Config) *string { return &c.PayTabsCallbackURL })},
		{"payment-return-url", "SOUQ_PAYMENT_RETURN_URL", "", "where Telr's and PayTabs' hosted payment pages send the customer back (https); required with either", publicURLSetter(func(c *Config) *string { return &c.PaymentReturnURL })},
		{"carrier-fetchr-secret", "SOUQ_CARRIER_FETCHR_SECRET", "", "HMAC key of Fetchr's webhooks (16+ bytes)", secretSetter(func(c *Config) *string { return &c.FetchrSecret })},
		{"carrier-aramex-secret", "SOUQ_CARRIER_ARAMEX_SECRET", "", "HMAC key of Aramex's webhooks (16+ bytes)", secretSetter(func(c *Config) *string { return &c.AramexSecret })},
		{"carrier-smsa-secret", "SOUQ_CARRIER_SMSA_SECRET", "", "HMAC key of SMSA's webhooks (16+ bytes)", secretSetter(func(c *Config) *string { return &c.SMSASecret })},
		{"carrier-dhl-secret", "SOUQ_CARRIER_DHL_SECRET", "", "HMAC key of DHL's webhooks (16+ bytes)", secretSetter(func(c *Config) *string { return &c.DHLSecret })},
		{"carrier-fetchr-api-url", "SOUQ_CARRIER_FETCHR_API_URL", "", "Fetchr order API with the pickup address's ID (https://api.order.fetchr.us?address_id=ADDR…); empty: Fetchr not booked from souq", carrierAPIURLSetter(func(c *Config) *string { return &c.FetchrAPIURL }, "https://api.order.fetchr.us?address_id=ADDR…", "address_id")},
		{"carrier-fetchr-api-secret", "SOUQ_CARRIER_FETCHR_API_SECRET", "", "Fetchr API token (bearer)", secretSetter(func(c *Config) *string { return &c.FetchrAPISecret })},
		{"carrier-aramex-api-url", "SOUQ_CARRIER_ARAMEX_API_URL", "", "Aramex Shipping Services API with the account (https://ws.aramex.net/ShippingAPI.V2?account=…&entity=DXB&country=AE); empty: Aramex not booked from souq", carrierAPIURLSetter(func(c *Config) *string { return &c.AramexAPIURL }, "https://ws.aramex.net/ShippingAPI.V2?account=…&entity=DXB&country=AE", "account", "entity", "country")},
		{"carrier-aramex-api-secret", "SOUQ_CARRIER_ARAMEX_API_SECRET", "", "Aramex API credentials, username:password:account PIN", secretSetter(func(c *Config) *string { return &c.AramexAPISecret })},
		{"carrier-smsa-api-url", "SOUQ_CARRIER_SMSA_API_URL", "", "SMSA e-commerce API (https://ecomapis.smsaexpress.com, ?retail_id=… optional); empty: SMSA not booked from souq", carrierAPIURLSetter(func(c *Config) *string { return &c.SMSAAPIURL }, "https://ecomapis.smsaexpress.com")},
		{"carrier-smsa-api-secret", "SOUQ_CARRIER_SMSA_API_SECRET", "", "SMSA API key", secretSetter(func(c *Config) *string { return &c.SMSAAPISecret })},
		{"carrier-dhl-api-url", "SOUQ_CARRIER_DHL_API_URL", "", "MyDHL API with the shipper account (https://express.api.dhl.com/mydhlapi?account=…); empty: DHL not booked from souq", carrierAPIURLSetter(func(c *Config) *string { return &c.DHLAPIURL }, "https://express.api.dhl.com/mydhlapi?account=…", "account")},
		{"carrier-dhl-api-secret", "SOUQ_CARRIER_DHL_API_SECRET", "", "MyDHL API key:secret (basic auth)", secretSetter(func(c *Config) *string { return &c.DHLAPISecret })},
		{"carrier-poll-interval", "SOUQ_CARRIER_POLL_INTERVAL", "15m", "how often the tracking API of each carrier booked from souq is asked for its parcels' scans (1s to 24h)", durationSetter(func(c *Config) *time.Duration { return &c.CarrierPollInterval }, time.Second, 24*time.Hour)},
		{"redis-url", "SOUQ_REDIS_URL", "", "Redis URL (redis://host:6379/0, rediss:// for TLS); set, the write API's rate limit, the product cache, the stock counters and the live-update fan-out are shared in Redis, else kept in process", setRedisURL},
		{"rate-limit", "SOUQ_RATE_LIMIT", "100", "write API requests per minute per user (per client IP when anonymous); 0 turns the limit off", setRateLimit},
		{"trusted-proxies", "SOUQ_TRUSTED_PROXIES", "", "comma-separated IPs or CIDR prefixes of proxies whose X-Forwarded-For is believed", setTrustedProxies},
		{"cors-origins", "SOUQ_CORS_ORIGINS", "", "comma-separated origins (https://shop.example) browsers may call the write API from; empty: none", setCORSOrigins},
		{"bcrypt-cost", "SOUQ_BCRYPT_COST", "12", "bcrypt cost of password hashes, 10 to 15", setBcryptCost},
		{"qdrant-url", "SOUQ_QDRANT_URL", "", "Qdrant gRPC URL (http://host:6334, https for TLS) of the scent vectors; empty: an exact index in process", setQdrantURL},
		{"embedder-url", "SOUQ_EMBEDDER_URL", "", "URL of a CLIP-style image embedding service (POST /embed); empty: image similarity off (503 feature.disabled)", setEmbedderURL},
		{"own-brands", "SOUQ_OWN_BRANDS", "", "comma-separated brands of the marketplace's own, lifted in similar products", setOwnBrands},
		{"elasticsearch-url", "SOUQ_ELASTICSEARCH_URL", "", "Elasticsearch URL (http://elasticsearch:9200, user:password@ for basic auth) of product search; empty: a Bleve index in the data dir", setElasticsearchURL},
		{"elasticsearch-alias", "SOUQ_ELASTICSEARCH_ALIAS", "souq-products", "alias product search reads through; the engine's indexes are named <alias>-vN", setElasticsearchAlias},
		{"s3-endpoint", "SOUQ_S3_ENDPOINT", "", "URL of the S3/MinIO server of blobs (https://minio:9000); empty: files in the data dir", setS3Endpoint},
		{"s3-bucket", "SOUQ_S3_BUCKET", "souq", "bucket of the blobs, created if absent", textSetter(func(c *Config) *string { return &c.S3Bucket })},
		{"s3-access-key", "SOUQ_S3_ACCESS_KEY", "", "S3 access key of the blob bucket", setS3AccessKey},
		{"s3-secret-key", "SOUQ_S3_SECRET_KEY", "", "S3 secret key of the blob bucket", secretSetter(func(c *Config) *string { return &c.S3SecretKey })},
		{"s3-region", "SOUQ_S3_REGION", "us-east-1", "S3 region of the blob bucket", textSetter(func(c *Config) *string { return &c.S3Region })},
		{"smtp-url", "SOUQ_SMTP_URL", "", "SMTP server of customer emails (smtp://user:password@host:587?from=orders@souq.example, smtps:// for TLS on connect); empty: no email", setSMTPURL},
		{"sms-url", "SOUQ_SMS_URL", "", "Twilio-style messages endpoint of customer SMS, sender in the query (https://api.twilio.com/2010-04-01/Accounts/AC…/Messages.json?From=%2B971…); empty: no SMS", providerURLSetter(func(c *Config) *string { return &c.SMSURL })},
		{"sms-key", "SOUQ_SMS_KEY", "", "credentials of the SMS provider (SID:token, HTTP basic auth)", secretSetter(func(c *Config) *string { return &c.SMSKey })},
		{"whatsapp-url", "SOUQ_WHATSAPP_URL", "", "WhatsApp Cloud API messages endpoint (https://graph.facebook.com/v21.0/<phone number ID>/messages); empty: no WhatsApp", providerURLSetter(func(c *Config) *string { return &c.WhatsAppURL })},
		{"whatsapp-key", "SOUQ_WHATSAPP_KEY", "", "access token of the WhatsApp Cloud API (bearer)", secretSetter(func(c *Config) *string { return &c.WhatsAppKey })},
	}
}

// Problem is one thing wrong with the configuration: where the value came
// from (a flag or a variable), the value, and what is wrong.
type Problem struct {
	Source string // "-eventstore" or "SOUQ_EVENTSTORE"
	Value  string
	Reason string
	Unset  bool // the problem is that nothing was given
}

func (p Problem) String() string {
	switch {
	case p.Source == "":
		return p.Reason
	case p.Unset:
		return p.Source + ": " + p.Reason
	}
	return fmt.Sprintf("%s=%s: %s", p.Source, quote(p.Value), p.Reason)
}

// Error lists every problem found; Load returns it as a *Error.
type Error struct{ Problems []Problem }

func (e *Error) Error() string {
	var b strings.Builder
	noun := "problems"
	if len(e.Problems) == 1 {
		noun = "problem"
	}
	fmt.Fprintf(&b, "souq: %d configuration %s:", len(e.Problems), noun)
	for _, p := range e.Problems {
		b.WriteString("\n- ")
		b.WriteString(p.String())
	}
	return b.String()
}

// ErrHelp is returned when the arguments ask for help (-h, -help).
var ErrHelp = flag.ErrHelp

// Load parses flags and environment into a Config and validates it. Flags
// win over variables, variables over defaults. On failure it returns a
// *Error listing every problem (or ErrHelp).
func Load(src Source) (Config, error) {
	getenv := src.Getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	table := settings(src.Terminal)
	fs := flag.NewFlagSet("souq", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	values := make([]*string, len(table))
	for i, s := range table {
		values[i] = fs.String(s.flag, "", s.usage)
	}
	var problems []Problem
	if err := fs.Parse(src.Args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return Config{}, ErrHelp
		}
		problems = append(problems, Problem{Reason: err.Error()})
	} else if fs.NArg() > 0 {
		problems = append(problems, Problem{Reason: fmt.Sprintf("unexpected arguments %s", quote(strings.Join(fs.Args(), " ")))})
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })

	var c Config
	for i, s := range table {
		value, source := s.def, ""
		if v := getenv(s.env); v != "" {
			value, source = v, s.env
		}
		if given[s.flag] {
			value, source = *values[i], "-"+s.flag
		}
		if source == "" {
			source = s.env + " (default)"
		}
		if reason := s.set(&c, value); reason != "" {
			shown := value
			switch {
			case strings.HasSuffix(s.env, "_URL"):
				shown = redact(value) // a URL may carry a password
			case strings.HasSuffix(s.env, "_SECRET"), strings.HasSuffix(s.env, "_KEY"):
				shown = "…" // never echo a secret, not even a bad one
			}
			problems = append(problems, Problem{Source: source, Value: shown, Reason: reason})
		}
	}
	problems = append(problems, crossProblems(c)...)
	if len(problems) > 0 {
		return Config{}, &Error{Problems: problems}
	}
	return c, nil
}

// Usage writes the reference of every setting: flag, variable, default.
func Usage(w io.Writer, terminal bool) {
	for _, s := range settings(terminal) {
		def := s.def
		if def == "" {
			def = "(none)"
		}
		fmt.Fprintf(w, "  -%s, %s (default %s)\n      %s\n", s.flag, s.env, def, s.usage)
	}
}

func crossProblems(c Config) []Problem {
	var out []Problem
	switch c.EventStore {
	case Postgres:
		if c.PostgresURL == "" {
			out = append(out, Problem{Source: "SOUQ_POSTGRES_URL", Reason: "required when SOUQ_EVENTSTORE=postgres", Unset: true})
		}
	case KurrentDB:
		if c.KurrentURL == "" {
			out = append(out, Problem{Source: "SOUQ_KURRENTDB_URL", Reason: "required when SOUQ_EVENTSTORE=kurrentdb", Unset: true})
		}
	}
	if c.JWKSURL != "" && len(c.JWTSecret) > 0 {
		out = append(out, Problem{Source: "SOUQ_JWKS_URL", Value: c.JWKSURL, Reason: "set either SOUQ_JWKS_URL or SOUQ_JWT_SECRET, not both: one token issuer"})
	}
	out = append(out, viewProblems(c)...)
	out = append(out, blobProblems(c)...)
	out = append(out, notifyProblems(c)...)
	out = append(out, carrierProblems(c)...)
	out = append(out, gulfProblems(c)...)
	if c.WriteAddr != "" && c.WriteAddr == c.ReadAddr && !strings.HasSuffix(c.WriteAddr, ":0") {
		out = append(out, Problem{Source: "SOUQ_READ_ADDR", Value: c.ReadAddr, Reason: "the write and read APIs cannot listen on the same address"})
	}
	return out
}

func setDataDir(c *Config, v string) string {
	c.DataDir = v
	switch {
	case strings.TrimSpace(v) == "":
		return "must not be empty"
	case !utf8.ValidString(v) || strings.ContainsFunc(v, unicode.IsControl):
		return "must be a path without control characters"
	}
	return ""
}

func setEventStore(c *Config, v string) string {
	kinds := []EventStore{SQLite, Postgres, KurrentDB}
	if !slices.Contains(kinds, EventStore(v)) {
		return "must be one of sqlite, postgres, kurrentdb"
	}
	c.EventStore = EventStore(v)
	return ""
}

func setPostgresURL(c *Config, v string) string {
	c.PostgresURL = v
	if v == "" {
		return "" // required only for the postgres store; checked in crossProblems
	}
	return urlProblem(v, []string{"postgres", "postgresql"}, "postgres://user@host:5432/db")
}

func setPostgresSchema(c *Config, v string) string {
	c.PostgresSchema = v
	if !schemaPattern.MatchString(v) {
		return "must be a lower-case identifier of at most 63 bytes (letters, digits, _)"
	}
	return ""
}

// schemaPattern keeps the schema a plain identifier, so it never needs quoting.
var schemaPattern = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)

func setKurrentURL(c *Config, v string) string {
	c.KurrentURL = v
	if v == "" {
		return ""
	}
	// The schemes the KurrentDB Go client accepts.
	schemes := []string{"kurrentdb", "kurrentdb+discover", "kurrent", "kurrent+discover", "kdb", "kdb+discover", "esdb", "esdb+discover"}
	return urlProblem(v, schemes, "kurrentdb://host:2113?tls=false")
}

func urlProblem(v string, schemes []string, example string) string {
	u, err := url.Parse(v)
	if err != nil {
		return "not a URL, want one like " + example
	}
	if !slices.Contains(schemes, u.Scheme) {
		return fmt.Sprintf("scheme must be %s (like %s)", strings.Join(schemes, ", "), example)
	}
	if u.Host == "" && u.Query().Get("host") == "" {
		return "has no host (like " + example + ")"
	}
	if port := u.Port(); port != "" {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return "port must be 1 to 65535"
		}
	}
	return ""
}

func addrProblem(v string) string {
	host, port, err := net.SplitHostPort(v)
	if err != nil {
		return "must be host:port or :port"
	}
	if strings.ContainsFunc(host, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) || r == '/' }) {
		return "host contains white space, a control character or a slash"
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 0 || n > 65535 || port != strconv.Itoa(n) {
		return "port must be a number from 0 to 65535"
	}
	return ""
}

func setLogFormat(c *Config, v string) string {
	switch LogFormat(v) {
	case Text, JSON:
		c.LogFormat = LogFormat(v)
		return ""
	}
	return "must be text or json"
}

func setLogLevel(c *Config, v string) string {
	switch v {
	case "debug", "info", "warn", "error":
		c.LogLevel = v
		return ""
	}
	return "must be one of debug, info, warn, error"
}

func setMaxLag(c *Config, v string) string {
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		return "must be a whole number of events, 0 or more"
	}
	c.ReadyMaxLag = n
	return ""
}

func setJWTSecret(c *Config, v string) string {
	if v == "" {
		return ""
	}
	b, err := hex.DecodeString(v)
	if err != nil || len(b) < 32 {
		return "must be at least 64 hex digits (32 bytes)"
	}
	c.JWTSecret = string(b)
	return ""
}

func setJWKSURL(c *Config, v string) string {
	c.JWKSURL = v
	if v == "" {
		return ""
	}
	u, err := url.Parse(v)
	switch {
	case err != nil || u.Host == "":
		return "not a URL, want one like https://issuer.example/.well-known/jwks.json"
	case u.Scheme == "https":
		return ""
	case u.Scheme == "http" && isLoopback(u.Hostname()):
		return "" // a local issuer in development
	}
	return "must be https (http only on a loopback host): keys fetched in clear can be swapped"
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func textSetter(field func(*Config) *string) func(*Config, string) string {
	return func(c *Config, v string) string {
		*field(c) = v
		if strings.TrimSpace(v) == "" || len(v) > 200 || !utf8.ValidString(v) || strings.ContainsFunc(v, unicode.IsControl) {
			return "must be 1 to 200 bytes of text without control characters"
		}
		return ""
	}
}

// secretSetter takes an optional secret: empty, or 16 to 512 visible ASCII
// bytes starting with one of the prefixes (when any are given).
func secretSetter(field func(*Config) *string, prefixes ...string) func(*Config, string) string {
	return func(c *Config, v string) string {
		*field(c) = v
		if v == "" {
			return ""
		}
		if len(v) < 16 || len(v) > 512 || strings.ContainsFunc(v, func(r rune) bool { return r < 0x21 || r > 0x7e }) {
			return "must be 16 to 512 visible ASCII characters"
		}
		if len(prefixes) > 0 && !slices.ContainsFunc(prefixes, func(p string) bool { return strings.HasPrefix(v, p) }) {
			return "must start with " + strings.Join(prefixes, " or ")
		}
		return ""
	}
}

func durationSetter(field func(*Config) *time.Duration, lo, hi time.Duration) func(*Config, string) string {
	return func(c *Config, v string) string {
		d, err := time.ParseDuration(v)
		if err != nil {
			return "must be a duration such as 15s or 500ms"
		}
		if d < lo || d > hi {
			return fmt.Sprintf("must be from %s to %s", lo, hi)
		}
		*field(c) = d
		return ""
	}
}

// redact hides the password of a URL; unparsable values are hidden whole
// past the scheme, since we cannot tell where a password would be.
func redact(v string) string {
	if u, err := url.Parse(v); err == nil {
		return u.Redacted()
	}
	if i := strings.Index(v, "://"); i >= 0 {
		return v[:i+3] + "…"
	}
	return "…"
}

// quote shows a value safely in a message, whatever bytes it holds.
func quote(s string) string {
	if len(s) > 80 {
		s = s[:80] + "…"
	}
	return strconv.Quote(strings.ToValidUTF8(s, "\uFFFD"))
}

func setSMTPURL(c *Config, v string) string {
	c.SMTPURL = v
	if v == "" {
		return ""
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "" {
		return "not an SMTP URL, want one like smtp://user:password@host:587?from=orders@souq.example"
	}
	if _, err := mail.ParseAddress(u.Query().Get("from")); err != nil {
		return "needs ?from=<sender address>"
	}
	return ""
}

// providerURLSetter takes an optional https URL of a messaging provider
// (http only on a loopback host: the key travels with every request).
func providerURLSetter(field func(*Config) *string) func(*Config, string) string {
	return func(c *Config, v string) string {
		*field(c) = v
		if v == "" {
			return ""
		}
		u, err := url.Parse(v)
		switch {
		case err != nil || u.Host == "":
			return "not a URL, want one like https://provider.example/messages"
		case u.Scheme == "https", u.Scheme == "http" && isLoopback(u.Hostname()):
			return ""
		}
		return "must be https (http only on a loopback host): the key travels with every message"
	}
}

// notifyProblems: a provider URL and its key come together.
func notifyProblems(c Config) []Problem {
	return append(together("SOUQ_SMS_URL", c.SMSURL, "SOUQ_SMS_KEY", c.SMSKey),
		together("SOUQ_WHATSAPP_URL", c.WhatsAppURL, "SOUQ_WHATSAPP_KEY", c.WhatsAppKey)...)
}

// together: a provider's URL and its key are set both or neither.
func together(urlEnv, u, keyEnv, key string) []Problem {
	switch {
	case u != "" && key == "":
		return []Problem{{Source: keyEnv, Reason: "required when " + urlEnv + " is set", Unset: true}}
	case u == "" && key != "":
		return []Problem{{Source: urlEnv, Reason: "required when " + keyEnv + " is set", Unset: true}}
	}
	return nil
}

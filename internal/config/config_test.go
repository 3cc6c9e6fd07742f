package config

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestDefaults(t *testing.T) {
	c, err := Load(Source{})
	if err != nil {
		t.Fatal(err)
	}
	want := Config{
		DataDir: "./data", EventStore: SQLite, PostgresSchema: "public", WriteAddr: ":8080", ReadAddr: ":8081",
		LogFormat: JSON, LogLevel: "info", ShutdownTimeout: 15 * time.Second,
		ReadyTimeout: 2 * time.Second, ReadyMaxLag: 10000, JWTIssuer: "souq", JWTAudience: "souq-api",
		ViewsSchema: "views", ReadWait: 2 * time.Second, ProjectAddr: ":8082",
		RateLimit: 100, BcryptCost: 12, ElasticsearchAlias: "souq-products", S3Bucket: "souq", S3Region: "us-east-1",
		CheckpointEvery: 1000, CarrierPollInterval: 15 * time.Minute,
	}
	if c != want {
		t.Fatalf("defaults:\n got %+v\nwant %+v", c, want)
	}
	c, err = Load(Source{Terminal: true})
	if err != nil || c.LogFormat != Text {
		t.Fatalf("on a terminal the default format is text, got %q (%v)", c.LogFormat, err)
	}
}

func TestFlagsWinOverEnvironment(t *testing.T) {
	c, err := Load(Source{
		Args: []string{"-write-addr", "127.0.0.1:9000", "-eventstore=postgres"},
		Getenv: env(map[string]string{
			"SOUQ_WRITE_ADDR":   ":7000",
			"SOUQ_READ_ADDR":    ":7001",
			"SOUQ_EVENTSTORE":   "mysql", // overridden by the flag, so not a problem
			"SOUQ_POSTGRES_URL": "postgres://souq:secret@db:5432/souq?sslmode=disable",
		}),
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.WriteAddr != "127.0.0.1:9000" || c.ReadAddr != ":7001" || c.EventStore != Postgres {
		t.Fatalf("got %+v", c)
	}
}

func TestEveryProblemListed(t *testing.T) {
	_, err := Load(Source{Getenv: env(map[string]string{
		"SOUQ_EVENTSTORE":       "mysql",
		"SOUQ_WRITE_ADDR":       ":99999",
		"SOUQ_SHUTDOWN_TIMEOUT": "-5s",
	})})
	var cerr *Error
	if !errors.As(err, &cerr) {
		t.Fatalf("want *Error, got %v", err)
	}
	msg := err.Error()
	for _, want := range []string{
		"souq: 3 configuration problems:",
		`- SOUQ_EVENTSTORE="mysql": must be one of sqlite, postgres, kurrentdb`,
		`- SOUQ_WRITE_ADDR=":99999": port must be a number from 0 to 65535`,
		`- SOUQ_SHUTDOWN_TIMEOUT="-5s": must be from 1ms to 10m0s`,
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("message lacks %q:\n%s", want, msg)
		}
	}
}

func TestHostileValues(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		env    map[string]string
		reason string // substring of the one expected problem
	}{
		{"empty data dir", nil, map[string]string{}, ""},
		{"blank data dir flag", []string{"-data-dir", "  "}, nil, "must not be empty"},
		{"control char in data dir", []string{"-data-dir", "da\x00ta"}, nil, "control characters"},
		{"unknown store", nil, map[string]string{"SOUQ_EVENTSTORE": "SQLite"}, "must be one of"},
		{"postgres without url", nil, map[string]string{"SOUQ_EVENTSTORE": "postgres"}, "SOUQ_POSTGRES_URL: required"},
		{"kurrentdb without url", nil, map[string]string{"SOUQ_EVENTSTORE": "kurrentdb"}, "SOUQ_KURRENTDB_URL: required"},
		{"postgres url garbage", nil, map[string]string{"SOUQ_POSTGRES_URL": "::not a url"}, "not a URL"},
		{"postgres url wrong scheme", nil, map[string]string{"SOUQ_POSTGRES_URL": "mysql://db/souq"}, "scheme must be"},
		{"postgres url no host", nil, map[string]string{"SOUQ_POSTGRES_URL": "postgres:///souq"}, "has no host"},
		{"postgres url bad port", nil, map[string]string{"SOUQ_POSTGRES_URL": "postgres://db:70000/souq"}, "port must be 1 to 65535"},
		{"schema injection", nil, map[string]string{"SOUQ_POSTGRES_SCHEMA": "public; drop table x"}, "identifier"},
		{"schema empty flag", []string{"-postgres-schema="}, nil, "identifier"},
		{"kurrent url http", nil, map[string]string{"SOUQ_KURRENTDB_URL": "http://kdb:2113"}, "scheme must be"},
		{"addr without port", nil, map[string]string{"SOUQ_READ_ADDR": "localhost"}, "host:port"},
		{"addr negative port", nil, map[string]string{"SOUQ_READ_ADDR": ":-1"}, "port must be"},
		{"addr port garbage", nil, map[string]string{"SOUQ_READ_ADDR": ":http"}, "port must be"},
		{"addr leading zero", nil, map[string]string{"SOUQ_READ_ADDR": ":08081"}, "port must be"},
		{"same addresses", []string{"-write-addr", ":9000", "-read-addr", ":9000"}, nil, "same address"},
		{"log format", nil, map[string]string{"SOUQ_LOG_FORMAT": "xml"}, "text or json"},
		{"log level", nil, map[string]string{"SOUQ_LOG_LEVEL": "verbose"}, "debug, info"},
		{"duration without unit", nil, map[string]string{"SOUQ_SHUTDOWN_TIMEOUT": "15"}, "duration"},
		{"duration zero", nil, map[string]string{"SOUQ_READY_TIMEOUT": "0s"}, "from 1ms"},
		{"duration huge", nil, map[string]string{"SOUQ_SHUTDOWN_TIMEOUT": "9999h"}, "to 10m0s"},
		{"negative lag", nil, map[string]string{"SOUQ_READY_MAX_LAG": "-1"}, "whole number"},
		{"jwt secret short", nil, map[string]string{"SOUQ_JWT_SECRET": "abcd"}, "64 hex digits"},
		{"jwt secret not hex", nil, map[string]string{"SOUQ_JWT_SECRET": strings.Repeat("zz", 32)}, "64 hex digits"},
		{"jwt secret ok", nil, map[string]string{"SOUQ_JWT_SECRET": strings.Repeat("ab", 32)}, ""},
		{"jwks plain http", nil, map[string]string{"SOUQ_JWKS_URL": "http://issuer.example/jwks.json"}, "must be https"},
		{"jwks loopback http", nil, map[string]string{"SOUQ_JWKS_URL": "http://127.0.0.1:9000/jwks.json"}, ""},
		{"jwks garbage", nil, map[string]string{"SOUQ_JWKS_URL": "::"}, "not a URL"},
		{"jwks and secret", nil, map[string]string{"SOUQ_JWKS_URL": "https://i.example/jwks", "SOUQ_JWT_SECRET": strings.Repeat("ab", 32)}, "not both"},
		{"issuer blank", nil, map[string]string{"SOUQ_JWT_ISSUER": " "}, "1 to 200 bytes"},
		{"audience control char", []string{"-jwt-audience", "a\x00"}, nil, "control characters"},
		{"unknown flag", []string{"-eventsotre", "sqlite"}, nil, "flag provided but not defined"},
		{"flag without value", []string{"-data-dir"}, nil, "needs an argument"},
		{"stray argument", []string{"extra"}, nil, "unexpected arguments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(Source{Args: tt.args, Getenv: env(tt.env)})
			if tt.reason == "" {
				if err != nil {
					t.Fatalf("want no problem, got %v", err)
				}
				return
			}
			var cerr *Error
			if !errors.As(err, &cerr) {
				t.Fatalf("want *Error, got %v", err)
			}
			if len(cerr.Problems) != 1 || !strings.Contains(cerr.Problems[0].String(), tt.reason) {
				t.Fatalf("want one problem containing %q, got:\n%v", tt.reason, err)
			}
		})
	}
}

func TestPasswordNotEchoed(t *testing.T) {
	_, err := Load(Source{Getenv: env(map[string]string{"SOUQ_POSTGRES_URL": "mysql://souq:hunter2@db/souq"})})
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("want a problem that hides the password, got %v", err)
	}
}

func TestSecretNotEchoed(t *testing.T) {
	secret := strings.Repeat("9f", 20) // too short, so refused
	_, err := Load(Source{Getenv: env(map[string]string{"SOUQ_JWT_SECRET": secret})})
	if err == nil || strings.Contains(err.Error(), secret) {
		t.Fatalf("want a problem that hides the secret, got %v", err)
	}
}

func TestHelp(t *testing.T) {
	if _, err := Load(Source{Args: []string{"-h"}}); !errors.Is(err, ErrHelp) {
		t.Fatalf("want ErrHelp, got %v", err)
	}
}

func FuzzLoad(f *testing.F) {
	f.Add("mysql", ":8080", "15s", "postgres://u:p@h:1/d", "-data-dir=x")
	f.Add("", "", "", "", "")
	f.Add("postgres", ":65536", "-1s", "::", "-h")
	f.Fuzz(func(t *testing.T, store, addr, timeout, pgurl, arg string) {
		c, err := Load(Source{
			Args: []string{arg},
			Getenv: env(map[string]string{
				"SOUQ_EVENTSTORE": store, "SOUQ_WRITE_ADDR": addr,
				"SOUQ_SHUTDOWN_TIMEOUT": timeout, "SOUQ_POSTGRES_URL": pgurl,
			}),
		})
		if err != nil {
			var cerr *Error
			if !errors.Is(err, ErrHelp) && (!errors.As(err, &cerr) || len(cerr.Problems) == 0) {
				t.Fatalf("failure without problems: %v", err)
			}
			return
		}
		// Whatever was accepted must be usable.
		if c.ShutdownTimeout <= 0 || c.DataDir == "" || c.WriteAddr == "" {
			t.Fatalf("accepted an unusable config: %+v", c)
		}
		if c.EventStore == Postgres && c.PostgresURL == "" {
			t.Fatalf("accepted postgres without a URL")
		}
	})
}

func TestS3NeedsBucketAndKeys(t *testing.T) {
	_, err := Load(Source{Getenv: func(k string) string {
		return map[string]string{"SOUQ_S3_ENDPOINT": "https://minio:9000", "SOUQ_S3_BUCKET": ""}[k]
	}})
	for _, want := range []string{"SOUQ_S3_ACCESS_KEY", "SOUQ_S3_SECRET_KEY"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("an S3 endpoint without keys: %v, want a problem naming %s", err, want)
		}
	}
	if _, err := Load(Source{Getenv: func(k string) string {
		return map[string]string{"SOUQ_S3_ENDPOINT": "minio:9000"}[k]
	}}); err == nil || !strings.Contains(err.Error(), "SOUQ_S3_ENDPOINT") {
		t.Errorf("an endpoint without scheme: %v", err)
	}
}

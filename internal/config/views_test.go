package config

import (
	"errors"
	"strings"
	"testing"
)

func TestViewsBesideTheEventStore(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		want ViewStore
	}{
		{map[string]string{}, ViewsSQLite},
		{map[string]string{"SOUQ_EVENTSTORE": "postgres", "SOUQ_POSTGRES_URL": "postgres://db/souq"}, ViewsPostgres},
		{map[string]string{"SOUQ_EVENTSTORE": "kurrentdb", "SOUQ_KURRENTDB_URL": "kurrentdb://k:2113"}, ViewsSQLite},
		{map[string]string{"SOUQ_EVENTSTORE": "kurrentdb", "SOUQ_KURRENTDB_URL": "kurrentdb://k:2113", "SOUQ_VIEWS": "postgres", "SOUQ_POSTGRES_URL": "postgres://db/souq"}, ViewsPostgres},
		{map[string]string{"SOUQ_EVENTSTORE": "postgres", "SOUQ_POSTGRES_URL": "postgres://db/souq", "SOUQ_VIEWS": "sqlite"}, ViewsSQLite},
	} {
		c, err := Load(Source{Getenv: env(tc.env)})
		if err != nil {
			t.Fatalf("%v: %v", tc.env, err)
		}
		if c.Views() != tc.want {
			t.Fatalf("%v: views in %q, want %q", tc.env, c.Views(), tc.want)
		}
	}
}

func TestViewsProblems(t *testing.T) {
	_, err := Load(Source{Getenv: env(map[string]string{
		"SOUQ_VIEWS": "postgres", "SOUQ_VIEWS_SCHEMA": "Views;", "SOUQ_READ_WAIT": "1m", "SOUQ_PROJECT_ADDR": ":8081",
	})})
	var ce *Error
	if !errors.As(err, &ce) {
		t.Fatalf("got %v", err)
	}
	msg := err.Error()
	for _, want := range []string{"SOUQ_VIEWS_SCHEMA", "SOUQ_READ_WAIT", "SOUQ_POSTGRES_URL: required when SOUQ_VIEWS=postgres", "SOUQ_PROJECT_ADDR"} {
		if !strings.Contains(msg, want) {
			t.Errorf("%q not among the problems:\n%s", want, msg)
		}
	}
	if len(ce.Problems) != 4 {
		t.Fatalf("%d problems, want 4:\n%s", len(ce.Problems), msg)
	}
}

package config

import (
	"strings"
	"testing"
)

func TestIntegritySettings(t *testing.T) {
	raw := "0123456789abcdef0123456789abcdef"
	cases := []struct {
		env     map[string]string
		key     string
		every   int
		problem string
	}{
		{nil, "", 1000, ""},
		{map[string]string{"SOUQ_INTEGRITY_KEY": "30313233343536373839616263646566"}, "0123456789abcdef", 1000, ""},
		{map[string]string{"SOUQ_INTEGRITY_KEY": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="}, raw, 1000, ""},
		{map[string]string{"SOUQ_INTEGRITY_KEY": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY"}, raw, 1000, ""},
		{map[string]string{"SOUQ_INTEGRITY_KEY": " MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=\n"}, raw, 1000, ""},
		{map[string]string{"SOUQ_INTEGRITY_KEY": "3031"}, "", 0, "SOUQ_INTEGRITY_KEY"},
		{map[string]string{"SOUQ_INTEGRITY_KEY": "c2hvcnQ="}, "", 0, "SOUQ_INTEGRITY_KEY"},
		{map[string]string{"SOUQ_INTEGRITY_KEY": "not a key, not hex, not base64!"}, "", 0, "SOUQ_INTEGRITY_KEY"},
		{map[string]string{"SOUQ_INTEGRITY_KEY": "\x00\x01secret-ish"}, "", 0, "SOUQ_INTEGRITY_KEY"},
		{map[string]string{"SOUQ_INTEGRITY_CHECKPOINT_EVERY": "1"}, "", 1, ""},
		{map[string]string{"SOUQ_INTEGRITY_CHECKPOINT_EVERY": "0"}, "", 0, "SOUQ_INTEGRITY_CHECKPOINT_EVERY"},
		{map[string]string{"SOUQ_INTEGRITY_CHECKPOINT_EVERY": "-5"}, "", 0, "SOUQ_INTEGRITY_CHECKPOINT_EVERY"},
		{map[string]string{"SOUQ_INTEGRITY_CHECKPOINT_EVERY": "1000001"}, "", 0, "SOUQ_INTEGRITY_CHECKPOINT_EVERY"},
		{map[string]string{"SOUQ_INTEGRITY_CHECKPOINT_EVERY": "1e3"}, "", 0, "SOUQ_INTEGRITY_CHECKPOINT_EVERY"},
	}
	for _, tc := range cases {
		c, err := Load(Source{Getenv: func(k string) string { return tc.env[k] }})
		if tc.problem != "" {
			if err == nil || !strings.Contains(err.Error(), tc.problem) {
				t.Errorf("%v: err %v, want a problem with %s", tc.env, err, tc.problem)
			}
			if err != nil && tc.env["SOUQ_INTEGRITY_KEY"] != "" && strings.Contains(err.Error(), tc.env["SOUQ_INTEGRITY_KEY"]) {
				t.Errorf("%v: the problem echoes the key: %v", tc.env, err)
			}
			continue
		}
		if err != nil || c.IntegrityKey != tc.key || c.CheckpointEvery != tc.every {
			t.Errorf("%v: key %q every %d (%v), want %q and %d", tc.env, c.IntegrityKey, c.CheckpointEvery, err, tc.key, tc.every)
		}
	}
}

package config

import (
	"errors"
	"strings"
	"testing"
)

func TestPIIMasterKey(t *testing.T) {
	raw := "0123456789abcdef0123456789abcdef" // 32 bytes
	for _, tc := range []struct {
		value, want string
		problem     bool
	}{
		{"", "", false},
		{"3031323334353637383961626364656630313233343536373839616263646566", raw, false}, // hex (also base64 of 48 bytes)
		{"MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=", raw, false},
		{"MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY", raw, false},
		{" MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=\n", raw, false},
		{"30313233343536373839616263646566", "", true},                                   // 16 bytes
		{"303132333435363738396162636465663031323334353637383961626364656630", "", true}, // 33 bytes
		{"MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWYwMTIzNDU2Nzg5YWJjZGVm", "", true},   // 48 bytes
		{"not a key, not hex, not base64!", "", true},
		{"\x00\x01 secret-ish with spaces", "", true},
	} {
		c, err := Load(Source{Getenv: func(k string) string { return map[string]string{"SOUQ_PII_MASTER_KEY": tc.value}[k] }})
		if !tc.problem {
			if err != nil || c.PIIMasterKey != tc.want {
				t.Errorf("%q: key %q, %v", tc.value, c.PIIMasterKey, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), "SOUQ_PII_MASTER_KEY") {
			t.Errorf("%q: err %v, want a problem naming SOUQ_PII_MASTER_KEY", tc.value, err)
		} else if strings.Contains(err.Error(), strings.TrimSpace(tc.value)) {
			t.Errorf("%q: the problem echoes the key: %v", tc.value, err)
		}
	}
}

// A bad master key is one problem among the others, every one listed.
func TestPIIMasterKeyListedWithOthers(t *testing.T) {
	env := map[string]string{"SOUQ_PII_MASTER_KEY": "c2hvcnQ=", "SOUQ_INTEGRITY_KEY": "3031", "SOUQ_BCRYPT_COST": "99"}
	_, err := Load(Source{Getenv: func(k string) string { return env[k] }})
	var ce *Error
	if !errors.As(err, &ce) || len(ce.Problems) != 3 {
		t.Fatalf("want 3 problems, got %v", err)
	}
	if strings.Contains(err.Error(), "c2hvcnQ") {
		t.Fatalf("a key was echoed: %v", err)
	}
}

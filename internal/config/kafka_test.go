package config

import (
	"slices"
	"testing"
)

func TestKafkaBrokers(t *testing.T) {
	var c Config
	if p := setKafkaBrokers(&c, " k1:9092, k2:9093 "); p != "" || !slices.Equal(c.Brokers(), []string{"k1:9092", "k2:9093"}) {
		t.Fatalf("problem %q, brokers %q", p, c.Brokers())
	}
	if p := setKafkaBrokers(&c, ""); p != "" || c.Brokers() != nil {
		t.Fatalf("empty: problem %q, brokers %q", p, c.Brokers())
	}
	for _, bad := range []string{"k1", "k1:9092,", ":9092", "k1:9092,k2"} {
		if p := setKafkaBrokers(&c, bad); p == "" {
			t.Errorf("%q accepted", bad)
		}
	}
}

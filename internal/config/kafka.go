package config

import (
	"net"
	"strings"
)

// setKafkaBrokers reads SOUQ_KAFKA_BROKERS: host:port, comma-separated.
// Empty leaves Kafka off (the integration feed is still served over HTTP).
// Kept as text so that Config stays comparable.
func setKafkaBrokers(c *Config, v string) string {
	c.KafkaBrokers = strings.TrimSpace(v)
	for _, b := range c.Brokers() {
		if host, port, err := net.SplitHostPort(b); err != nil || host == "" || port == "" {
			return "each broker must be host:port, comma-separated"
		}
	}
	return ""
}

// Brokers lists the Kafka brokers; none when Kafka is off.
func (c Config) Brokers() []string {
	if c.KafkaBrokers == "" {
		return nil
	}
	var out []string
	for _, b := range strings.Split(c.KafkaBrokers, ",") {
		out = append(out, strings.TrimSpace(b))
	}
	return out
}

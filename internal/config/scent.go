package config

import (
	"strings"
	"unicode/utf8"
)

// The settings of scent match: where its vectors live (SOUQ_QDRANT_URL, the
// gRPC endpoint; empty keeps them in process), the image model service
// (SOUQ_EMBEDDER_URL; empty turns image similarity off), and the
// marketplace's own brands the similar-products rules lift
// (SOUQ_OWN_BRANDS, kept as text so Config stays comparable).

func setQdrantURL(c *Config, v string) string {
	c.QdrantURL = v
	if v == "" {
		return ""
	}
	return urlProblem(v, []string{"http", "https"}, "http://qdrant:6334 (the gRPC port; https for TLS)")
}

func setEmbedderURL(c *Config, v string) string {
	c.EmbedderURL = v
	if v == "" {
		return ""
	}
	return urlProblem(v, []string{"http", "https"}, "http://clip:8000")
}

func setOwnBrands(c *Config, v string) string {
	var out []string
	for _, b := range strings.Split(v, ",") {
		b = strings.Join(strings.Fields(b), " ")
		if b == "" {
			continue
		}
		if len(b) > 100 || !utf8.ValidString(b) {
			return "each brand must be at most 100 bytes of text"
		}
		out = append(out, b)
	}
	c.OwnBrands = strings.Join(out, ",")
	return ""
}

// Brands returns SOUQ_OWN_BRANDS as a list.
func (c Config) Brands() []string {
	if c.OwnBrands == "" {
		return nil
	}
	return strings.Split(c.OwnBrands, ",")
}

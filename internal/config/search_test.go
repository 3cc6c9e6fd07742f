package config

import (
	"strings"
	"testing"
)

func TestElasticsearchSettings(t *testing.T) {
	env := map[string]string{"SOUQ_ELASTICSEARCH_URL": "https://elastic:secret@es.internal:9200", "SOUQ_ELASTICSEARCH_ALIAS": "shop-a.products"}
	c, err := Load(Source{Getenv: func(k string) string { return env[k] }})
	if err != nil || c.ElasticsearchURL != env["SOUQ_ELASTICSEARCH_URL"] || c.ElasticsearchAlias != "shop-a.products" {
		t.Fatalf("%+v %v", c, err)
	}
	// Every problem at once.
	env = map[string]string{"SOUQ_ELASTICSEARCH_URL": "elasticsearch:9200", "SOUQ_ELASTICSEARCH_ALIAS": "Products*"}
	_, err = Load(Source{Getenv: func(k string) string { return env[k] }})
	if err == nil || !strings.Contains(err.Error(), "SOUQ_ELASTICSEARCH_URL") || !strings.Contains(err.Error(), "SOUQ_ELASTICSEARCH_ALIAS") {
		t.Fatalf("want both settings named: %v", err)
	}
}

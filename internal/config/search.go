package config

import "regexp"

// The settings of product search: SOUQ_ELASTICSEARCH_URL puts the index in
// Elasticsearch (empty: Bleve in the data dir), SOUQ_ELASTICSEARCH_ALIAS
// names the alias reads go through and the indexes behind it, so several
// deployments can share a cluster.

func setElasticsearchURL(c *Config, v string) string {
	c.ElasticsearchURL = v
	if v == "" {
		return ""
	}
	return urlProblem(v, []string{"http", "https"}, "http://elasticsearch:9200")
}

// Elasticsearch index names: lower case, no leading - _ +, none of
// \ / * ? " < > | , # : or spaces, at most 255 bytes; the engine appends
// -vN and -records-vN, so the alias keeps room for them.
var esAlias = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,199}$`)

func setElasticsearchAlias(c *Config, v string) string {
	c.ElasticsearchAlias = v
	if !esAlias.MatchString(v) || v == "." || v == ".." {
		return "must be 1–200 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit"
	}
	return ""
}

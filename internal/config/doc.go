// Package config owns souq's typed configuration: every setting, its flag,
// its SOUQ_* environment variable and its default, parsed from both (flags
// win) and validated all at once so that a bad start lists every problem,
// not just the first.
//
// It may import only the standard library; cmd/souq is its only importer.
package config

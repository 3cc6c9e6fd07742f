package archtest

import (
	"fmt"
	"slices"
	"strings"
)

// Module is the import path of this module.
const Module = "github.com/souq-market/souq"

// Package is the part of `go list -json` output the rules need.
type Package struct {
	ImportPath string
	Standard   bool
	Deps       []string // transitive, as go list -deps reports them
}

// Rule forbids packages matching From from depending on packages matching To.
type Rule struct {
	Why  string
	From func(pkg string) bool
	To   func(dep Package) bool
}

// Violation is one arrow pointing the wrong way.
type Violation struct {
	From, To, Why string
}

func (v Violation) String() string { return fmt.Sprintf("%s → %s: %s", v.From, v.To, v.Why) }

// ours reports whether path is a package of this module, and returns its
// path inside the module ("" for the root).
func ours(path string) (string, bool) {
	if path == Module {
		return "", true
	}
	rel, ok := strings.CutPrefix(path, Module+"/")
	return rel, ok
}

// under reports whether a module-relative path is dir or inside it.
func under(rel, dir string) bool { return rel == dir || strings.HasPrefix(rel, dir+"/") }

func inside(dirs ...string) func(string) bool {
	return func(pkg string) bool {
		rel, ok := ours(pkg)
		return ok && slices.ContainsFunc(dirs, func(d string) bool { return under(rel, d) })
	}
}

func oursInside(dirs ...string) func(Package) bool {
	in := inside(dirs...)
	return func(p Package) bool { return in(p.ImportPath) }
}

// drivers are the adapters and client libraries that only cmd/souq and
// adapter packages may reach: the command side sees ports, never these.
func driverPrefixes() []string {
	return []string{
		Module + "/eventstore/sqlite", Module + "/eventstore/postgres", Module + "/eventstore/kurrent",
		"github.com/jackc/pgx", "github.com/lib/pq", "modernc.org/sqlite", "github.com/mattn/go-sqlite3",
		"github.com/redis/go-redis", "github.com/segmentio/kafka-go", "github.com/twmb/franz-go",
		"github.com/IBM/sarama", "github.com/stripe/stripe-go", "github.com/minio/minio-go",
		"github.com/aws/aws-sdk-go", "github.com/elastic/go-elasticsearch", "github.com/qdrant/go-client",
		"github.com/kurrent-io/", "github.com/EventStore/", "github.com/blevesearch/bleve",
	}
}

func isDriver(p Package) bool {
	return slices.ContainsFunc(driverPrefixes(), func(prefix string) bool {
		return p.ImportPath == prefix || strings.HasPrefix(p.ImportPath, strings.TrimSuffix(prefix, "/")+"/")
	})
}

// Rules are DESIGN.md §3's arrows.
func Rules() []Rule {
	return []Rule{
		{
			Why:  "domain imports nothing of ours but domain",
			From: inside("domain"),
			To: func(d Package) bool {
				rel, ok := ours(d.ImportPath)
				return ok && !under(rel, "domain")
			},
		},
		{
			Why:  "the eventstore port imports only the standard library",
			From: func(pkg string) bool { return pkg == Module+"/eventstore" },
			To:   func(d Package) bool { return !d.Standard },
		},
		{
			Why:  "commands see ports, never drivers",
			From: inside("commands"),
			To:   isDriver,
		},
		{
			Why:  "commands never reach the HTTP APIs or the read side",
			From: inside("commands"),
			To:   oursInside("readapi", "writeapi", "projections"),
		},
		{
			Why:  "readapi reads read models, never commands or the event store",
			From: inside("readapi"),
			To:   oursInside("commands", "eventstore", "writeapi"),
		},
		{
			Why:  "projections never issue commands",
			From: inside("projections"),
			To:   oursInside("commands", "writeapi"),
		},
		{
			Why: "only cmd imports cmd",
			From: func(pkg string) bool {
				rel, ok := ours(pkg)
				return ok && !under(rel, "cmd")
			},
			To: oursInside("cmd"),
		},
	}
}

// Check applies the rules to a package graph and lists every violation.
func Check(pkgs []Package, rules []Rule) []Violation {
	byPath := make(map[string]Package, len(pkgs))
	for _, p := range pkgs {
		byPath[p.ImportPath] = p
	}
	var out []Violation
	for _, p := range pkgs {
		for _, r := range rules {
			if !r.From(p.ImportPath) {
				continue
			}
			for _, d := range p.Deps {
				dep, ok := byPath[d]
				if !ok {
					dep = Package{ImportPath: d, Standard: !strings.Contains(strings.SplitN(d, "/", 2)[0], ".")}
				}
				if r.To(dep) {
					out = append(out, Violation{From: p.ImportPath, To: d, Why: r.Why})
				}
			}
		}
	}
	return out
}

package archtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"strings"
	"testing"
)

// TestArchitecture checks the real module.
func TestArchitecture(t *testing.T) {
	cmd := exec.Command("go", "list", "-e", "-deps", "-json=ImportPath,Standard,Deps,Module,Error", "./...")
	cmd.Dir = "../.."
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	var pkgs []Package
	ourCount := 0
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p Package
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		if _, ok := ours(p.ImportPath); ok {
			ourCount++
		}
		pkgs = append(pkgs, p)
	}
	if ourCount < 5 {
		t.Fatalf("go list found only %d packages of the module; is the test run from its package dir?", ourCount)
	}
	for _, v := range Check(pkgs, Rules()) {
		t.Errorf("%s", v)
	}
}

// TestRulesCatchBadGraphs proves each rule fails when its arrow points the
// wrong way, and stays quiet on the arrows DESIGN.md allows.
func TestRulesCatchBadGraphs(t *testing.T) {
	m := Module + "/"
	std := func(p string) Package { return Package{ImportPath: p, Standard: true} }
	pkg := func(p string, deps ...string) Package { return Package{ImportPath: p, Deps: deps} }
	tests := []struct {
		name string
		pkgs []Package
		want string // substring of the one violation; "" for none
	}{
		{"domain importing eventstore", []Package{pkg(m+"domain/order", m+"eventstore", "fmt"), std("fmt"), pkg(m + "eventstore")}, "domain imports nothing"},
		{"domain importing domain", []Package{pkg(m+"domain/order", m+"domain", "fmt"), std("fmt"), pkg(m + "domain")}, ""},
		{"port importing a third party", []Package{pkg(m+"eventstore", "github.com/google/uuid"), pkg("github.com/google/uuid")}, "only the standard library"},
		{"port importing std only", []Package{pkg(m+"eventstore", "context", "encoding/json"), std("context"), std("encoding/json")}, ""},
		{"command reaching pgx through an adapter", []Package{
			pkg(m+"commands/order", m+"internal/pgstore", "github.com/jackc/pgx/v5"),
			pkg(m+"internal/pgstore", "github.com/jackc/pgx/v5"), pkg("github.com/jackc/pgx/v5"),
		}, "never drivers"},
		{"command importing the sqlite store", []Package{pkg(m+"commands", m+"eventstore/sqlite"), pkg(m + "eventstore/sqlite")}, "never drivers"},
		{"command importing the port", []Package{pkg(m+"commands", m+"eventstore", m+"domain"), pkg(m + "eventstore"), pkg(m + "domain")}, ""},
		{"command importing writeapi", []Package{pkg(m+"commands/process", m+"writeapi"), pkg(m + "writeapi")}, "never reach the HTTP"},
		{"readapi importing eventstore", []Package{pkg(m+"readapi", m+"eventstore"), pkg(m + "eventstore")}, "never commands or the event store"},
		{"readapi importing commands", []Package{pkg(m+"readapi/orders", m+"commands/order"), pkg(m + "commands/order")}, "never commands"},
		{"readapi importing projections", []Package{pkg(m+"readapi", m+"projections/orders"), pkg(m + "projections/orders")}, ""},
		{"projection importing commands", []Package{pkg(m+"projections/orders", m+"commands"), pkg(m + "commands")}, "never issue commands"},
		{"projection importing the port", []Package{pkg(m+"projections", m+"eventstore"), pkg(m + "eventstore")}, ""},
		{"library importing cmd", []Package{pkg(m+"internal/httpx", m+"cmd/souq"), pkg(m + "cmd/souq")}, "only cmd imports cmd"},
		{"cmd importing everything", []Package{pkg(m+"cmd/souq", m+"eventstore/sqlite", m+"writeapi", m+"commands"), pkg(m + "eventstore/sqlite"), pkg(m + "writeapi"), pkg(m + "commands")}, ""},
		{"a package named like ours but outside", []Package{pkg(m+"domainx", m+"eventstore"), pkg(m + "eventstore")}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Check(tt.pkgs, Rules())
			if tt.want == "" {
				if len(got) != 0 {
					t.Fatalf("want no violation, got %v", got)
				}
				return
			}
			if len(got) == 0 || !strings.Contains(got[0].Why, tt.want) {
				t.Fatalf("want a violation %q, got %v", tt.want, got)
			}
		})
	}
}

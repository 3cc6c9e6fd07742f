package commands_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/souq-market/souq/commands"
)

// Every registered type decodes its golden file through the registry and
// encodes back to the same bytes, and every golden file is registered: the
// registry and the domain's wire contract cannot drift apart.
func TestRegistryRoundTripsGoldenFiles(t *testing.T) {
	reg := commands.NewRegistry()
	types := reg.Types()
	files, err := filepath.Glob("../domain/*/testdata/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files: %v", err)
	}
	registered := map[string]bool{}
	for name := range types {
		registered[strings.SplitN(name, ".", 2)[0]] = true
	}
	golden := map[string]bool{}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".json")
		if _, _, old := oldVersion(name); old {
			continue // TestRegistryUpcastsOldGoldenFiles
		}
		golden[name] = true
		version, ok := types[name]
		if !ok {
			t.Errorf("%s: golden file of an unregistered type (is its aggregate in commands.Events()?)", f)
			continue
		}
		want, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		v, err := reg.Decode(name, version, want)
		if err != nil {
			t.Errorf("%s: decode: %v", name, err)
			continue
		}
		gotName, gotVersion, data, err := reg.Encode(v)
		if err != nil || gotName != name || gotVersion != version {
			t.Errorf("%s: encode gives %s v%d, %v", name, gotName, gotVersion, err)
			continue
		}
		var got bytes.Buffer
		if err := json.Indent(&got, data, "", "  "); err != nil {
			t.Fatal(err)
		}
		got.WriteByte('\n')
		if got.String() != string(want) {
			t.Errorf("%s: round trip changed the payload:\n got  %s\n want %s", name, got.Bytes(), want)
		}
	}
	for name := range types {
		if !golden[name] {
			t.Errorf("%s is registered but has no golden file", name)
		}
	}
	if len(types) != len(commands.Events()) {
		t.Errorf("%d types registered for %d events", len(types), len(commands.Events()))
	}
}

// oldVersion splits "product.delisted.v1" into its wire name and version:
// a golden file of an old schema version, kept as it was stored.
func oldVersion(file string) (name string, version int, ok bool) {
	i := strings.LastIndex(file, ".v")
	if i < 0 {
		return "", 0, false
	}
	v, err := strconv.Atoi(file[i+2:])
	if err != nil || v < 1 {
		return "", 0, false
	}
	return file[:i], v, true
}

// Every old-version golden file still loads: its upcasters bring it to the
// current version, which decodes and encodes like any current payload; and
// every event past version 1 keeps the golden file of each older version.
func TestRegistryUpcastsOldGoldenFiles(t *testing.T) {
	reg := commands.NewRegistry()
	types := reg.Types()
	files, err := filepath.Glob("../domain/*/testdata/*.v*.json")
	if err != nil {
		t.Fatal(err)
	}
	kept := map[string]bool{}
	for _, f := range files {
		name, version, ok := oldVersion(strings.TrimSuffix(filepath.Base(f), ".json"))
		if !ok {
			continue
		}
		kept[name+"@"+strconv.Itoa(version)] = true
		current, registered := types[name]
		if !registered || version >= current {
			t.Errorf("%s: %s is not an old version of a registered type (current v%d)", f, name, current)
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		v, err := reg.Decode(name, version, data)
		if err != nil {
			t.Errorf("%s: v%d no longer loads: %v", name, version, err)
			continue
		}
		if gotName, gotVersion, _, err := reg.Encode(v); err != nil || gotName != name || gotVersion != current {
			t.Errorf("%s: v%d loads as %s v%d, %v", name, version, gotName, gotVersion, err)
		}
	}
	for name, current := range types {
		for v := 1; v < current; v++ {
			if !kept[name+"@"+strconv.Itoa(v)] {
				t.Errorf("%s is at v%d but has no golden file of v%d (testdata/%s.v%d.json)", name, current, v, name, v)
			}
		}
	}
}

func TestStreamNames(t *testing.T) {
	for _, tc := range []struct {
		got  func() (string, error)
		want string
	}{
		{func() (string, error) { return commands.OrderStream("o-1") }, "order-o-1"},
		{func() (string, error) { return commands.InventoryStream("oud-50ml", "dxb-1") }, "inventory-oud-50ml@dxb-1"},
		{func() (string, error) { return commands.WalletStream("w1") }, "wallet-w1"},
		{func() (string, error) { return commands.PaymentStream("p:1") }, "payment-p:1"},
		{func() (string, error) { return commands.ShipmentStream("s_1") }, "shipment-s_1"},
		{func() (string, error) { return commands.ProductStream("p.1") }, "product-p.1"},
	} {
		if got, err := tc.got(); err != nil || got != tc.want {
			t.Errorf("got %q, %v; want %q", got, err, tc.want)
		}
	}
	// '@' is not an ID character, so an inventory stream splits one way only.
	for _, bad := range []func() (string, error){
		func() (string, error) { return commands.InventoryStream("a@b", "c") },
		func() (string, error) { return commands.InventoryStream("a", "") },
		func() (string, error) { return commands.OrderStream("has space") },
		func() (string, error) { return commands.WalletStream("") },
	} {
		if s, err := bad(); err == nil {
			t.Errorf("accepted %q", s)
		}
	}
}

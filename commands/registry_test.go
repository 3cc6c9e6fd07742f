package commands_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
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

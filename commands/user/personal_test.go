package user_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	usercmd "github.com/souq-market/souq/commands/user"
	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/eventstore/memory"
	"github.com/souq-market/souq/internal/pii"
)

// fixedKey is a keyring of one known key, so stored golden ciphertext
// opens in every run.
type fixedKey struct{}

func (fixedKey) Key(context.Context, string, bool) ([]byte, error) {
	return bytes.Repeat([]byte{0x5a}, pii.KeySize), nil
}
func (fixedKey) Forget(context.Context, string) error { return nil }
func (k fixedKey) Keys(ctx context.Context, subjects []string) (map[string][]byte, error) {
	out := map[string][]byte{}
	for _, s := range subjects {
		out[s], _ = k.Key(ctx, s, false)
	}
	return out, nil
}

// TestSealedGolden pins the stored shape of every event with personal
// fields: testdata/sealed/<type>.json is the payload as stored (sealed with
// a fixed key), and it must open to the plaintext golden file of its
// aggregate's package (domain/user, domain/order). Ciphertext stored today must open in every later build.
// SOUQ_UPDATE_GOLDEN=1 writes the files afresh.
func TestSealedGolden(t *testing.T) {
	ctx := context.Background()
	const eventID = "6f1c2f4e-8a51-4d5e-9c3b-0a1b2c3d4e5f"
	for typ, rule := range usercmd.PersonalData() {
		aggregate, _, _ := strings.Cut(typ, ".")
		plain, err := os.ReadFile(filepath.Join("..", "..", "domain", aggregate, "testdata", typ+".json"))
		if err != nil {
			t.Fatal(err)
		}
		stream := "user-u-1"
		golden := filepath.Join("testdata", "sealed", typ+".json")
		inner := memory.New(memory.Options{})
		st := pii.Wrap(inner, fixedKey{}, usercmd.PersonalData())
		if os.Getenv("SOUQ_UPDATE_GOLDEN") == "1" {
			if _, err := st.Append(ctx, stream, eventstore.Any, []eventstore.EventData{{ID: eventID, Type: typ, SchemaVersion: 1, Data: plain}}); err != nil {
				t.Fatal(err)
			}
			raw, _ := inner.ReadStream(ctx, stream, eventstore.ReadStreamOptions{})
			var out bytes.Buffer
			_ = json.Indent(&out, raw[0].Data, "", "  ")
			_ = os.MkdirAll(filepath.Dir(golden), 0o755)
			if err := os.WriteFile(golden, append(out.Bytes(), '\n'), 0o644); err != nil {
				t.Fatal(err)
			}
			inner = memory.New(memory.Options{})
			st = pii.Wrap(inner, fixedKey{}, usercmd.PersonalData())
		}
		sealed, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%s: no sealed golden file (SOUQ_UPDATE_GOLDEN=1 writes it): %v", typ, err)
		}
		if bytes.Count(sealed, []byte(`"sealed": "v1"`)) != countPresent(t, plain, rule.Fields) {
			t.Errorf("%s: the sealed golden file does not seal every personal field present:\n%s", typ, sealed)
		}
		if _, err := inner.Append(ctx, stream, eventstore.Any, []eventstore.EventData{{ID: eventID, Type: typ, SchemaVersion: 1, Data: sealed}}); err != nil {
			t.Fatal(err)
		}
		opened, err := st.ReadStream(ctx, stream, eventstore.ReadStreamOptions{})
		if err != nil {
			t.Fatalf("%s: %v", typ, err)
		}
		var got, want any
		_ = json.Unmarshal(opened[0].Data, &got)
		_ = json.Unmarshal(plain, &want)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: sealed golden opens to %s, want %s", typ, opened[0].Data, plain)
		}
	}
}

// countPresent counts the non-empty string fields of paths in data.
func countPresent(t *testing.T, data []byte, paths []string) int {
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, p := range paths {
		var v any = doc
		for _, k := range strings.Split(p, ".") {
			m, _ := v.(map[string]any)
			v = m[k]
		}
		if s, ok := v.(string); ok && s != "" {
			n++
		}
	}
	return n
}

package pii_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/eventstore/memory"
	"github.com/souq-market/souq/eventstore/sqlite"
	"github.com/souq-market/souq/internal/pii"
)

var catalog = pii.Catalog{
	"user.address_added": {StreamPrefix: "user-", Fields: []string{"address.recipient", "address.line1", "address.phone"}},
	"user.email_claimed": {SubjectField: "user_id", Fields: []string{"email"}},
}

func ev(typ, data string) eventstore.EventData {
	return eventstore.EventData{ID: uuid.NewString(), Type: typ, SchemaVersion: 1, Data: json.RawMessage(data)}
}

func address(who string) string {
	return fmt.Sprintf(`{"address_id":"a-1","address":{"recipient":"%s","line1":"Villa %s","phone":"+971 50 %s","city":"Dubai","country":"AE"},"amount":9007199254740993}`, who, who, who)
}

type fixture struct {
	inner *memory.Store
	keys  *pii.Memory
	st    *pii.Store
	ctx   context.Context
}

func newFixture(t *testing.T) fixture {
	inner := memory.New(memory.Options{Follow: eventstore.FollowOptions{Poll: 10 * time.Millisecond}})
	t.Cleanup(func() { _ = inner.Close() })
	keys := pii.NewMemory()
	return fixture{inner, keys, pii.Wrap(inner, keys, catalog), context.Background()}
}

func (f fixture) read(t *testing.T, stream string) []eventstore.RecordedEvent {
	t.Helper()
	evs, err := f.st.ReadStream(f.ctx, stream, eventstore.ReadStreamOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

func TestSealsOnAppendOpensOnRead(t *testing.T) {
	f := newFixture(t)
	if _, err := f.st.Append(f.ctx, "user-layla", eventstore.Any, []eventstore.EventData{ev("user.address_added", address("Layla"))}); err != nil {
		t.Fatal(err)
	}
	raw, _ := f.inner.ReadStream(f.ctx, "user-layla", eventstore.ReadStreamOptions{})
	if bytes.Contains(raw[0].Data, []byte("Layla")) || !bytes.Contains(raw[0].Data, []byte(`"sealed":"v1"`)) {
		t.Fatalf("stored: %s", raw[0].Data)
	}
	if !bytes.Contains(raw[0].Data, []byte(`"city":"Dubai"`)) || !bytes.Contains(raw[0].Data, []byte("9007199254740993")) {
		t.Fatalf("fields outside the catalog changed: %s", raw[0].Data)
	}
	var got, want any
	_ = json.Unmarshal(f.read(t, "user-layla")[0].Data, &got)
	_ = json.Unmarshal([]byte(address("Layla")), &want)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("read back %v, want %v", got, want)
	}
	if all, err := f.st.ReadAll(f.ctx, 0, 10); err != nil || !bytes.Contains(all[0].Data, []byte(`"recipient":"Layla"`)) {
		t.Fatalf("ReadAll: %v %s", err, all[0].Data)
	}
}

// TestForgetErasesOnlyTheSubject: after Forget, every read path (stream,
// $all, subscription) shows the subject's fields erased, another
// customer's data and the stored bytes are untouched, and no new personal
// data is accepted for the forgotten subject.
func TestForgetErasesOnlyTheSubject(t *testing.T) {
	f := newFixture(t)
	for id, who := range map[string]string{"u1": "layla", "u2": "omar"} {
		if _, err := f.st.Append(f.ctx, "user-"+id, eventstore.Any, []eventstore.EventData{ev("user.address_added", address(who)),
			ev("user.email_claimed", `{"email":"`+who+`@example.ae","user_id":"`+id+`"}`)}); err != nil {
			t.Fatal(err)
		}
	}
	before, _ := f.inner.ReadAll(f.ctx, 0, 10)
	if err := f.st.Forget(f.ctx, "u1"); err != nil {
		t.Fatal(err)
	}
	after, _ := f.inner.ReadAll(f.ctx, 0, 10)
	for i := range before {
		if !bytes.Equal(before[i].Data, after[i].Data) {
			t.Fatalf("forget changed stored event %d", i)
		}
	}
	check := func(via string, evs []eventstore.RecordedEvent) {
		t.Helper()
		for _, e := range evs {
			s := string(e.Data)
			switch {
			case e.StreamID == "user-u1" || strings.Contains(s, `"user_id":"u1"`):
				if strings.Contains(s, "layla") || !strings.Contains(s, pii.Erased) {
					t.Errorf("%s: forgotten %s: %s", via, e.Type, s)
				}
			default:
				if strings.Contains(s, pii.Erased) || !strings.Contains(s, "omar") {
					t.Errorf("%s: other customer's %s: %s", via, e.Type, s)
				}
			}
		}
	}
	check("ReadStream", append(f.read(t, "user-u1"), f.read(t, "user-u2")...))
	all, err := f.st.ReadAll(f.ctx, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	check("ReadAll", all)
	ctx, cancel := context.WithCancel(f.ctx)
	var seen []eventstore.RecordedEvent
	_ = f.st.Subscribe(ctx, 0, func(evs []eventstore.RecordedEvent) error {
		seen = append(seen, evs...)
		if len(seen) >= 4 {
			cancel()
		}
		return nil
	})
	check("Subscribe", seen)
	if len(seen) != 4 {
		t.Fatalf("subscription saw %d events", len(seen))
	}
	var o struct {
		Address struct{ Recipient, City string }
	}
	if err := json.Unmarshal(f.read(t, "user-u1")[0].Data, &o); err != nil || o.Address.Recipient != pii.Erased || o.Address.City != "Dubai" {
		t.Fatalf("an erased event still decodes as its type: %+v %v", o, err)
	}
	_, err = f.st.Append(f.ctx, "user-u1", eventstore.Any, []eventstore.EventData{ev("user.address_added", address("Layla"))})
	if domain.KindOf(err) != domain.Conflict {
		t.Fatalf("personal data appended for a forgotten subject: %v", err)
	}
}

// TestPlaintextBeforeSealingStaysReadable: events stored before sealing
// began read as they were (and forget cannot erase them: they hold no
// ciphertext).
func TestPlaintextBeforeSealingStaysReadable(t *testing.T) {
	f := newFixture(t)
	if _, err := f.inner.Append(f.ctx, "user-old", eventstore.Any, []eventstore.EventData{ev("user.address_added", address("Old"))}); err != nil {
		t.Fatal(err)
	}
	if got := f.read(t, "user-old")[0].Data; !bytes.Contains(got, []byte(`"recipient":"Old"`)) {
		t.Fatalf("legacy event: %s", got)
	}
}

// TestMovedCiphertextIsRefused: a sealed field copied into another
// customer's event does not open there; the read fails loudly instead of
// showing either plaintext or an erasure.
func TestMovedCiphertextIsRefused(t *testing.T) {
	f := newFixture(t)
	if _, err := f.st.Append(f.ctx, "user-layla", eventstore.Any, []eventstore.EventData{ev("user.address_added", address("Layla"))}); err != nil {
		t.Fatal(err)
	}
	raw, _ := f.inner.ReadStream(f.ctx, "user-layla", eventstore.ReadStreamOptions{})
	if _, err := f.st.Append(f.ctx, "user-omar", eventstore.Any, []eventstore.EventData{ev("user.address_added", address("Omar"))}); err != nil {
		t.Fatal(err)
	}
	stolen := ev("user.address_added", string(raw[0].Data))
	if _, err := f.inner.Append(f.ctx, "user-omar", eventstore.Any, []eventstore.EventData{stolen}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.ReadStream(f.ctx, "user-omar", eventstore.ReadStreamOptions{}); !errors.Is(err, pii.ErrMalformed) {
		t.Fatalf("moved ciphertext: %v, want ErrMalformed", err)
	}
}

// TestPseudonym: a keyed hash, stable for one keyring, different across
// keyrings and purposes, and not the unkeyed SHA-256 of the value.
func TestPseudonym(t *testing.T) {
	f, g := newFixture(t), newFixture(t)
	a1, err := f.st.Pseudonym(f.ctx, "email-claim", "layla@example.ae")
	if err != nil {
		t.Fatal(err)
	}
	a2, _ := f.st.Pseudonym(f.ctx, "email-claim", "layla@example.ae")
	other, _ := f.st.Pseudonym(f.ctx, "email-claim", "omar@example.ae")
	purpose, _ := f.st.Pseudonym(f.ctx, "phone", "layla@example.ae")
	elsewhere, _ := g.st.Pseudonym(g.ctx, "email-claim", "layla@example.ae")
	sum := sha256.Sum256([]byte("layla@example.ae"))
	if a1 != a2 || len(a1) != 64 || a1 == other || a1 == purpose || a1 == elsewhere || a1 == hex.EncodeToString(sum[:]) {
		t.Fatalf("pseudonyms: %s %s %s %s %s", a1, a2, other, purpose, elsewhere)
	}
}

// TestForgetKeepsTheHashChains: on a store that chains hashes over the
// bytes it keeps, sealing happens before them and forgetting changes no
// byte, so the log verifies before and after; a store without chains says
// so rather than passing.
func TestForgetKeepsTheHashChains(t *testing.T) {
	ctx := context.Background()
	inner, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "events.db"), sqlite.Options{IntegrityKey: bytes.Repeat([]byte{1}, 32), CheckpointEvery: 2})
	if err != nil {
		t.Fatal(err)
	}
	st := pii.Wrap(inner, pii.NewMemory(), catalog)
	defer st.Close()
	for _, id := range []string{"u1", "u2", "u3"} {
		if _, err := st.Append(ctx, "user-"+id, eventstore.Any, []eventstore.EventData{ev("user.address_added", address(id))}); err != nil {
			t.Fatal(err)
		}
	}
	verify := func(when string) {
		problems, err := st.VerifyIntegrity(ctx, nil)
		if err != nil || len(problems) != 0 {
			t.Fatalf("%s: %v %v", when, problems, err)
		}
	}
	verify("before forget")
	if err := st.Forget(ctx, "u2"); err != nil {
		t.Fatal(err)
	}
	verify("after forget")
	if _, err := newFixture(t).st.VerifyIntegrity(ctx, nil); !errors.Is(err, pii.ErrNoIntegrity) {
		t.Fatalf("a store without chains: %v", err)
	}
}

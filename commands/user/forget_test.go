package user_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/souq-market/souq/commands"
	usercmd "github.com/souq-market/souq/commands/user"
	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/user"
	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/eventstore/memory"
	"github.com/souq-market/souq/internal/pii"
)

// TestForget: a customer registered and with an address is forgotten; the
// stored events never held their plaintext and are unchanged by forget;
// the account reads as erased, takes no login, and its email can open a
// new account; another customer is untouched; forgetting again is a no-op.
func TestForget(t *testing.T) {
	ctx := context.Background()
	inner := memory.New(memory.Options{})
	t.Cleanup(func() { _ = inner.Close() })
	store := pii.Wrap(inner, pii.NewMemory(), usercmd.PersonalData())
	c := &clock{now: time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)}
	exec := commands.NewExecutor(store, commands.NewRegistry(), commands.Options{Logger: slog.New(slog.DiscardHandler)})
	e := &env{store: store, clock: c, deps: usercmd.Deps{Exec: exec, Now: c.Now, Passwords: passwords}}

	layla, omar := e.register(t, "layla@example.ae"), e.register(t, "omar@example.ae")
	for _, id := range []user.ID{layla, omar} {
		if _, err := (usercmd.AddAddress{Deps: e.deps}).Handle(ctx, usercmd.For[user.AddAddress]{UserID: id, Cmd: user.AddAddress{AddressID: "a-1",
			Address: user.Address{Recipient: "Layla Haddad", Phone: "+971 50 123 4567", Line1: "Villa 12, Street 3", City: "Dubai", Country: domain.UAE}}}, commands.Meta{}); err != nil {
			t.Fatal(err)
		}
	}
	plaintext := [][]byte{[]byte("layla@example.ae"), []byte("Layla"), []byte("+971 50 123 4567"), []byte("Villa 12")}
	raw := func() []eventstore.RecordedEvent {
		evs, err := inner.ReadAll(ctx, 0, 1000)
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range evs {
			for _, p := range plaintext {
				if bytes.Contains(ev.Data, p) {
					t.Fatalf("stored %s holds %q: %s", ev.Type, p, ev.Data)
				}
			}
		}
		return evs
	}
	before := raw()

	session, err := (usercmd.Login{Deps: e.deps}).Handle(ctx, "layla@example.ae", password, commands.Meta{})
	if err != nil {
		t.Fatal(err)
	}
	before = raw()
	forget := usercmd.Forget{Deps: e.deps, Keys: store}
	meta := commands.Meta{Actor: eventstore.Actor{UserID: "admin-1", Role: "admin"}}
	if _, err := forget.Handle(ctx, usercmd.ForgetCmd{UserID: layla, Reason: "gdpr request"}, meta); err != nil {
		t.Fatal(err)
	}
	if _, err := forget.Handle(ctx, usercmd.ForgetCmd{UserID: layla, Reason: "gdpr request"}, meta); err != nil {
		t.Fatalf("forget again: %v", err)
	}
	after := raw()
	for i := range before {
		if !bytes.Equal(before[i].Data, after[i].Data) {
			t.Fatalf("forget rewrote stored event %d (%s)", before[i].Position, before[i].Type)
		}
	}
	var types []string
	for _, ev := range after[len(before):] {
		types = append(types, ev.Type)
	}
	if len(types) != 2 || types[0] != user.TypeForgotten || types[1] != user.TypeEmailReleased {
		t.Fatalf("forget appended %v", types)
	}

	u, err := e.deps.Load(ctx, layla)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := u.Address("a-1")
	if !u.Forgotten() || u.Email() != pii.Erased || u.Profile().Name != pii.Erased || a.Line1 != pii.Erased || a.City != "Dubai" {
		t.Fatalf("forgotten account: %s %+v %+v", u.Email(), u.Profile(), a)
	}
	if o, err := e.deps.Load(ctx, omar); err != nil || o.Email() != "omar@example.ae" || o.Profile().Name != "Layla" {
		t.Fatalf("the other customer: %v", err)
	}
	if _, err := (usercmd.Login{Deps: e.deps}).Handle(ctx, "layla@example.ae", password, commands.Meta{}); domain.KindOf(err) != domain.Unauthenticated {
		t.Fatalf("login of a forgotten customer: %v", err)
	}
	if _, err := (usercmd.Refresh{Deps: e.deps}).Handle(ctx, session.RefreshToken, commands.Meta{}); domain.KindOf(err) != domain.Unauthenticated {
		t.Fatalf("refresh of a forgotten customer's session: %v", err)
	}
	if again := e.register(t, "layla@example.ae"); again == layla {
		t.Fatal("the email's new account is the forgotten one")
	}
}

// TestClaimStreamsAreKeyed: over a store with pseudonyms, a new email's
// claim stream is named by a keyed hash, never the email's plain SHA-256;
// a claim stored before (SHA-256 name) still holds its email, logs its
// owner in, and is released there by forget.
func TestClaimStreamsAreKeyed(t *testing.T) {
	ctx := context.Background()
	inner := memory.New(memory.Options{})
	t.Cleanup(func() { _ = inner.Close() })
	c := &clock{now: time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)}
	deps := func(st eventstore.Store) usercmd.Deps {
		exec := commands.NewExecutor(st, commands.NewRegistry(), commands.Options{Logger: slog.New(slog.DiscardHandler)})
		return usercmd.Deps{Exec: exec, Now: c.Now, Passwords: passwords}
	}
	before := &env{store: inner, clock: c, deps: deps(inner)}
	old := before.register(t, "old@example.ae") // stored before keyed names began

	sealed := pii.Wrap(inner, pii.NewMemory(), usercmd.PersonalData())
	e := &env{store: sealed, clock: c, deps: deps(sealed)}
	fresh := e.register(t, "new@example.ae")
	if _, err := inner.ReadStream(ctx, usercmd.ClaimStream("new@example.ae"), eventstore.ReadStreamOptions{}); !errors.Is(err, eventstore.ErrStreamNotFound) {
		t.Fatalf("a new claim is named by the email's plain SHA-256: %v", err)
	}
	claims := 0
	all, _ := inner.ReadAll(ctx, 0, 1000)
	for _, ev := range all {
		if ev.Type == user.TypeEmailClaimed && strings.HasPrefix(ev.StreamID, "user_email-") {
			claims++
		}
	}
	if claims != 2 {
		t.Fatalf("%d claim streams, want 2", claims)
	}
	if _, err := (usercmd.Login{Deps: e.deps}).Handle(ctx, "new@example.ae", password, commands.Meta{}); err != nil {
		t.Fatalf("login by a keyed claim: %v", err)
	}
	if s, err := (usercmd.Login{Deps: e.deps}).Handle(ctx, "old@example.ae", password, commands.Meta{}); err != nil || s.UserID != old {
		t.Fatalf("login by a claim stored before: %v", err)
	}
	_, err := usercmd.Register{Deps: e.deps}.Handle(ctx, usercmd.RegisterCmd{Email: "old@example.ae", Password: password, Role: user.Customer,
		Profile: user.Profile{Name: "X"}}, commands.Meta{})
	if de, ok := errors.AsType[*domain.Error](err); !ok || de.Code != user.CodeEmailTaken {
		t.Fatalf("an email claimed before keyed names was taken again: %v", err)
	}
	meta := commands.Meta{Actor: eventstore.Actor{UserID: "admin-1", Role: "admin"}}
	for _, id := range []user.ID{old, fresh} {
		if _, err := (usercmd.Forget{Deps: e.deps, Keys: sealed}).Handle(ctx, usercmd.ForgetCmd{UserID: id}, meta); err != nil {
			t.Fatal(err)
		}
	}
	// Both emails are free again; the old one's stream stays where it was.
	if again := e.register(t, "old@example.ae"); again == old {
		t.Fatal("same account")
	}
	e.register(t, "new@example.ae")
	if evs, err := inner.ReadStream(ctx, usercmd.ClaimStream("old@example.ae"), eventstore.ReadStreamOptions{}); err != nil || len(evs) != 3 {
		t.Fatalf("the old claim stream: %d events, %v", len(evs), err)
	}
}

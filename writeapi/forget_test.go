package writeapi

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/souq-market/souq/commands"
	usercmd "github.com/souq-market/souq/commands/user"
	"github.com/souq-market/souq/domain/user"
	"github.com/souq-market/souq/eventstore/memory"
	"github.com/souq-market/souq/internal/auth"
	"github.com/souq-market/souq/internal/pii"
)

// sealedEnv is a write API over a memory store that seals personal data,
// with one customer registered.
func sealedEnv(t *testing.T) (*env, user.ID) {
	inner := memory.New(memory.Options{})
	t.Cleanup(func() { _ = inner.Close() })
	store := pii.Wrap(inner, pii.NewMemory(), usercmd.PersonalData())
	exec := commands.NewExecutor(store, commands.NewRegistry(), commands.Options{Logger: slog.New(slog.DiscardHandler)})
	signer := testVerifier(t)
	api, err := New(Deps{Store: store, Exec: exec, Auth: signer, Logger: slog.New(slog.DiscardHandler),
		Registry: prometheus.NewRegistry(), Version: "test", DefaultCommission: 1500})
	if err != nil {
		t.Fatal(err)
	}
	pw, err := usercmd.NewPasswords(usercmd.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	reg, err := usercmd.Register{Deps: usercmd.Deps{Exec: exec, Now: time.Now, Passwords: pw}}.Handle(context.Background(),
		usercmd.RegisterCmd{Email: "layla@example.ae", Password: "saffron and oud 2026", Role: user.Customer, Profile: user.Profile{Name: "Layla"}}, commands.Meta{})
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, store: store, exec: exec, h: api.Handler(), signer: signer}, reg.UserID
}

func TestForgetRoute(t *testing.T) {
	e, id := sealedEnv(t)
	path := "/v1/admin/customers/" + string(id) + "/forget"
	admin := e.token(auth.Admin, "admin-1")
	for _, c := range []struct {
		name, path, token, body string
		status                  int
	}{
		{"no token", path, "", `{}`, 401},
		{"the customer themself", path, e.token(auth.Customer, string(id)), `{}`, 403},
		{"a vendor", path, e.token(auth.Vendor, "v-1"), `{}`, 403},
		{"an auditor", path, e.token(auth.Auditor, "aud-1"), `{}`, 403},
		{"reason too long", path, admin, `{"reason":"` + strings.Repeat("x", 201) + `"}`, 422},
		{"reason not a string", path, admin, `{"reason":7}`, 422},
		{"unknown field", path, admin, `{"reason":"x","email":"layla@example.ae"}`, 422},
		{"not JSON", path, admin, `{"reason":`, 400},
		{"nobody of that id", "/v1/admin/customers/u-nobody/forget", admin, `{}`, 404},
		{"an id that is no id", "/v1/admin/customers/a%20b/forget", admin, `{}`, 422},
	} {
		if rec := e.post(c.path, c.token, c.body); rec.Code != c.status {
			t.Errorf("%s: %d, want %d: %s", c.name, rec.Code, c.status, rec.Body)
		}
	}
	rec := e.post(path, admin, `{"reason":"gdpr request 2026-114"}`)
	if rec.Code != 200 || rec.Header().Get("X-Souq-Position") == "" {
		t.Fatalf("forget: %d %s", rec.Code, rec.Body)
	}
	u, err := usercmd.Deps{Exec: e.exec, Now: time.Now}.Load(context.Background(), id)
	if err != nil || !u.Forgotten() || u.Email() != pii.Erased || u.Profile().Name != pii.Erased {
		t.Fatalf("after forget: %v %+v", err, u)
	}
	if rec := e.post(path, admin, `{"reason":"again"}`); rec.Code != 200 {
		t.Fatalf("forget again: %d %s", rec.Code, rec.Body)
	}
	// A store that cannot erase says so instead of pretending.
	plain := newEnv(t)
	if rec := plain.post(path, plain.token(auth.Admin, "admin-1"), `{}`); rec.Code != 503 || !strings.Contains(rec.Body.String(), CodeErasureUnsupported) {
		t.Fatalf("plaintext store: %d %s", rec.Code, rec.Body)
	}
}

package writeapi

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/commands/commandstest"
	usercmd "github.com/souq-market/souq/commands/user"
	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/product"
	"github.com/souq-market/souq/domain/user"
	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/eventstore/memory"
	"github.com/souq-market/souq/internal/auth"
)

var testSecret = []byte("0123456789abcdef0123456789abcdef")

func testVerifier(t testing.TB) *auth.HMAC {
	t.Helper()
	v, err := auth.NewHMAC(testSecret, auth.Options{Issuer: "souq", Audience: "souq-api"})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// env is a write API over a memory store with two vendors' products listed.
type env struct {
	t      testing.TB
	store  eventstore.Store
	exec   *commands.Executor
	h      http.Handler
	signer *auth.HMAC
}

func newEnv(t testing.TB, opts ...func(*Deps)) *env {
	t.Helper()
	store := memory.New(memory.Options{})
	t.Cleanup(func() { _ = store.Close() })
	return newEnvOn(t, store, opts...)
}

// newEnvOn is newEnv over a store of the test's choosing.
func newEnvOn(t testing.TB, store eventstore.Store, opts ...func(*Deps)) *env {
	t.Helper()
	exec := commands.NewExecutor(store, commands.NewRegistry(), commands.Options{Logger: slog.New(slog.DiscardHandler)})
	signer := testVerifier(t)
	d := Deps{Store: store, Exec: exec, Auth: signer, Logger: slog.New(slog.DiscardHandler),
		Registry: prometheus.NewRegistry(), Version: "test", DefaultCommission: 1500}
	for _, o := range opts {
		o(&d)
	}
	api, err := New(d)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, store: store, exec: exec, h: api.Handler(), signer: signer}
	e.list("p-1", "v-1", "oud-50")
	e.list("p-2", "v-2", "musk-30")
	// The customers the tests check out as, each with a home address in
	// the UAE (the default) for checkout to ship to.
	for _, c := range []domain.CustomerID{"c-1", "c-2"} {
		commandstest.Customer(t, exec, c, domain.UAE)
	}
	return e
}

// address adds an entry to a customer's address book, as POST
// /v1/me/addresses would.
func (e *env) address(customer string, id user.AddressID, a user.Address) {
	e.t.Helper()
	stream, _ := usercmd.UserStream(user.ID(customer))
	if _, err := commands.Execute(context.Background(), e.exec, commands.Meta{Actor: eventstore.Actor{UserID: customer, Role: "customer"}},
		commands.Step[*user.User]{Stream: stream, New: func() *user.User { return user.New(user.ID(customer)) },
			Decide: func(u *user.User) error { return u.AddAddress(user.AddAddress{AddressID: id, Address: a}, time.Now()) }}); err != nil {
		e.t.Fatalf("address %s of %s: %v", id, customer, err)
	}
}

// list puts a product on sale through the executor, as the product
// commands (a later part) will.
func (e *env) list(id, vendor, sku string) {
	e.t.Helper()
	aed, _ := domain.New(25000, domain.AED)
	sar, _ := domain.New(26000, domain.SAR)
	stream, _ := commands.ProductStream(domain.ProductID(id))
	_, err := commands.Execute(context.Background(), e.exec, commands.Meta{Actor: eventstore.Actor{UserID: vendor, Role: "vendor"}},
		commands.Step[*product.Product]{Stream: stream, New: func() *product.Product { return product.New(domain.ProductID(id)) },
			Decide: func(p *product.Product) error {
				return p.List(product.List{VendorID: domain.VendorID(vendor), Details: product.Details{
					Name: product.Name{English: "Oud " + id, Arabic: "عود"}, Brand: "Souq", Category: product.Oud,
					Gender: product.Unisex, Origin: product.Original,
				}, Variants: []product.Variant{{SKU: domain.SKU(sku), SizeML: 50, Prices: map[domain.Currency]domain.Money{domain.AED: aed, domain.SAR: sar}}}}, time.Now())
			}})
	if err != nil {
		e.t.Fatalf("list %s: %v", id, err)
	}
}

func (e *env) token(role auth.Role, user string) string {
	e.t.Helper()
	tok, err := e.signer.Sign(auth.Actor{UserID: user, Role: role, VendorID: user}, time.Hour)
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

// post sends a JSON body; headers are name, value pairs.
func (e *env) post(path, token, body string, headers ...string) *httptest.ResponseRecorder {
	e.t.Helper()
	req := httptest.NewRequest("POST", path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			req.Header.Del(headers[i])
			continue
		}
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	return rec
}

func (e *env) head() eventstore.Position {
	e.t.Helper()
	p, err := e.store.Head(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	return p
}

func (e *env) last(stream string) eventstore.RecordedEvent {
	e.t.Helper()
	recs, err := e.store.ReadStream(context.Background(), stream, eventstore.ReadStreamOptions{Direction: eventstore.Backwards, From: eventstore.End, Limit: 1})
	if err != nil {
		e.t.Fatalf("read %s: %v", stream, err)
	}
	return recs[0]
}

func answer(t testing.TB, rec *httptest.ResponseRecorder) Answer {
	t.Helper()
	var a Answer
	d := json.NewDecoder(bytes.NewReader(rec.Body.Bytes()))
	d.DisallowUnknownFields()
	if err := d.Decode(&a); err != nil {
		t.Fatalf("answer %d %s: %v", rec.Code, rec.Body, err)
	}
	return a
}

func problem(t testing.TB, rec *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	var p map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
		t.Fatalf("problem %d %q: %v", rec.Code, rec.Body, err)
	}
	return p
}

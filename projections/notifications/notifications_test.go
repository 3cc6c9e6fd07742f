package notifications

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/order"
	"github.com/souq-market/souq/domain/payment"
	"github.com/souq-market/souq/domain/shipment"
	"github.com/souq-market/souq/domain/user"
	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/internal/notify"
	"github.com/souq-market/souq/projections"
	"github.com/souq-market/souq/projections/viewtest"
)

// fake is a provider: it records what it acknowledged, and fails the first
// failures attempts with err.
type fake struct {
	ch       notify.Channel
	mu       sync.Mutex
	sent     []notify.Message
	attempts int
	failures int
	err      error
}

func (f *fake) Channel() notify.Channel { return f.ch }

func (f *fake) Send(_ context.Context, m notify.Message) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.attempts++
	if f.attempts <= f.failures {
		return f.err
	}
	f.sent = append(f.sent, m)
	return nil
}

func (f *fake) bodies() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, m := range f.sent {
		out = append(out, m.To+" "+m.Body)
	}
	sort.Strings(out)
	return out
}

func streams() Streams {
	return Streams{
		Order:    func(id domain.OrderID) (string, error) { return "order-" + string(id), nil },
		Shipment: func(id domain.ShipmentID) (string, error) { return "shipment-" + string(id), nil },
		User:     func(id user.ID) (string, error) { return "user-" + string(id), nil },
	}
}

func registry() *eventstore.Registry {
	return viewtest.Registry(order.Events(), payment.Events(), shipment.Events(), user.Events())
}

// history: Mariam (Arabic, a phone) and Omar (English, no phone) each buy;
// Mariam's order ships, goes out for delivery, is delivered and partly
// refunded. Nine notices in all: five for Mariam, one for Omar (confirmed),
// plus events no one is told about.
func history(t *testing.T) *viewtest.History {
	h := viewtest.NewHistory(t, registry())
	at := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	aed := func(minor int64) domain.Money { m, _ := domain.New(minor, "AED"); return m }
	h.Add("user-c1", user.Registered{UserID: "c1", Email: "mariam@example.ae", Role: user.Customer,
		Profile: user.Profile{Name: "مريم", Phone: "+971501234567", Locale: "ar"}, At: at})
	h.Add("user-c2", user.Registered{UserID: "c2", Email: "omar@example.com", Role: user.Customer,
		Profile: user.Profile{Name: "Omar", Locale: "en"}, At: at})
	z := aed(0)
	totals := order.Totals{Subtotal: z, Discount: z, Shipping: z, Total: z, VAT: z, Cashback: z, Wallet: z, Due: z}
	h.Add("order-o1", order.Placed{OrderID: "o1", CustomerID: "c1", Totals: totals, At: at})
	h.Add("order-o2", order.Placed{OrderID: "o2", CustomerID: "c2", Totals: totals, At: at})
	h.Add("order-o1", order.Confirmed{At: at})
	h.Add("order-o2", order.Confirmed{At: at})
	h.Add("shipment-s1", shipment.Created{ShipmentID: "s1", OrderID: "o1", SubOrderID: "o1-v1", Carrier: shipment.Aramex, TrackingNumber: "TN1", At: at})
	h.Add("order-o1", order.SubOrderShipped{SubOrderID: "o1-v1", ShipmentID: "s1", At: at})
	h.Add("shipment-s1", shipment.StatusChanged{CarrierEventID: "e1", Status: shipment.InTransit, At: at})
	h.Add("shipment-s1", shipment.StatusChanged{CarrierEventID: "e2", Status: shipment.OutForDelivery, At: at})
	h.Add("shipment-s1", shipment.StatusChanged{CarrierEventID: "e3", Status: shipment.Delivered, At: at})
	h.Add("payment-p1", payment.Initiated{PaymentID: "p1", OrderID: "o1", CustomerID: "c1", Amount: aed(10000), At: at})
	h.Add("payment-p1", payment.Refunded{RefundID: "r1", Amount: aed(2500), At: at})
	return h
}

func project(t *testing.T, db viewtest.DB, st eventstore.Store, ns ...notify.Notifier) *Projector {
	t.Helper()
	p, err := New(context.Background(), Deps{Store: st, Reg: registry(), DB: db.W, Dialect: db.Dialect,
		Notifiers: ns, Streams: streams(), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	viewtest.Project(t, db, st, p)
	return p
}

func TestEachEventNotifiedOncePerChannelInTheCustomersLanguage(t *testing.T) {
	viewtest.Each(t, func(t *testing.T, db viewtest.DB) {
		h := history(t)
		email, sms := &fake{ch: notify.Email}, &fake{ch: notify.SMS}
		// Every batch comes again with a run of old events, and the whole
		// history once more from the start.
		st := viewtest.Redelivering{Store: h.Store, Seed: 7}
		p := project(t, db, st, email, sms)

		got := email.bodies()
		if len(got) != 6 {
			t.Fatalf("%d emails, want 6 (5 for Mariam, 1 for Omar):\n%s", len(got), strings.Join(got, "\n"))
		}
		want := []string{
			"mariam@example.ae مرحباً مريم، تم تأكيد طلبك o1.",
			"mariam@example.ae مرحباً مريم، طلبك o1 في الطريق مع aramex، رقم التتبع TN1.",
			"mariam@example.ae مرحباً مريم، طلبك o1 خرج للتوصيل اليوم مع aramex (رقم التتبع TN1).",
			"mariam@example.ae مرحباً مريم، تم توصيل طلبك o1.",
			"mariam@example.ae مرحباً مريم، أعدنا لك مبلغ AED 25.00 عن طلبك o1.",
			"omar@example.com Hello Omar, your order o2 is confirmed.",
		}
		for _, w := range want {
			if !containsPrefix(got, w) {
				t.Errorf("no email starting %q in\n%s", w, strings.Join(got, "\n"))
			}
		}
		if s := sms.bodies(); len(s) != 5 || !strings.HasPrefix(s[0], "+971501234567 ") {
			t.Errorf("sms: %d messages, want Mariam's 5 (Omar has no phone):\n%s", len(s), strings.Join(s, "\n"))
		}
		// Each message names its customer by ID, for the log notifier's line.
		for _, m := range email.sent {
			if want := map[string]string{"mariam@example.ae": "c1", "omar@example.com": "c2"}[m.To]; m.UserID != want {
				t.Errorf("the message to %s names user %q, want %q", m.To, m.UserID, want)
			}
		}

		// A replay of the whole history (after a Reset, or a lost
		// checkpoint) sends nothing again.
		if err := p.Reset(context.Background()); err != nil {
			t.Fatal(err)
		}
		if err := p.Handle(context.Background(), viewtest.Events(t, h.Store)); err != nil {
			t.Fatal(err)
		}
		if n, m := len(email.bodies()), len(sms.bodies()); n != 6 || m != 5 {
			t.Errorf("after a replay %d emails and %d sms, want 6 and 5", n, m)
		}
	})
}

func containsPrefix(list []string, prefix string) bool {
	for _, s := range list {
		if strings.HasPrefix(s, prefix) {
			return true
		}
	}
	return false
}

func TestProviderOutageIsRetriedNeverParkedNeverDuplicated(t *testing.T) {
	viewtest.Each(t, func(t *testing.T, db viewtest.DB) {
		h := history(t)
		// More failures than the runner's Attempts (5): a non-transient
		// error would have parked the event.
		down := &fake{ch: notify.WhatsApp, failures: 8, err: errors.New("connection refused")}
		email := &fake{ch: notify.Email}
		project(t, db, h.Store, email, down) // CatchUp fails the test on any parked event
		if got := down.bodies(); len(got) != 5 {
			t.Errorf("whatsapp sent %d, want 5 once each:\n%s", len(got), strings.Join(got, "\n"))
		}
		if down.attempts != 5+8 {
			t.Errorf("whatsapp tried %d times, want 13 (8 failures, 5 sends)", down.attempts)
		}
		// The email channel sent each message once although its batch was
		// retried eight times.
		if got := email.bodies(); len(got) != 6 {
			t.Errorf("email sent %d, want 6:\n%s", len(got), strings.Join(got, "\n"))
		}
	})
}

func TestRefusalIsRecordedNotRetried(t *testing.T) {
	db := viewtest.SQLite(t)
	h := history(t)
	sms := &fake{ch: notify.SMS, failures: 1, err: fmt.Errorf("%w: 400 invalid number", notify.ErrRejected)}
	project(t, db, h.Store, sms)
	if sms.attempts != 5 || len(sms.sent) != 4 {
		t.Errorf("%d attempts, %d sent; want 5 and 4 (the refused one not retried)", sms.attempts, len(sms.sent))
	}
	var outcomes string
	rows, err := db.R.Query(`SELECT outcome FROM ` + Table + ` ORDER BY outcome`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var o string
		_ = rows.Scan(&o)
		outcomes += o + " "
	}
	if outcomes != "rejected sent sent sent sent " {
		t.Errorf("sent-log outcomes %q", outcomes)
	}
}

var _ projections.Idempotent = (*Projector)(nil)

// TestForgottenCustomerIsNotTold: after user.forgotten the customer's
// contact reads as erased; no notice is sent to it on any channel.
func TestForgottenCustomerIsNotTold(t *testing.T) {
	db := viewtest.SQLite(t)
	h := viewtest.NewHistory(t, registry())
	at := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	z, _ := domain.New(0, "AED")
	totals := order.Totals{Subtotal: z, Discount: z, Shipping: z, Total: z, VAT: z, Cashback: z, Wallet: z, Due: z}
	h.Add("user-c2", user.Registered{UserID: "c2", Email: "[erased]", Role: user.Customer,
		Profile: user.Profile{Name: "[erased]", Phone: "[erased]", Locale: "en"}, At: at})
	h.Add("user-c2", user.Forgotten{By: "admin-1", At: at})
	h.Add("order-o2", order.Placed{OrderID: "o2", CustomerID: "c2", Totals: totals, At: at})
	h.Add("order-o2", order.Confirmed{At: at})
	email, sms := &fake{ch: notify.Email}, &fake{ch: notify.SMS}
	project(t, db, h.Store, email, sms)
	if n, m := len(email.bodies()), len(sms.bodies()); n != 0 || m != 0 {
		t.Fatalf("a forgotten customer was sent %d emails and %d sms: %v %v", n, m, email.bodies(), sms.bodies())
	}
}

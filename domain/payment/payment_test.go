package payment_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/domaintest"
	"github.com/souq-market/souq/domain/payment"
)

var t0 = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)

func sar(t testing.TB, n int64) domain.Money { return domaintest.Money(t, n, domain.SAR) }

func initiated(t testing.TB, m payment.Method) payment.Initiated {
	return payment.Initiated{PaymentID: "p-1", OrderID: "o-1", CustomerID: "c-1", Method: m, Provider: "stripe", ProviderRef: "pi_1", Amount: sar(t, 10000), At: t0}
}

func ev(id string) payment.ProviderEvent {
	return payment.ProviderEvent{EventID: id, ProviderRef: "pi_1"}
}

func authorized(t testing.TB) payment.Authorized {
	return payment.Authorized{ProviderEventID: "evt_auth", Amount: sar(t, 10000), At: t0}
}

func captured(t testing.TB, id string, n int64) payment.Captured {
	return payment.Captured{ProviderEventID: id, Amount: sar(t, n), At: t0}
}

func given(events ...domain.Event) *payment.Payment {
	p := payment.New("p-1")
	for _, e := range events {
		p.Apply(e)
	}
	return p
}

func TestInitiate(t *testing.T) {
	cmd := payment.Initiate{OrderID: "o-1", CustomerID: "c-1", Method: payment.Card, Provider: "stripe", ProviderRef: "pi_1", Amount: sar(t, 10000)}
	p := given()
	if err := p.Initiate(cmd, t0); err != nil {
		t.Fatal(err)
	}
	domaintest.Then(t, p.Changes(), initiated(t, payment.Card))
	if p.Status() != payment.StatusInitiated {
		t.Fatal(p.Status())
	}

	p = given(initiated(t, payment.Card))
	if err := p.Initiate(cmd, t0); err != nil {
		t.Fatal(err)
	}
	domaintest.Then(t, p.Changes())
	other := cmd
	other.Amount = sar(t, 9999)
	domaintest.Refused(t, p.Initiate(other, t0), p.Changes(), domain.Conflict, payment.CodeAmountMismatch)
	other = cmd
	other.ProviderRef = "pi_2"
	domaintest.Refused(t, p.Initiate(other, t0), p.Changes(), domain.Conflict, payment.CodeAlreadyInitiated)

	err := given().Initiate(payment.Initiate{Method: "cheque", Amount: sar(t, 0)}, t0)
	domaintest.Problems(t, err, "order_id", "customer_id", "method", "provider", "provider_ref", "amount")
}

func TestRequireActionAndAuthorize(t *testing.T) {
	p := given(initiated(t, payment.Card))
	if err := p.RequireAction(payment.RequireAction{Event: ev("evt_3ds")}, t0); err != nil {
		t.Fatal(err)
	}
	domaintest.Then(t, p.Changes(), payment.ActionRequired{ProviderEventID: "evt_3ds", At: t0})

	p = given(initiated(t, payment.Card), payment.ActionRequired{ProviderEventID: "evt_3ds"})
	if err := p.Authorize(payment.Authorize{Event: ev("evt_auth"), Amount: sar(t, 10000)}, t0); err != nil {
		t.Fatal(err)
	}
	domaintest.Then(t, p.Changes(), authorized(t))

	t.Run("duplicate changes nothing", func(t *testing.T) {
		p := given(initiated(t, payment.Card), authorized(t))
		if err := p.Authorize(payment.Authorize{Event: ev("evt_auth"), Amount: sar(t, 10000)}, t0); err != nil {
			t.Fatal(err)
		}
		domaintest.Then(t, p.Changes())
	})
	t.Run("late action event does not move back", func(t *testing.T) {
		p := given(initiated(t, payment.Card), authorized(t))
		if err := p.RequireAction(payment.RequireAction{Event: ev("evt_3ds")}, t0); err != nil {
			t.Fatal(err)
		}
		domaintest.Then(t, p.Changes())
		if p.Status() != payment.StatusAuthorized {
			t.Fatal(p.Status())
		}
	})
	t.Run("other amount under the same reference", func(t *testing.T) {
		p := given(initiated(t, payment.Card))
		err := p.Authorize(payment.Authorize{Event: ev("evt_auth"), Amount: sar(t, 100)}, t0)
		domaintest.Refused(t, err, p.Changes(), domain.Conflict, payment.CodeAmountMismatch)
	})
	t.Run("wrong reference", func(t *testing.T) {
		p := given(initiated(t, payment.Card))
		err := p.Authorize(payment.Authorize{Event: payment.ProviderEvent{EventID: "e", ProviderRef: "pi_9"}, Amount: sar(t, 10000)}, t0)
		domaintest.Refused(t, err, p.Changes(), domain.Conflict, payment.CodeAlreadyInitiated)
	})
	t.Run("after failure", func(t *testing.T) {
		p := given(initiated(t, payment.Card), payment.Failed{Code: "card_declined"})
		err := p.Authorize(payment.Authorize{Event: ev("evt_auth"), Amount: sar(t, 10000)}, t0)
		domaintest.Refused(t, err, p.Changes(), domain.Conflict, payment.CodeEnded)
	})
	t.Run("not initiated", func(t *testing.T) {
		p := given()
		err := p.Authorize(payment.Authorize{Event: ev("evt_auth"), Amount: sar(t, 10000)}, t0)
		domaintest.Refused(t, err, p.Changes(), domain.NotFound, payment.CodeNotInitiated)
	})
}

func TestCapture(t *testing.T) {
	p := given(initiated(t, payment.Card), authorized(t))
	if err := p.Capture(payment.Capture{Event: ev("evt_c1"), Amount: sar(t, 6000)}, t0); err != nil {
		t.Fatal(err)
	}
	domaintest.Then(t, p.Changes(), captured(t, "evt_c1", 6000))
	if p.Captured() != sar(t, 6000) || p.Status() != payment.StatusCaptured {
		t.Fatal(p.Captured())
	}
	t.Run("partial then the rest", func(t *testing.T) {
		p := given(initiated(t, payment.Card), authorized(t), captured(t, "evt_c1", 6000))
		err := p.Capture(payment.Capture{Event: ev("evt_c2"), Amount: sar(t, 4001)}, t0)
		domaintest.Refused(t, err, p.Changes(), domain.Conflict, payment.CodeOverCapture)
		if err := p.Capture(payment.Capture{Event: ev("evt_c2"), Amount: sar(t, 4000)}, t0); err != nil {
			t.Fatal(err)
		}
		domaintest.Then(t, p.Changes(), captured(t, "evt_c2", 4000))
	})
	t.Run("the same provider event twice captures once", func(t *testing.T) {
		p := given(initiated(t, payment.Card), authorized(t), captured(t, "evt_c1", 6000))
		for range 20 {
			if err := p.Capture(payment.Capture{Event: ev("evt_c1"), Amount: sar(t, 6000)}, t0); err != nil {
				t.Fatal(err)
			}
		}
		domaintest.Then(t, p.Changes())
		if p.Captured() != sar(t, 6000) {
			t.Fatal(p.Captured())
		}
	})
	t.Run("card needs an authorization", func(t *testing.T) {
		p := given(initiated(t, payment.Card))
		err := p.Capture(payment.Capture{Event: ev("evt_c1"), Amount: sar(t, 1)}, t0)
		domaintest.Refused(t, err, p.Changes(), domain.Conflict, payment.CodeNotAuthorized)
	})
	t.Run("cash on delivery is captured by the carrier's delivery", func(t *testing.T) {
		p := given(initiated(t, payment.COD))
		if err := p.Capture(payment.Capture{Event: ev("aramex-delivered-1"), Amount: sar(t, 10000)}, t0); err != nil {
			t.Fatal(err)
		}
		domaintest.Then(t, p.Changes(), captured(t, "aramex-delivered-1", 10000))
		err := p.Capture(payment.Capture{Event: ev("aramex-delivered-2"), Amount: sar(t, 1)}, t0)
		domaintest.Refused(t, err, p.Changes()[1:], domain.Conflict, payment.CodeOverCapture)
	})
	t.Run("other currency", func(t *testing.T) {
		p := given(initiated(t, payment.COD))
		err := p.Capture(payment.Capture{Event: ev("e"), Amount: domaintest.Money(t, 1, domain.AED)}, t0)
		domaintest.Problems(t, err, "amount")
	})
	t.Run("cancelled", func(t *testing.T) {
		p := given(initiated(t, payment.Card), authorized(t), payment.Cancelled{})
		err := p.Capture(payment.Capture{Event: ev("e"), Amount: sar(t, 1)}, t0)
		domaintest.Refused(t, err, p.Changes(), domain.Conflict, payment.CodeEnded)
	})
}

func TestFailAndCancel(t *testing.T) {
	p := given(initiated(t, payment.Card))
	if err := p.Fail(payment.Fail{Event: ev("evt_f"), Code: "card_declined", Reason: "insufficient funds"}, t0); err != nil {
		t.Fatal(err)
	}
	domaintest.Then(t, p.Changes(), payment.Failed{ProviderEventID: "evt_f", Code: "card_declined", Reason: "insufficient funds", At: t0})

	p = given(initiated(t, payment.Card), authorized(t))
	if err := p.Cancel(payment.Cancel{Reason: "reservation expired"}, t0); err != nil {
		t.Fatal(err)
	}
	domaintest.Then(t, p.Changes(), payment.Cancelled{Reason: "reservation expired", At: t0})

	p = given(initiated(t, payment.Card), authorized(t), captured(t, "c", 10))
	domaintest.Refused(t, p.Cancel(payment.Cancel{}, t0), p.Changes(), domain.Conflict, payment.CodeNotCancellable)
	domaintest.Refused(t, p.Fail(payment.Fail{Code: "x"}, t0), p.Changes(), domain.Conflict, payment.CodeEnded)

	p = given(initiated(t, payment.Card), payment.Cancelled{})
	if err := p.Cancel(payment.Cancel{}, t0); err != nil {
		t.Fatal(err)
	}
	domaintest.Then(t, p.Changes())
	domaintest.Refused(t, p.Fail(payment.Fail{Code: "x"}, t0), p.Changes(), domain.Conflict, payment.CodeEnded)
	domaintest.Refused(t, given().Cancel(payment.Cancel{}, t0), nil, domain.NotFound, payment.CodeNotInitiated)
	domaintest.Problems(t, given(initiated(t, payment.Card)).Fail(payment.Fail{}, t0), "code")
}

func TestRefund(t *testing.T) {
	p := given(initiated(t, payment.Card), authorized(t), captured(t, "c1", 8000))
	if err := p.Refund(payment.Refund{RefundID: "re-1", Amount: sar(t, 3000), Reason: "return"}, t0); err != nil {
		t.Fatal(err)
	}
	domaintest.Then(t, p.Changes(), payment.Refunded{RefundID: "re-1", Amount: sar(t, 3000), Reason: "return", At: t0})
	if p.Status() != payment.StatusPartiallyRefunded || p.Refundable() != sar(t, 5000) {
		t.Fatal(p.Status(), p.Refundable())
	}
	t.Run("never more than captured", func(t *testing.T) {
		p := given(initiated(t, payment.Card), authorized(t), captured(t, "c1", 8000), payment.Refunded{RefundID: "re-1", Amount: sar(t, 3000)})
		err := p.Refund(payment.Refund{RefundID: "re-2", Amount: sar(t, 5001)}, t0)
		domaintest.Refused(t, err, p.Changes(), domain.Conflict, payment.CodeOverRefund)
		if err := p.Refund(payment.Refund{RefundID: "re-2", Amount: sar(t, 5000)}, t0); err != nil {
			t.Fatal(err)
		}
		if p.Status() != payment.StatusRefunded {
			t.Fatal(p.Status())
		}
	})
	t.Run("retry and reuse", func(t *testing.T) {
		p := given(initiated(t, payment.Card), authorized(t), captured(t, "c1", 8000), payment.Refunded{RefundID: "re-1", Amount: sar(t, 3000)})
		if err := p.Refund(payment.Refund{RefundID: "re-1", Amount: sar(t, 3000)}, t0); err != nil {
			t.Fatal(err)
		}
		domaintest.Then(t, p.Changes())
		err := p.Refund(payment.Refund{RefundID: "re-1", Amount: sar(t, 100)}, t0)
		domaintest.Refused(t, err, p.Changes(), domain.Conflict, payment.CodeRefundReused)
	})
	t.Run("nothing captured", func(t *testing.T) {
		p := given(initiated(t, payment.Card), authorized(t))
		err := p.Refund(payment.Refund{RefundID: "re-1", Amount: sar(t, 1)}, t0)
		domaintest.Refused(t, err, p.Changes(), domain.Conflict, payment.CodeNothingCaptured)
	})
}

func TestChargeback(t *testing.T) {
	p := given(initiated(t, payment.Card), authorized(t), captured(t, "c1", 8000), payment.Refunded{RefundID: "re-1", Amount: sar(t, 3000)})
	err := p.Chargeback(payment.Chargeback{Event: ev("dp_1"), Amount: sar(t, 5001)}, t0)
	domaintest.Refused(t, err, p.Changes(), domain.Conflict, payment.CodeOverChargeback)
	if err := p.Chargeback(payment.Chargeback{Event: ev("dp_1"), Amount: sar(t, 5000), Reason: "fraudulent"}, t0); err != nil {
		t.Fatal(err)
	}
	domaintest.Then(t, p.Changes(), payment.ChargedBack{ProviderEventID: "dp_1", Amount: sar(t, 5000), Reason: "fraudulent", At: t0})
	if p.Status() != payment.StatusChargedBack || !p.Refundable().IsZero() {
		t.Fatal(p.Status())
	}
	err = p.Refund(payment.Refund{RefundID: "re-2", Amount: sar(t, 1)}, t0)
	domaintest.Refused(t, err, p.Changes()[1:], domain.Conflict, payment.CodeOverRefund)
}

// TestRandomSequences: whatever provider events arrive, duplicated and in
// any order, refunds + chargebacks ≤ captures ≤ the authorized amount.
func TestRandomSequences(t *testing.T) {
	for seed := range uint64(30) {
		r := rand.New(rand.NewPCG(seed, 9))
		method := []payment.Method{payment.Card, payment.COD, payment.Wallet}[seed%3]
		p := given(initiated(t, method))
		for step := range 300 {
			id := fmt.Sprintf("evt_%d", r.IntN(40)) // collisions are duplicates
			amount := sar(t, 1+r.Int64N(4000))
			switch r.IntN(8) {
			case 0:
				_ = p.RequireAction(payment.RequireAction{Event: ev(id)}, t0)
			case 1:
				_ = p.Authorize(payment.Authorize{Event: ev(id), Amount: sar(t, 10000)}, t0)
			case 2, 3:
				_ = p.Capture(payment.Capture{Event: ev(id), Amount: amount}, t0)
			case 4, 5:
				_ = p.Refund(payment.Refund{RefundID: fmt.Sprintf("re-%d", r.IntN(40)), Amount: amount}, t0)
			case 6:
				_ = p.Chargeback(payment.Chargeback{Event: ev(id), Amount: amount}, t0)
			case 7:
				if r.IntN(10) == 0 {
					_ = p.Cancel(payment.Cancel{}, t0)
				}
			}
			c, rf, cb := p.Captured().Amount(), p.Refunded().Amount(), p.ChargedBack().Amount()
			if rf < 0 || cb < 0 || rf+cb > c || c > 10000 || (method == payment.Card && c > p.Authorized().Amount()) {
				t.Fatalf("seed %d step %d: captured %d refunded %d charged back %d authorized %v", seed, step, c, rf, cb, p.Authorized())
			}
		}
		replay := given(append([]domain.Event{initiated(t, method)}, p.Changes()...)...)
		if replay.Captured() != p.Captured() || replay.Refunded() != p.Refunded() || replay.Status() != p.Status() {
			t.Fatalf("seed %d: replay differs", seed)
		}
	}
}

func TestGolden(t *testing.T) {
	samples := []domain.Event{
		initiated(t, payment.Card),
		payment.ActionRequired{ProviderEventID: "evt_3ds", At: t0},
		authorized(t),
		captured(t, "evt_c1", 10000),
		payment.Failed{ProviderEventID: "evt_f", Code: "card_declined", Reason: "do not honour", At: t0},
		payment.Cancelled{Reason: "reservation expired", At: t0},
		payment.Refunded{RefundID: "re-1", ProviderEventID: "evt_r", Amount: sar(t, 2500), Reason: "return", At: t0},
		payment.ChargedBack{ProviderEventID: "dp_1", Amount: sar(t, 7500), Reason: "fraudulent", At: t0},
	}
	domaintest.Covers(t, payment.Events(), samples)
	domaintest.Golden(t, samples...)
}

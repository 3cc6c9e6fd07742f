package returns_test

import (
	"testing"
	"time"

	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/domaintest"
	"github.com/souq-market/souq/domain/returns"
)

var (
	t0         = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	windowEnds = t0.AddDate(0, 0, 14)
)

func aed(t testing.TB, n int64) domain.Money { return domaintest.Money(t, n, domain.AED) }

func items(t testing.TB) []returns.Item {
	return []returns.Item{{SKU: "oud-50", Quantity: 1, Value: aed(t, 24643)}, {SKU: "attar-12", Quantity: 2, Value: aed(t, 6571)}}
}

func request(t testing.TB) returns.Request {
	return returns.Request{OrderID: "o-1", SubOrderID: "o-1:1", CustomerID: "c-1", VendorID: "v-a", Items: items(t), Reason: returns.Damaged, Comment: "bottle cracked", WindowEnds: windowEnds}
}

func requested(t testing.TB) returns.Requested {
	return returns.Requested{ReturnID: "r-1", OrderID: "o-1", SubOrderID: "o-1:1", CustomerID: "c-1", VendorID: "v-a", Items: items(t), Total: aed(t, 31214), Reason: returns.Damaged, Comment: "bottle cracked", At: t0}
}

func given(events ...domain.Event) *returns.Return {
	r := returns.New("r-1")
	for _, e := range events {
		r.Apply(e)
	}
	return r
}

func TestRequest(t *testing.T) {
	r := given()
	if err := r.Request(request(t), t0); err != nil {
		t.Fatal(err)
	}
	domaintest.Then(t, r.Changes(), requested(t))

	r = given(requested(t))
	if err := r.Request(request(t), t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	domaintest.Then(t, r.Changes())
	other := request(t)
	other.Items = other.Items[:1]
	domaintest.Refused(t, r.Request(other, t0), nil, domain.Conflict, returns.CodeAlreadyRequested)

	domaintest.Refused(t, given().Request(request(t), windowEnds.Add(time.Second)), nil, domain.Conflict, returns.CodeWindowClosed)
	bad := returns.Request{Reason: "meh", Items: []returns.Item{{SKU: "a", Quantity: 0, Value: aed(t, 1)}, {SKU: "a", Quantity: 1, Value: domaintest.Money(t, 1, domain.SAR)}}}
	domaintest.Problems(t, given().Request(bad, t0), "order_id", "sub_order_id", "customer_id", "vendor_id", "reason", "window_ends", "items[0].quantity", "items[1].sku", "items[1].value")
}

func TestDecide(t *testing.T) {
	r := given(requested(t))
	if err := r.Approve(returns.Approve{RefundTo: returns.ToWallet}, t0); err != nil {
		t.Fatal(err)
	}
	if err := r.Approve(returns.Approve{RefundTo: returns.ToWallet}, t0); err != nil {
		t.Fatal(err)
	}
	domaintest.Then(t, r.Changes(), returns.Approved{RefundTo: returns.ToWallet, At: t0})
	domaintest.Refused(t, r.Reject(returns.Reject{Reason: "x"}, t0), nil, domain.Conflict, returns.CodeWrongStatus)

	r = given(requested(t))
	if err := r.Reject(returns.Reject{Reason: "used"}, t0); err != nil {
		t.Fatal(err)
	}
	domaintest.Then(t, r.Changes(), returns.Rejected{Reason: "used", At: t0})
	domaintest.Refused(t, r.Approve(returns.Approve{RefundTo: returns.ToCard}, t0), nil, domain.Conflict, returns.CodeWrongStatus)
	domaintest.Refused(t, r.Receive(returns.Receive{}, t0), nil, domain.Conflict, returns.CodeWrongStatus)
	domaintest.Refused(t, given().Approve(returns.Approve{RefundTo: returns.ToCard}, t0), nil, domain.NotFound, returns.CodeNotRequested)
	domaintest.Problems(t, given(requested(t)).Approve(returns.Approve{RefundTo: "cash"}, t0), "refund_to")
}

func TestReceiveAndRefund(t *testing.T) {
	approved := []domain.Event{requested(t), returns.Approved{RefundTo: returns.ToCard}}
	r := given(approved...)
	if err := r.Refund(returns.Refund{RefundID: "rf-1", Amount: aed(t, 20000)}, t0); err != nil {
		t.Fatal(err)
	}
	if err := r.Refund(returns.Refund{RefundID: "rf-1", Amount: aed(t, 20000)}, t0); err != nil {
		t.Fatal(err)
	}
	domaintest.Refused(t, r.Refund(returns.Refund{RefundID: "rf-1", Amount: aed(t, 1)}, t0), nil, domain.Conflict, returns.CodeRefundReused)
	domaintest.Refused(t, r.Refund(returns.Refund{RefundID: "rf-2", Amount: aed(t, 11215)}, t0), nil, domain.Conflict, returns.CodeOverRefund)
	if err := r.Refund(returns.Refund{RefundID: "rf-2", Amount: aed(t, 11214)}, t0); err != nil {
		t.Fatal(err)
	}
	if err := r.Receive(returns.Receive{Restock: true, Note: "sealed"}, t0); err != nil {
		t.Fatal(err)
	}
	if err := r.Receive(returns.Receive{Restock: true}, t0); err != nil {
		t.Fatal(err)
	}
	domaintest.Then(t, r.Changes(),
		returns.Refunded{RefundID: "rf-1", To: returns.ToCard, Amount: aed(t, 20000), At: t0},
		returns.Refunded{RefundID: "rf-2", To: returns.ToCard, Amount: aed(t, 11214), At: t0},
		returns.Received{Restock: true, Note: "sealed", At: t0},
	)
	if r.Refunded() != r.Total() || !r.Received() {
		t.Fatal(r.Refunded())
	}
	domaintest.Refused(t, given(requested(t)).Refund(returns.Refund{RefundID: "rf-1", Amount: aed(t, 1)}, t0), nil, domain.Conflict, returns.CodeWrongStatus)
}

func TestGolden(t *testing.T) {
	samples := []domain.Event{
		requested(t),
		returns.Approved{RefundTo: returns.ToWallet, At: t0},
		returns.Rejected{Reason: "used", At: t0},
		returns.Received{Restock: true, Note: "sealed", At: t0},
		returns.Refunded{RefundID: "rf-1", To: returns.ToWallet, Amount: aed(t, 31214), At: t0},
	}
	domaintest.Covers(t, returns.Events(), samples)
	domaintest.Golden(t, samples...)
}

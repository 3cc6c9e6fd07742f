package affiliate_test

import (
	"testing"
	"time"

	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/affiliate"
	"github.com/souq-market/souq/domain/domaintest"
)

var (
	t0        = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	payableAt = t0.AddDate(0, 0, 14)
)

func aed(t testing.TB, n int64) domain.Money { return domaintest.Money(t, n, domain.AED) }

func registered() affiliate.Registered {
	return affiliate.Registered{AffiliateID: "a-1", InfluencerID: "c-9", Name: "Noora Scents", Currency: domain.AED, CommissionRate: 500, At: t0}
}

func link() affiliate.LinkCreated {
	return affiliate.LinkCreated{LinkID: "l-1", Code: "NOORA10", At: t0}
}

func attributed(t testing.TB) affiliate.OrderAttributed {
	// 5 % of 68949 = 3447.45 → 3447.
	return affiliate.OrderAttributed{OrderID: "o-1", LinkID: "l-1", Base: aed(t, 68949), Rate: 500, Commission: aed(t, 3447), PayableAt: payableAt, At: t0}
}

func given(events ...domain.Event) *affiliate.Affiliate {
	a := affiliate.New("a-1")
	for _, e := range events {
		a.Apply(e)
	}
	return a
}

func TestRegisterAndLinks(t *testing.T) {
	a := given()
	if err := a.Register(affiliate.Register{InfluencerID: "c-9", Name: "Noora Scents", Currency: domain.AED, CommissionRate: 500}, t0); err != nil {
		t.Fatal(err)
	}
	if err := a.CreateLink(affiliate.CreateLink{LinkID: "l-1", Code: "noora10"}, t0); err != nil {
		t.Fatal(err)
	}
	if err := a.CreateLink(affiliate.CreateLink{LinkID: "l-1", Code: "NOORA10"}, t0); err != nil {
		t.Fatal(err)
	}
	if err := a.RecordClick(affiliate.RecordClick{LinkID: "l-1"}, t0); err != nil {
		t.Fatal(err)
	}
	domaintest.Then(t, a.Changes(), registered(), link(), affiliate.ClickRecorded{LinkID: "l-1", At: t0})
	if l, ok := a.LinkFor("Noora10"); !ok || l != "l-1" || a.Clicks("l-1") != 1 {
		t.Fatal(l, ok)
	}
	domaintest.Refused(t, a.CreateLink(affiliate.CreateLink{LinkID: "l-2", Code: "NOORA10"}, t0), nil, domain.Conflict, affiliate.CodeLinkExists)
	domaintest.Refused(t, a.RecordClick(affiliate.RecordClick{LinkID: "l-9"}, t0), nil, domain.NotFound, affiliate.CodeUnknownLink)
	domaintest.Problems(t, a.CreateLink(affiliate.CreateLink{LinkID: "l-3", Code: "no-way!"}, t0), "code")
	domaintest.Refused(t, given().CreateLink(affiliate.CreateLink{LinkID: "l-1", Code: "ABC"}, t0), nil, domain.NotFound, affiliate.CodeNotRegistered)
	domaintest.Problems(t, given().Register(affiliate.Register{Currency: "EUR", CommissionRate: 9000}, t0), "influencer_id", "name", "currency", "commission_rate")
}

func TestCommission(t *testing.T) {
	cmd := affiliate.AttributeOrder{OrderID: "o-1", LinkID: "l-1", Base: aed(t, 68949), PayableAt: payableAt}
	a := given(registered(), link())
	if err := a.AttributeOrder(cmd, t0); err != nil {
		t.Fatal(err)
	}
	if err := a.AttributeOrder(cmd, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	domaintest.Then(t, a.Changes(), attributed(t))
	other := cmd
	other.Base = aed(t, 1)
	domaintest.Refused(t, a.AttributeOrder(other, t0), nil, domain.Conflict, affiliate.CodeAlreadyAttributed)

	a = given(registered(), link(), attributed(t))
	domaintest.Refused(t, a.MakePayable(affiliate.MakePayable{OrderID: "o-1"}, payableAt.Add(-time.Second)), nil, domain.Conflict, affiliate.CodeNotDue)
	domaintest.Refused(t, a.ReverseCommission(affiliate.ReverseCommission{OrderID: "o-1", Amount: aed(t, 3448), Reason: "return"}, t0), nil, domain.Conflict, affiliate.CodeOverReversal)
	if err := a.ReverseCommission(affiliate.ReverseCommission{OrderID: "o-1", Amount: aed(t, 447), Reason: "return"}, t0); err != nil {
		t.Fatal(err)
	}
	if err := a.MakePayable(affiliate.MakePayable{OrderID: "o-1"}, payableAt); err != nil {
		t.Fatal(err)
	}
	if err := a.MakePayable(affiliate.MakePayable{OrderID: "o-1"}, payableAt); err != nil {
		t.Fatal(err)
	}
	domaintest.Then(t, a.Changes(), affiliate.CommissionReversed{OrderID: "o-1", Amount: aed(t, 447), Reason: "return", At: t0}, affiliate.CommissionPayable{OrderID: "o-1", Amount: aed(t, 3000), At: payableAt})
	if a.Payable() != aed(t, 3000) || !a.Pending().IsZero() {
		t.Fatal(a.Payable(), a.Pending())
	}
	domaintest.Refused(t, a.ReverseCommission(affiliate.ReverseCommission{OrderID: "o-1", Amount: aed(t, 1), Reason: "late"}, t0), nil, domain.Conflict, affiliate.CodeSettled)
	domaintest.Refused(t, a.MakePayable(affiliate.MakePayable{OrderID: "o-2"}, payableAt), nil, domain.NotFound, affiliate.CodeUnknownOrder)
}

func TestGolden(t *testing.T) {
	samples := []domain.Event{
		registered(), link(), affiliate.ClickRecorded{LinkID: "l-1", At: t0}, attributed(t),
		affiliate.CommissionReversed{OrderID: "o-1", Amount: aed(t, 447), Reason: "return", At: t0},
		affiliate.CommissionPayable{OrderID: "o-1", Amount: aed(t, 3000), At: payableAt},
	}
	domaintest.Covers(t, affiliate.Events(), samples)
	domaintest.Golden(t, samples...)
}

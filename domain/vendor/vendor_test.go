package vendor_test

import (
	"testing"
	"time"

	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/domaintest"
	"github.com/souq-market/souq/domain/vendor"
)

var t0 = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)

const iban = "AE070331234567890123456"

func aed(t testing.TB, n int64) domain.Money { return domaintest.Money(t, n, domain.AED) }

func registered() vendor.Registered {
	return vendor.Registered{VendorID: "v-a", Name: "Dar Al Oud", Country: domain.UAE, Currency: domain.AED, Email: "ops@daraloud.ae", At: t0}
}

var docs = []vendor.Document{{Kind: vendor.TradeLicence, BlobKey: "kyc/v-a/licence.pdf"}, {Kind: vendor.EmiratesID, BlobKey: "kyc/v-a/eid.pdf"}}

func account() vendor.PayoutAccount {
	return vendor.PayoutAccount{HolderName: "Dar Al Oud LLC", BankName: "Emirates NBD", IBAN: iban}
}

func approved() []domain.Event {
	return []domain.Event{registered(), vendor.KYCSubmitted{Documents: docs}, vendor.Approved{CommissionRate: 1500}}
}

func given(events ...domain.Event) *vendor.Vendor {
	v := vendor.New("v-a")
	for _, e := range events {
		v.Apply(e)
	}
	return v
}

func with(base []domain.Event, more ...domain.Event) []domain.Event {
	return append(append([]domain.Event(nil), base...), more...)
}

func TestOnboarding(t *testing.T) {
	v := given()
	if err := v.Register(vendor.Register{Name: "Dar Al Oud", Country: domain.UAE, Email: "ops@daraloud.ae"}, t0); err != nil {
		t.Fatal(err)
	}
	if err := v.SubmitKYC(vendor.SubmitKYC{Documents: docs}, t0); err != nil {
		t.Fatal(err)
	}
	if err := v.Reject(vendor.Reject{Reason: "licence expired"}, t0); err != nil {
		t.Fatal(err)
	}
	if err := v.SubmitKYC(vendor.SubmitKYC{Documents: docs}, t0); err != nil {
		t.Fatal(err)
	}
	if err := v.Approve(vendor.Approve{CommissionRate: 1500}, t0); err != nil {
		t.Fatal(err)
	}
	domaintest.Then(t, v.Changes(), registered(), vendor.KYCSubmitted{Documents: docs, At: t0}, vendor.Rejected{Reason: "licence expired", At: t0}, vendor.KYCSubmitted{Documents: docs, At: t0}, vendor.Approved{CommissionRate: 1500, At: t0})
	if !v.CanSell() || v.CommissionRate() != 1500 {
		t.Fatal(v.Status())
	}

	domaintest.Problems(t, given().Register(vendor.Register{Country: "US", Email: "nope"}, t0), "name", "country", "email")
	domaintest.Refused(t, given(registered()).Register(vendor.Register{Name: "Other", Country: domain.UAE, Email: "a@b.ae"}, t0), nil, domain.Conflict, vendor.CodeAlreadyRegistered)
	domaintest.Refused(t, given(registered()).Approve(vendor.Approve{CommissionRate: 1000}, t0), nil, domain.Conflict, vendor.CodeWrongStatus)
	domaintest.Refused(t, given().SubmitKYC(vendor.SubmitKYC{Documents: docs}, t0), nil, domain.NotFound, vendor.CodeNotRegistered)
	domaintest.Problems(t, given(registered()).SubmitKYC(vendor.SubmitKYC{Documents: []vendor.Document{{Kind: "selfie"}}}, t0), "documents[0].kind", "documents[0].blob_key")
	domaintest.Problems(t, given(with(approved())...).ChangeCommission(vendor.ChangeCommission{CommissionRate: 10001}, t0), "commission_rate")
}

func TestSuspension(t *testing.T) {
	v := given(approved()...)
	if err := v.Suspend(vendor.Suspend{Reason: "counterfeits reported"}, t0); err != nil {
		t.Fatal(err)
	}
	if err := v.Suspend(vendor.Suspend{Reason: "again"}, t0); err != nil {
		t.Fatal(err)
	}
	if v.CanSell() {
		t.Fatal("suspended vendor sells")
	}
	if err := v.Reinstate(vendor.Reinstate{}, t0); err != nil {
		t.Fatal(err)
	}
	domaintest.Then(t, v.Changes(), vendor.Suspended{Reason: "counterfeits reported", At: t0}, vendor.Reinstated{At: t0})
	domaintest.Refused(t, given(registered()).Suspend(vendor.Suspend{Reason: "x"}, t0), nil, domain.Conflict, vendor.CodeWrongStatus)
}

func TestIBAN(t *testing.T) {
	for _, tc := range []struct {
		iban string
		c    domain.Country
		ok   bool
	}{
		{iban, domain.UAE, true},
		{"SA0380000000608010167519", domain.SaudiArabia, true},
		{"AE070331234567890123457", domain.UAE, false}, // check digits
		{iban, domain.SaudiArabia, false},              // other country
		{"AE07 0331 2345 6789 0123", domain.UAE, false},
	} {
		if got := vendor.ValidIBAN(tc.iban, tc.c); got != tc.ok {
			t.Errorf("%s %s: %v", tc.iban, tc.c, got)
		}
	}
	v := given(approved()...)
	domaintest.Problems(t, v.SetPayoutAccount(vendor.SetPayoutAccount{Account: vendor.PayoutAccount{IBAN: "AE070331234567890123457"}}, t0), "account.holder_name", "account.bank_name", "account.iban")
	if err := v.SetPayoutAccount(vendor.SetPayoutAccount{Account: account()}, t0); err != nil {
		t.Fatal(err)
	}
	domaintest.Then(t, v.Changes(), vendor.PayoutAccountSet{Account: account(), At: t0})
}

func TestEarnings(t *testing.T) {
	payableAt := t0.AddDate(0, 0, 14)
	rec := vendor.EarningRecorded{SubOrderID: "o-1:1", OrderID: "o-1", Gross: aed(t, 59141), Commission: aed(t, 8871), Amount: aed(t, 50270), PayableAt: payableAt, At: t0}
	cmd := vendor.RecordEarning{SubOrderID: "o-1:1", OrderID: "o-1", Gross: aed(t, 59141), Commission: aed(t, 8871), PayableAt: payableAt}

	v := given(approved()...)
	if err := v.RecordEarning(cmd, t0); err != nil {
		t.Fatal(err)
	}
	domaintest.Then(t, v.Changes(), rec)
	if v.Pending() != aed(t, 50270) || !v.Payable().IsZero() {
		t.Fatal(v.Pending())
	}

	v = given(with(approved(), rec)...)
	if err := v.RecordEarning(cmd, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	domaintest.Then(t, v.Changes())
	cmd.Gross = aed(t, 1)
	cmd.Commission = aed(t, 0)
	domaintest.Refused(t, v.RecordEarning(cmd, t0), nil, domain.Conflict, vendor.CodeEarningExists)

	// Return window: not payable before, reversible before.
	domaintest.Refused(t, v.MakePayable(vendor.MakePayable{SubOrderID: "o-1:1"}, payableAt.Add(-time.Second)), nil, domain.Conflict, vendor.CodeEarningNotDue)
	domaintest.Refused(t, v.ReverseEarning(vendor.ReverseEarning{SubOrderID: "o-1:1", Amount: aed(t, 50271), Reason: "return"}, t0), nil, domain.Conflict, vendor.CodeOverReversal)
	if err := v.ReverseEarning(vendor.ReverseEarning{SubOrderID: "o-1:1", Amount: aed(t, 270), Reason: "return"}, t0); err != nil {
		t.Fatal(err)
	}
	if err := v.MakePayable(vendor.MakePayable{SubOrderID: "o-1:1"}, payableAt); err != nil {
		t.Fatal(err)
	}
	domaintest.Then(t, v.Changes(), vendor.EarningReversed{SubOrderID: "o-1:1", Amount: aed(t, 270), Reason: "return", At: t0}, vendor.EarningPayable{SubOrderID: "o-1:1", Amount: aed(t, 50000), At: payableAt})
	if v.Payable() != aed(t, 50000) || !v.Pending().IsZero() {
		t.Fatal(v.Payable(), v.Pending())
	}
	domaintest.Refused(t, v.ReverseEarning(vendor.ReverseEarning{SubOrderID: "o-1:1", Amount: aed(t, 1), Reason: "late"}, t0), nil, domain.Conflict, vendor.CodeEarningSettled)

	// Payouts: need an account, never above payable, frozen when suspended.
	domaintest.Refused(t, v.PayOut(vendor.PayOut{PayoutID: "po-1", Amount: aed(t, 1)}, t0), nil, domain.Precondition, vendor.CodeNoPayoutAccount)
	v = given(with(approved(), rec, vendor.EarningPayable{SubOrderID: "o-1:1", Amount: aed(t, 50270)}, vendor.PayoutAccountSet{Account: account()})...)
	domaintest.Refused(t, v.PayOut(vendor.PayOut{PayoutID: "po-1", Amount: aed(t, 50271)}, t0), nil, domain.Conflict, vendor.CodeInsufficient)
	if err := v.PayOut(vendor.PayOut{PayoutID: "po-1", Amount: aed(t, 50270)}, t0); err != nil {
		t.Fatal(err)
	}
	if err := v.PayOut(vendor.PayOut{PayoutID: "po-1", Amount: aed(t, 50270)}, t0); err != nil {
		t.Fatal(err)
	}
	domaintest.Then(t, v.Changes(), vendor.PaidOut{PayoutID: "po-1", Amount: aed(t, 50270), Account: account(), At: t0})
	if !v.Payable().IsZero() || v.PaidOut() != aed(t, 50270) {
		t.Fatal(v.Payable())
	}
	v = given(with(approved(), rec, vendor.EarningPayable{SubOrderID: "o-1:1", Amount: aed(t, 50270)}, vendor.PayoutAccountSet{Account: account()}, vendor.Suspended{Reason: "x"})...)
	domaintest.Refused(t, v.PayOut(vendor.PayOut{PayoutID: "po-1", Amount: aed(t, 1)}, t0), nil, domain.Conflict, vendor.CodeWrongStatus)
}

func TestGolden(t *testing.T) {
	samples := []domain.Event{
		registered(),
		vendor.KYCSubmitted{Documents: docs, At: t0},
		vendor.Approved{CommissionRate: 1500, At: t0},
		vendor.Rejected{Reason: "licence expired", At: t0},
		vendor.Suspended{Reason: "counterfeits reported", At: t0},
		vendor.Reinstated{At: t0},
		vendor.CommissionChanged{CommissionRate: 1200, At: t0},
		vendor.PayoutAccountSet{Account: account(), At: t0},
		vendor.EarningRecorded{SubOrderID: "o-1:1", OrderID: "o-1", Gross: aed(t, 59141), Commission: aed(t, 8871), Amount: aed(t, 50270), PayableAt: t0.AddDate(0, 0, 14), At: t0},
		vendor.EarningReversed{SubOrderID: "o-1:1", Amount: aed(t, 270), Reason: "return", At: t0},
		vendor.EarningPayable{SubOrderID: "o-1:1", Amount: aed(t, 50000), At: t0},
		vendor.PaidOut{PayoutID: "po-1", Amount: aed(t, 50000), Account: account(), At: t0},
	}
	domaintest.Covers(t, vendor.Events(), samples)
	domaintest.Golden(t, samples...)
}

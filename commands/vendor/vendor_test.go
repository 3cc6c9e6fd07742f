package vendor_test

import (
	"context"
	"testing"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/commands/commandstest"
	vendorcmd "github.com/souq-market/souq/commands/vendor"
	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/vendor"
)

const iban = "AE070331234567890123456"

func TestVendorLifecycle(t *testing.T) {
	ctx := context.Background()
	x, st := commandstest.Exec(t)
	d := vendorcmd.Deps{Exec: x, Now: commandstest.Clock(commandstest.T0)}
	must := func(r commands.Result, err error) commands.Result { t.Helper(); return commandstest.Must(r, err)(t) }
	aed := func(n int64) domain.Money { return commandstest.Money(t, n, domain.AED) }
	const v = domain.VendorID("v-a")

	reg := vendorcmd.For[vendor.Register]{VendorID: v, Cmd: vendor.Register{Name: "Dar Al Oud", Country: domain.UAE, Email: "ops@daraloud.ae"}}
	meta := commands.Meta{CommandID: "onboard-v-a"}
	must(vendorcmd.Onboard{Deps: d}.Handle(ctx, reg, meta))
	if r := must(vendorcmd.Onboard{Deps: d}.Handle(ctx, reg, meta)); !r.Replayed { // the same command twice writes once
		t.Fatalf("%+v", r)
	}
	_, err := vendorcmd.Onboard{Deps: d}.Handle(ctx, vendorcmd.For[vendor.Register]{VendorID: v, Cmd: vendor.Register{Name: "Other", Country: domain.UAE, Email: "a@b.ae"}}, commands.Meta{})
	commandstest.Refused(t, err, domain.Conflict, vendor.CodeAlreadyRegistered)
	_, err = vendorcmd.Onboard{Deps: d}.Handle(ctx, vendorcmd.For[vendor.Register]{VendorID: "v-b", Cmd: vendor.Register{Country: "US"}}, commands.Meta{})
	commandstest.Refused(t, err, domain.Invalid, domain.CodeInvalidCommand)
	_, err = vendorcmd.Approve{Deps: d}.Handle(ctx, vendorcmd.For[vendor.Approve]{VendorID: v, Cmd: vendor.Approve{CommissionRate: 1500}}, commands.Meta{})
	commandstest.Refused(t, err, domain.Conflict, vendor.CodeWrongStatus) // no KYC yet

	docs := vendorcmd.For[vendor.SubmitKYC]{VendorID: v, Cmd: vendor.SubmitKYC{Documents: []vendor.Document{{Kind: vendor.TradeLicence, BlobKey: "kyc/v-a/licence.pdf"}}}}
	must(vendorcmd.SubmitKYC{Deps: d}.Handle(ctx, docs, commands.Meta{}))
	must(vendorcmd.Reject{Deps: d}.Handle(ctx, vendorcmd.For[vendor.Reject]{VendorID: v, Cmd: vendor.Reject{Reason: "licence expired"}}, commands.Meta{}))
	must(vendorcmd.SubmitKYC{Deps: d}.Handle(ctx, docs, commands.Meta{}))
	must(vendorcmd.Approve{Deps: d}.Handle(ctx, vendorcmd.For[vendor.Approve]{VendorID: v, Cmd: vendor.Approve{CommissionRate: 1500}}, commands.Meta{}))
	_, err = vendorcmd.SetCommission{Deps: d}.Handle(ctx, vendorcmd.For[vendor.ChangeCommission]{VendorID: v, Cmd: vendor.ChangeCommission{CommissionRate: 10001}}, commands.Meta{})
	commandstest.Refused(t, err, domain.Invalid, domain.CodeInvalidCommand)
	must(vendorcmd.SetCommission{Deps: d}.Handle(ctx, vendorcmd.For[vendor.ChangeCommission]{VendorID: v, Cmd: vendor.ChangeCommission{CommissionRate: 1200}}, commands.Meta{}))
	_, err = vendorcmd.SetPayoutAccount{Deps: d}.Handle(ctx, vendorcmd.For[vendor.SetPayoutAccount]{VendorID: v, Cmd: vendor.SetPayoutAccount{Account: vendor.PayoutAccount{HolderName: "Dar Al Oud LLC", BankName: "ENBD", IBAN: "SA0380000000608010167519"}}}, commands.Meta{})
	commandstest.Refused(t, err, domain.Invalid, domain.CodeInvalidCommand) // a Saudi IBAN for a UAE vendor

	// No payout before there is an account and money payable.
	_, err = vendorcmd.RecordPayout{Deps: d}.Handle(ctx, vendorcmd.For[vendor.PayOut]{VendorID: v, Cmd: vendor.PayOut{PayoutID: "po-1", Amount: aed(100)}}, commands.Meta{})
	commandstest.Refused(t, err, domain.Precondition, vendor.CodeNoPayoutAccount)
	must(vendorcmd.SetPayoutAccount{Deps: d}.Handle(ctx, vendorcmd.For[vendor.SetPayoutAccount]{VendorID: v, Cmd: vendor.SetPayoutAccount{Account: vendor.PayoutAccount{HolderName: "Dar Al Oud LLC", BankName: "ENBD", IBAN: iban}}}, commands.Meta{}))
	payableAt := commandstest.T0.AddDate(0, 0, 14)
	must(vendorcmd.RecordEarning{Deps: d}.Handle(ctx, vendorcmd.For[vendor.RecordEarning]{VendorID: v, Cmd: vendor.RecordEarning{SubOrderID: "o-1:1", OrderID: "o-1", Gross: aed(10000), Commission: aed(1200), PayableAt: payableAt}}, commands.Meta{}))
	must(vendorcmd.ReverseEarning{Deps: d}.Handle(ctx, vendorcmd.For[vendor.ReverseEarning]{VendorID: v, Cmd: vendor.ReverseEarning{SubOrderID: "o-1:1", Amount: aed(800), Reason: "one bottle returned"}}, commands.Meta{}))
	_, err = vendorcmd.MakePayable{Deps: d}.Handle(ctx, vendorcmd.For[vendor.MakePayable]{VendorID: v, Cmd: vendor.MakePayable{SubOrderID: "o-1:1"}}, commands.Meta{})
	commandstest.Refused(t, err, domain.Conflict, vendor.CodeEarningNotDue)
	later := vendorcmd.Deps{Exec: x, Now: commandstest.Clock(payableAt)}
	must(vendorcmd.MakePayable{Deps: later}.Handle(ctx, vendorcmd.For[vendor.MakePayable]{VendorID: v, Cmd: vendor.MakePayable{SubOrderID: "o-1:1"}}, commands.Meta{}))
	_, err = vendorcmd.RecordPayout{Deps: later}.Handle(ctx, vendorcmd.For[vendor.PayOut]{VendorID: v, Cmd: vendor.PayOut{PayoutID: "po-1", Amount: aed(8001)}}, commands.Meta{})
	commandstest.Refused(t, err, domain.Conflict, vendor.CodeInsufficient)
	for range 2 { // the same payout ID again is a no-op
		must(vendorcmd.RecordPayout{Deps: later}.Handle(ctx, vendorcmd.For[vendor.PayOut]{VendorID: v, Cmd: vendor.PayOut{PayoutID: "po-1", Amount: aed(5000)}}, commands.Meta{}))
	}

	// A suspended vendor's payouts freeze until it is reinstated.
	must(vendorcmd.Suspend{Deps: later}.Handle(ctx, vendorcmd.For[vendor.Suspend]{VendorID: v, Cmd: vendor.Suspend{Reason: "counterfeits reported"}}, commands.Meta{}))
	_, err = vendorcmd.RecordPayout{Deps: later}.Handle(ctx, vendorcmd.For[vendor.PayOut]{VendorID: v, Cmd: vendor.PayOut{PayoutID: "po-2", Amount: aed(1)}}, commands.Meta{})
	commandstest.Refused(t, err, domain.Conflict, vendor.CodeWrongStatus)
	must(vendorcmd.Reinstate{Deps: later}.Handle(ctx, vendorcmd.For[vendor.Reinstate]{VendorID: v}, commands.Meta{}))

	commandstest.Types(t, st, "vendor-v-a", vendor.TypeRegistered, vendor.TypeKYCSubmitted, vendor.TypeRejected, vendor.TypeKYCSubmitted,
		vendor.TypeApproved, vendor.TypeCommissionChanged, vendor.TypePayoutAccountSet, vendor.TypeEarningRecorded, vendor.TypeEarningReversed,
		vendor.TypeEarningPayable, vendor.TypePaidOut, vendor.TypeSuspended, vendor.TypeReinstated)
	commandstest.Types(t, st, "vendor-v-b")
	a := commandstest.Must(commands.Load(ctx, x, "vendor-v-a", func() *vendor.Vendor { return vendor.New(v) }))(t)
	if a.Payable().Amount() != 10000-1200-800-5000 || a.PaidOut().Amount() != 5000 || !a.CanSell() || a.CommissionRate() != 1200 {
		t.Fatalf("payable %v, paid %v, status %s", a.Payable(), a.PaidOut(), a.Status())
	}
}

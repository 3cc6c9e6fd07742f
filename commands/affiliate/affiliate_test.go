package affiliate_test

import (
	"context"
	"testing"

	"github.com/souq-market/souq/commands"
	affcmd "github.com/souq-market/souq/commands/affiliate"
	"github.com/souq-market/souq/commands/commandstest"
	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/affiliate"
	"github.com/souq-market/souq/domain/order"
)

func TestAffiliateHandlers(t *testing.T) {
	ctx := context.Background()
	x, st := commandstest.Exec(t)
	d := affcmd.Deps{Exec: x, Now: commandstest.Clock(commandstest.T0)}
	must := func(r commands.Result, err error) commands.Result { t.Helper(); return commandstest.Must(r, err)(t) }
	aed := func(n int64) domain.Money { return commandstest.Money(t, n, domain.AED) }

	reg := affcmd.For[affcmd.Registration]{AffiliateID: "af-1", Cmd: affcmd.Registration{
		Register: affiliate.Register{InfluencerID: "i-1", Name: "Noura", Currency: domain.AED, CommissionRate: 500},
		Link:     &affiliate.CreateLink{LinkID: "l-1", Code: "noura10"}}}
	meta := commands.Meta{CommandID: "register-af-1"}
	if r := must(affcmd.Register{Deps: d}.Handle(ctx, reg, meta)); r.Events != 2 {
		t.Fatalf("%+v", r)
	}
	if r := must(affcmd.Register{Deps: d}.Handle(ctx, reg, meta)); !r.Replayed {
		t.Fatalf("%+v", r)
	}
	bad := reg
	bad.AffiliateID = "af-2"
	bad.Cmd.Link = &affiliate.CreateLink{LinkID: "l-1", Code: "no"}
	_, err := affcmd.Register{Deps: d}.Handle(ctx, bad, commands.Meta{})
	commandstest.Refused(t, err, domain.Invalid, domain.CodeInvalidCommand)
	commandstest.Types(t, st, "affiliate-af-2") // a bad first link leaves no account behind
	must(affcmd.CreateLink{Deps: d}.Handle(ctx, affcmd.For[affiliate.CreateLink]{AffiliateID: "af-1", Cmd: affiliate.CreateLink{LinkID: "l-2", Code: "RAMADAN"}}, commands.Meta{}))
	_, err = affcmd.CreateLink{Deps: d}.Handle(ctx, affcmd.For[affiliate.CreateLink]{AffiliateID: "af-1", Cmd: affiliate.CreateLink{LinkID: "l-3", Code: "ramadan"}}, commands.Meta{})
	commandstest.Refused(t, err, domain.Conflict, affiliate.CodeLinkExists)

	click := affcmd.For[affiliate.RecordClick]{AffiliateID: "af-1", Cmd: affiliate.RecordClick{LinkID: "l-1"}}
	must(affcmd.RecordClick{Deps: d}.Handle(ctx, click, commands.Meta{CommandID: "click-1"}))
	must(affcmd.RecordClick{Deps: d}.Handle(ctx, click, commands.Meta{CommandID: "click-1"})) // a retried click counts once
	must(affcmd.RecordClick{Deps: d}.Handle(ctx, click, commands.Meta{CommandID: "click-2"}))
	_, err = affcmd.RecordClick{Deps: d}.Handle(ctx, affcmd.For[affiliate.RecordClick]{AffiliateID: "af-1", Cmd: affiliate.RecordClick{LinkID: "l-9"}}, commands.Meta{})
	commandstest.Refused(t, err, domain.NotFound, affiliate.CodeUnknownLink)

	// Orders: one through af-1, delivered; one through nobody; one not delivered.
	lines := []order.Line{{SKU: "oud-50", ProductID: "p-oud", VendorID: "v-a", Quantity: 2, UnitPrice: aed(10000)}}
	commandstest.Place(t, x, commandstest.Order{ID: "o-1", Customer: "c-1", Affiliate: "af-1", Lines: lines}, commandstest.T0)
	commandstest.Place(t, x, commandstest.Order{ID: "o-2", Customer: "c-1", Lines: lines}, commandstest.T0)
	commandstest.Place(t, x, commandstest.Order{ID: "o-3", Customer: "c-1", Affiliate: "af-1", Lines: lines, Deliver: []domain.VendorID{}}, commandstest.T0)
	attr := func(o domain.OrderID) affcmd.For[affcmd.Attribution] {
		return affcmd.For[affcmd.Attribution]{AffiliateID: "af-1", Cmd: affcmd.Attribution{OrderID: o, LinkID: "l-1"}}
	}
	for _, tc := range []struct {
		order domain.OrderID
		kind  domain.Kind
		code  string
	}{{"o-2", domain.Conflict, affcmd.CodeOtherAffiliate}, {"o-3", domain.Conflict, affcmd.CodeOrderNotDelivered}, {"o-404", domain.NotFound, affcmd.CodeOrderNotFound}} {
		_, err := affcmd.AttributeOrder{Deps: d}.Handle(ctx, attr(tc.order), commands.Meta{})
		commandstest.Refused(t, err, tc.kind, tc.code)
	}
	for range 2 { // attributing again is a no-op
		must(affcmd.AttributeOrder{Deps: d}.Handle(ctx, attr("o-1"), commands.Meta{}))
	}
	_, err = affcmd.ReverseCommission{Deps: d}.Handle(ctx, affcmd.For[affiliate.ReverseCommission]{AffiliateID: "af-1", Cmd: affiliate.ReverseCommission{OrderID: "o-1", Amount: aed(1001), Reason: "returned"}}, commands.Meta{})
	commandstest.Refused(t, err, domain.Conflict, affiliate.CodeOverReversal)
	must(affcmd.ReverseCommission{Deps: d}.Handle(ctx, affcmd.For[affiliate.ReverseCommission]{AffiliateID: "af-1", Cmd: affiliate.ReverseCommission{OrderID: "o-1", Amount: aed(500), Reason: "one returned"}}, commands.Meta{}))
	_, err = affcmd.MakePayable{Deps: d}.Handle(ctx, affcmd.For[affiliate.MakePayable]{AffiliateID: "af-1", Cmd: affiliate.MakePayable{OrderID: "o-1"}}, commands.Meta{})
	commandstest.Refused(t, err, domain.Conflict, affiliate.CodeNotDue)
	later := affcmd.Deps{Exec: x, Now: commandstest.Clock(commandstest.T0.AddDate(0, 0, 14))}
	must(affcmd.MakePayable{Deps: later}.Handle(ctx, affcmd.For[affiliate.MakePayable]{AffiliateID: "af-1", Cmd: affiliate.MakePayable{OrderID: "o-1"}}, commands.Meta{}))

	commandstest.Types(t, st, "affiliate-af-1", affiliate.TypeRegistered, affiliate.TypeLinkCreated, affiliate.TypeLinkCreated, affiliate.TypeClickRecorded,
		affiliate.TypeClickRecorded, affiliate.TypeOrderAttributed, affiliate.TypeCommissionReversed, affiliate.TypeCommissionPayable)
	a := commandstest.Must(commands.Load(ctx, x, "affiliate-af-1", func() *affiliate.Affiliate { return affiliate.New("af-1") }))(t)
	// 5 % of 200.00 AED of goods is 10.00; 5.00 reversed.
	if a.Clicks("l-1") != 2 || a.Payable().Amount() != 500 || a.Pending().Amount() != 0 {
		t.Fatalf("clicks %d, payable %v, pending %v", a.Clicks("l-1"), a.Payable(), a.Pending())
	}
	recs := commandstest.Read(t, st, "affiliate-af-1")
	got := commandstest.Must(x.Registry().DecodeRecorded(recs[5]))(t).(affiliate.OrderAttributed)
	if got.Base.Amount() != 20000 || got.Commission.Amount() != 1000 || !got.PayableAt.Equal(commandstest.T0.AddDate(0, 0, 14)) {
		t.Fatalf("%+v", got)
	}
}

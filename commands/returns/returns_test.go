package returns_test

import (
	"context"
	"testing"
	"time"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/commands/commandstest"
	retcmd "github.com/souq-market/souq/commands/returns"
	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/order"
	"github.com/souq-market/souq/domain/returns"
)

func lines(t *testing.T) []order.Line {
	aed := func(n int64) domain.Money { return commandstest.Money(t, n, domain.AED) }
	return []order.Line{
		{SKU: "oud-50", ProductID: "p-oud", VendorID: "v-a", Quantity: 3, UnitPrice: aed(10001)},
		{SKU: "musk-10", ProductID: "p-musk", VendorID: "v-a", Quantity: 1, UnitPrice: aed(5000)},
		{SKU: "attar-12", ProductID: "p-attar", VendorID: "v-b", Quantity: 1, UnitPrice: aed(15000)},
	}
}

func TestRequestIsPricedFromTheOrder(t *testing.T) {
	ctx := context.Background()
	x, st := commandstest.Exec(t)
	t0 := commandstest.T0
	placed := commandstest.Place(t, x, commandstest.Order{ID: "o-1", Customer: "c-1", Lines: lines(t)}, t0)
	commandstest.Place(t, x, commandstest.Order{ID: "o-2", Customer: "c-1", Lines: lines(t), Deliver: []domain.VendorID{}}, t0)
	subA := placed.SubOrders[0]
	d := retcmd.Deps{Exec: x, Now: commandstest.Clock(t0.AddDate(0, 0, 3))}
	ask := func(id domain.ReturnID, o domain.OrderID, c domain.CustomerID, items ...retcmd.Item) retcmd.For[retcmd.Request] {
		return retcmd.For[retcmd.Request]{ReturnID: id, Cmd: retcmd.Request{OrderID: o, SubOrderID: subA.ID, CustomerID: c, Items: items, Reason: returns.Damaged, Comment: "cracked"}}
	}
	req := ask("r-1", "o-1", "c-1", retcmd.Item{SKU: "oud-50", Quantity: 2}, retcmd.Item{SKU: "musk-10", Quantity: 1})
	meta := commands.Meta{CommandID: "return-r-1"}
	commandstest.Must(retcmd.RequestReturn{Deps: d}.Handle(ctx, req, meta))(t)
	if r := commandstest.Must(retcmd.RequestReturn{Deps: d}.Handle(ctx, req, meta))(t); !r.Replayed {
		t.Fatalf("%+v", r)
	}
	recs := commandstest.Read(t, st, "return-r-1")
	if len(recs) != 1 {
		t.Fatalf("%d events", len(recs))
	}
	got := commandstest.Must(x.Registry().DecodeRecorded(recs[0]))(t).(returns.Requested)
	// Two of three units of a 30003 line: 20002; the customer and vendor come from the order.
	if got.VendorID != "v-a" || got.CustomerID != "c-1" || got.Items[0].Value.Amount() != 20002 || got.Items[1].Value.Amount() != 5000 || got.Total.Amount() != 25002 {
		t.Fatalf("%+v", got)
	}

	refusals := []struct {
		name string
		cmd  retcmd.For[retcmd.Request]
		at   time.Time
		kind domain.Kind
		code string
	}{
		{"another customer's order", ask("r-2", "o-1", "c-2", retcmd.Item{SKU: "oud-50", Quantity: 1}), t0, domain.Forbidden, retcmd.CodeNotYourOrder},
		{"no such order", ask("r-2", "o-404", "c-1", retcmd.Item{SKU: "oud-50", Quantity: 1}), t0, domain.NotFound, retcmd.CodeOrderNotFound},
		{"not delivered", ask("r-2", "o-2", "c-1", retcmd.Item{SKU: "oud-50", Quantity: 1}), t0, domain.Conflict, retcmd.CodeNotDelivered},
		{"another vendor's item", ask("r-2", "o-1", "c-1", retcmd.Item{SKU: "attar-12", Quantity: 1}), t0, domain.Invalid, retcmd.CodeNotInOrder},
		{"more than bought", ask("r-2", "o-1", "c-1", retcmd.Item{SKU: "oud-50", Quantity: 4}), t0, domain.Invalid, retcmd.CodeTooMany},
		{"window closed", ask("r-2", "o-1", "c-1", retcmd.Item{SKU: "oud-50", Quantity: 1}), t0.AddDate(0, 0, 14).Add(time.Second), domain.Conflict, returns.CodeWindowClosed},
		{"zero units", ask("r-2", "o-1", "c-1", retcmd.Item{SKU: "oud-50", Quantity: 0}), t0, domain.Invalid, domain.CodeInvalidCommand},
		{"same ID, other items", ask("r-1", "o-1", "c-1", retcmd.Item{SKU: "oud-50", Quantity: 1}), t0, domain.Conflict, returns.CodeAlreadyRequested},
	}
	for _, tc := range refusals {
		t.Run(tc.name, func(t *testing.T) {
			_, err := retcmd.RequestReturn{Deps: retcmd.Deps{Exec: x, Now: commandstest.Clock(tc.at)}}.Handle(ctx, tc.cmd, commands.Meta{})
			commandstest.Refused(t, err, tc.kind, tc.code)
			commandstest.Types(t, st, "return-r-2")
		})
	}
}

func TestDecideReceiveRefund(t *testing.T) {
	ctx := context.Background()
	x, st := commandstest.Exec(t)
	placed := commandstest.Place(t, x, commandstest.Order{ID: "o-1", Customer: "c-1", Lines: lines(t)}, commandstest.T0)
	d := retcmd.Deps{Exec: x, Now: commandstest.Clock(commandstest.T0)}
	must := func(r commands.Result, err error) commands.Result { t.Helper(); return commandstest.Must(r, err)(t) }
	for _, id := range []domain.ReturnID{"r-1", "r-2"} {
		must(retcmd.RequestReturn{Deps: d}.Handle(ctx, retcmd.For[retcmd.Request]{ReturnID: id, Cmd: retcmd.Request{OrderID: "o-1", SubOrderID: placed.SubOrders[1].ID,
			CustomerID: "c-1", Items: []retcmd.Item{{SKU: "attar-12", Quantity: 1}}, Reason: returns.ChangedMind}}, commands.Meta{}))
	}
	_, err := retcmd.Receive{Deps: d}.Handle(ctx, retcmd.For[returns.Receive]{ReturnID: "r-1", Cmd: returns.Receive{Restock: true}}, commands.Meta{})
	commandstest.Refused(t, err, domain.Conflict, returns.CodeWrongStatus) // not approved yet
	must(retcmd.Approve{Deps: d}.Handle(ctx, retcmd.For[returns.Approve]{ReturnID: "r-1", Cmd: returns.Approve{RefundTo: returns.ToWallet}}, commands.Meta{}))
	must(retcmd.Receive{Deps: d}.Handle(ctx, retcmd.For[returns.Receive]{ReturnID: "r-1", Cmd: returns.Receive{Restock: true, Note: "sealed"}}, commands.Meta{}))
	aed := func(n int64) domain.Money { return commandstest.Money(t, n, domain.AED) }
	_, err = retcmd.Refund{Deps: d}.Handle(ctx, retcmd.For[returns.Refund]{ReturnID: "r-1", Cmd: returns.Refund{RefundID: "rf-1", Amount: aed(15001)}}, commands.Meta{})
	commandstest.Refused(t, err, domain.Conflict, returns.CodeOverRefund)
	for range 2 { // the refunds process retrying records once
		must(retcmd.Refund{Deps: d}.Handle(ctx, retcmd.For[returns.Refund]{ReturnID: "r-1", Cmd: returns.Refund{RefundID: "rf-1", Amount: aed(15000)}}, commands.Meta{}))
	}
	must(retcmd.Reject{Deps: d}.Handle(ctx, retcmd.For[returns.Reject]{ReturnID: "r-2", Cmd: returns.Reject{Reason: "duplicate of r-1"}}, commands.Meta{}))
	_, err = retcmd.Approve{Deps: d}.Handle(ctx, retcmd.For[returns.Approve]{ReturnID: "r-2", Cmd: returns.Approve{RefundTo: returns.ToCard}}, commands.Meta{})
	commandstest.Refused(t, err, domain.Conflict, returns.CodeWrongStatus)
	_, err = retcmd.Approve{Deps: d}.Handle(ctx, retcmd.For[returns.Approve]{ReturnID: "r-404", Cmd: returns.Approve{RefundTo: returns.ToCard}}, commands.Meta{})
	commandstest.Refused(t, err, domain.NotFound, returns.CodeNotRequested)

	commandstest.Types(t, st, "return-r-1", returns.TypeRequested, returns.TypeApproved, returns.TypeReceived, returns.TypeRefunded)
	commandstest.Types(t, st, "return-r-2", returns.TypeRequested, returns.TypeRejected)
}

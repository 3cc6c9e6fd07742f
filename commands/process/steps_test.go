package process_test

import (
	"log/slog"

	"strings"

	"github.com/souq-market/souq/commands"
	invcmd "github.com/souq-market/souq/commands/inventory"
	paycmd "github.com/souq-market/souq/commands/payment"
	"github.com/souq-market/souq/commands/process"
	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/inventory"
	"github.com/souq-market/souq/domain/payment"
	"github.com/souq-market/souq/eventstore"
)

func domainOrder(s string) domain.OrderID { return domain.OrderID(s) }

type paycmdFail struct{ w *world }

func (f paycmdFail) fail(p *payment.Payment) (commands.Result, error) {
	return paycmd.Fail{Deps: paycmd.Deps{Exec: f.w.exec, Now: f.w.clock.Now}}.Handle(f.w.ctx, paycmd.For[payment.Fail]{PaymentID: p.ID(),
		Cmd: payment.Fail{Event: payment.ProviderEvent{EventID: p.ProviderRef() + ":f", ProviderRef: p.ProviderRef()}, Code: "card_declined"}}, commands.Meta{})
}

func expire(w *world, sku domain.SKU, id inventory.ReservationID) (commands.Result, error) {
	return invcmd.Expire{Deps: invcmd.Deps{Exec: w.exec, Now: w.clock.Now}}.Handle(w.ctx,
		invcmd.At[inventory.Expire]{SKU: sku, Location: process.DefaultLocation, Cmd: inventory.Expire{ReservationID: id}}, commands.Meta{})
}

func eventPos(p uint64) eventstore.Position { return eventstore.Position(p) }

func containsStr(s, sub string) bool { return strings.Contains(s, sub) }

var quiet = slog.New(slog.DiscardHandler)

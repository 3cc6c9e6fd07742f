package shipment_test

import (
	"context"
	"testing"
	"time"

	"github.com/souq-market/souq/commands"
	shipcmd "github.com/souq-market/souq/commands/shipment"
	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/shipment"
	"github.com/souq-market/souq/eventstore/memory"
)

// carrier counts bookings; a real one sells a label each time.
type carrier struct{ booked int }

func (c *carrier) Book(_ context.Context, req shipcmd.BookRequest) (shipcmd.Booking, error) {
	c.booked++
	return shipcmd.Booking{TrackingNumber: "TN-" + string(req.ShipmentID), LabelKey: "labels/" + string(req.VendorID) + "/l.pdf"}, nil
}

// A shipment already recorded is never booked with the carrier again:
// the same request retried (under another command ID, as a client that
// lost the answer sends it) records nothing new; a different one
// conflicts.
func TestBookBooksOnce(t *testing.T) {
	ctx := context.Background()
	exec := commands.NewExecutor(memory.New(memory.Options{}), commands.NewRegistry(), commands.Options{})
	car := &carrier{}
	book := shipcmd.Book{Deps: shipcmd.Deps{Exec: exec, Now: time.Now}, Carrier: car}
	create := shipcmd.For[shipment.Create]{ShipmentID: "s-1", Cmd: shipment.Create{OrderID: "o-1", SubOrderID: "o-1-v-1", VendorID: "v-1", Carrier: shipment.Aramex}}
	first, err := book.Handle(ctx, create, commands.Meta{CommandID: "book-1"})
	if err != nil || first.Replayed {
		t.Fatalf("first booking: %+v, %v", first, err)
	}
	again, err := book.Handle(ctx, create, commands.Meta{CommandID: "book-1-again"})
	if err != nil || again.Events != 0 || again.Position != first.Position {
		t.Fatalf("retried booking: %+v, %v; want nothing new recorded (first %+v)", again, err, first)
	}
	other := create
	other.Cmd.Carrier = shipment.DHL
	if _, err := book.Handle(ctx, other, commands.Meta{CommandID: "book-1-dhl"}); domain.KindOf(err) != domain.Conflict {
		t.Fatalf("a different booking of the same shipment: %v, want a conflict", err)
	}
	if car.booked != 1 {
		t.Fatalf("the carrier sold %d labels for one shipment", car.booked)
	}
	create.ShipmentID = "s-2"
	if _, err := book.Handle(ctx, create, commands.Meta{CommandID: "book-2"}); err != nil || car.booked != 2 {
		t.Fatalf("another shipment: %v, %d bookings", err, car.booked)
	}
	var none shipcmd.Book
	if _, err := none.Handle(ctx, create, commands.Meta{}); domain.CodeOf(err) != "shipment.no_carrier" {
		t.Fatalf("without a carrier: %v", err)
	}
}

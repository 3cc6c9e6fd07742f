package shipment

import (
	"context"
	"fmt"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/shipment"
)

// Carrier books parcels with a carrier: it buys the label and answers the
// tracking number and the blob key where it stored the label PDF. Book is
// keyed by the shipment ID: asked again for the same shipment it answers
// the same booking, so a retried Book records nothing twice.
type Carrier interface {
	Book(ctx context.Context, req BookRequest) (Booking, error)
}

// BookRequest is a parcel to book: the shipment, whose sub-order it
// carries, with which carrier, and cash to collect on delivery (zero:
// prepaid).
type BookRequest struct {
	ShipmentID domain.ShipmentID
	OrderID    domain.OrderID
	SubOrderID domain.SubOrderID
	VendorID   domain.VendorID
	Carrier    shipment.Carrier
	COD        domain.Money
	// Parcel is where it goes and what it is. A real carrier needs it to
	// book; the sandbox does without.
	Parcel Parcel
}

// Parcel is what a carrier is told about the parcel beyond souq's
// references: both ends, weight, pieces, contents and declared value.
type Parcel struct {
	From, To    Party
	WeightGrams int
	Pieces      int // zero: one
	Contents    string
	Value       domain.Money // declared value; zero: none declared
}

// IsZero reports whether nothing was said about the parcel.
func (p Parcel) IsZero() bool { return p == Parcel{} }

// Party is one end of the journey: the vendor's pickup or the customer.
type Party struct {
	Name, Company, Phone, Email string
	Line1, Line2, City, Region  string
	PostalCode                  string
	Country                     domain.Country
}

// Booking is the carrier's answer.
type Booking struct {
	TrackingNumber string
	// LabelKey is the label PDF's blob key, under labels/<vendor>/.
	LabelKey string
}

// Book books the parcel with the carrier, then records the shipment with
// the tracking number and label it got. The command's TrackingNumber and
// LabelKey are ignored: they are the carrier's to give. A shipment already
// recorded is not booked again.
type Book struct {
	Deps
	Carrier Carrier
	// Parcel is passed to the carrier as it is.
	Parcel Parcel
}

// Handle runs the command.
func (h Book) Handle(ctx context.Context, cmd For[shipment.Create], meta commands.Meta) (commands.Result, error) {
	if h.Carrier == nil {
		return commands.Result{}, domain.Errorf(domain.Unavailable, "shipment.no_carrier", "no carrier books labels here")
	}
	c := cmd.Cmd
	stream, err := commands.ShipmentStream(cmd.ShipmentID)
	if err != nil {
		return commands.Result{}, err
	}
	had, err := commands.Load(ctx, h.Exec, stream, func() *shipment.Shipment { return shipment.New(cmd.ShipmentID) })
	if err != nil {
		return commands.Result{}, err
	}
	if had.Version() > 0 {
		// Booked before (a retried request, or one whose answer the client
		// lost): a real carrier would sell a second label, so it is not
		// asked again. The creation below is then a retry, or a conflict
		// if this command differs from the first.
		c.TrackingNumber, c.LabelKey = had.TrackingNumber(), had.LabelKey()
		return Create{Deps: h.Deps}.Handle(ctx, For[shipment.Create]{ShipmentID: cmd.ShipmentID, Cmd: c}, meta)
	}
	b, err := h.Carrier.Book(ctx, BookRequest{ShipmentID: cmd.ShipmentID, OrderID: c.OrderID, SubOrderID: c.SubOrderID,
		VendorID: c.VendorID, Carrier: c.Carrier, COD: c.CODAmount, Parcel: h.Parcel})
	if err != nil {
		return commands.Result{}, fmt.Errorf("book shipment %s with %s: %w", cmd.ShipmentID, c.Carrier, err)
	}
	c.TrackingNumber, c.LabelKey = b.TrackingNumber, b.LabelKey
	return Create{Deps: h.Deps}.Handle(ctx, For[shipment.Create]{ShipmentID: cmd.ShipmentID, Cmd: c}, meta)
}

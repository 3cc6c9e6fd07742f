package shipment

import (
	"time"

	"github.com/souq-market/souq/domain"
)

// Carrier that moves the parcel.
type Carrier string

const (
	Fetchr Carrier = "fetchr"
	Aramex Carrier = "aramex"
	SMSA   Carrier = "smsa"
	DHL    Carrier = "dhl"
)

func (c Carrier) valid() bool { return c == Fetchr || c == Aramex || c == SMSA || c == DHL }

// Status is a carrier status normalized across carriers.
type Status string

const (
	StatusCreated    Status = "created"
	PreTransit       Status = "pre_transit"
	InTransit        Status = "in_transit"
	OutForDelivery   Status = "out_for_delivery"
	FailedAttempt    Status = "failed_attempt"
	Delivered        Status = "delivered"
	ReturnedToSender Status = "returned_to_sender"
	Exception        Status = "exception"
)

// progress ranks how far a parcel got. A failed attempt ranks with out for
// delivery (the next attempt may follow it); an exception (customs, damage)
// does not move progress at all; delivered and returned are final.
func (s Status) progress() (rank int, ok bool) {
	switch s {
	case StatusCreated:
		return 0, true
	case PreTransit:
		return 1, true
	case InTransit:
		return 2, true
	case OutForDelivery, FailedAttempt:
		return 3, true
	case Delivered, ReturnedToSender:
		return 4, true
	case Exception:
		return -1, true
	}
	return 0, false
}

// Final reports whether nothing can follow s.
func (s Status) Final() bool { return s == Delivered || s == ReturnedToSender }

// Error codes.
const (
	CodeNotCreated     = "shipment.not_created"
	CodeAlreadyCreated = "shipment.already_created"
)

// Shipment is one parcel.
type Shipment struct {
	root      domain.Root
	id        domain.ShipmentID
	created   Created
	status    Status
	progress  int
	lastAt    time.Time // when the last applied carrier event occurred
	seen      map[string]bool
	collected domain.Money
}

// New returns the shipment with this ID before any event.
func New(id domain.ShipmentID) *Shipment {
	return &Shipment{id: id, seen: map[string]bool{}}
}

func (s *Shipment) ID() domain.ShipmentID         { return s.id }
func (s *Shipment) Status() Status                { return s.status }
func (s *Shipment) Carrier() Carrier              { return s.created.Carrier }
func (s *Shipment) TrackingNumber() string        { return s.created.TrackingNumber }
func (s *Shipment) LabelKey() string              { return s.created.LabelKey }
func (s *Shipment) SubOrderID() domain.SubOrderID { return s.created.SubOrderID }
func (s *Shipment) Collected() domain.Money       { return s.collected }
func (s *Shipment) Version() uint64               { return s.root.Version() }
func (s *Shipment) Changes() []domain.Event       { return s.root.Changes() }

// Create records the label bought for a sub-order.
type Create struct {
	OrderID        domain.OrderID
	SubOrderID     domain.SubOrderID
	VendorID       domain.VendorID
	Carrier        Carrier
	TrackingNumber string
	LabelKey       string
	CODAmount      domain.Money // zero value: prepaid
}

func (s *Shipment) Create(cmd Create, now time.Time) error {
	var v domain.Validation
	v.ID("order_id", string(cmd.OrderID))
	v.ID("sub_order_id", string(cmd.SubOrderID))
	v.ID("vendor_id", string(cmd.VendorID))
	v.Check(cmd.Carrier.valid(), "carrier", domain.ProblemInvalid, "must be fetchr, aramex, smsa or dhl")
	v.Text("tracking_number", cmd.TrackingNumber, 64)
	v.Text("label_key", cmd.LabelKey, 512)
	if cmd.CODAmount != (domain.Money{}) {
		v.PositiveMoney("cod_amount", cmd.CODAmount, "")
	}
	if err := v.Err(); err != nil {
		return err
	}
	e := Created{ShipmentID: s.id, OrderID: cmd.OrderID, SubOrderID: cmd.SubOrderID, VendorID: cmd.VendorID, Carrier: cmd.Carrier, TrackingNumber: cmd.TrackingNumber, LabelKey: cmd.LabelKey, CODAmount: cmd.CODAmount, At: now}
	if s.status != "" {
		same := s.created
		same.At = now
		if same == e {
			return nil
		}
		return domain.Errorf(domain.Conflict, CodeAlreadyCreated, "shipment %s exists with tracking number %s", s.id, s.created.TrackingNumber)
	}
	s.raise(e)
	return nil
}

// Track applies one normalized carrier event. A duplicate (same carrier
// event ID), an event for an earlier stage, or one that happened before the
// last applied event at the same stage changes nothing: carriers resend and
// reorder webhooks, and the parcel never moves backwards.
type Track struct {
	CarrierEventID string
	Status         Status
	CarrierStatus  string
	Location       string
	Collected      domain.Money // cash on delivery collected; zero value: none
	OccurredAt     time.Time
}

func (s *Shipment) Track(cmd Track, now time.Time) error {
	var v domain.Validation
	v.Text("carrier_event_id", cmd.CarrierEventID, 255)
	_, known := cmd.Status.progress()
	v.Check(known && cmd.Status != StatusCreated, "status", domain.ProblemInvalid, "unknown status %q", cmd.Status)
	v.Text("carrier_status", cmd.CarrierStatus, 255)
	v.OptionalText("location", cmd.Location, 255)
	v.Check(!cmd.OccurredAt.IsZero(), "occurred_at", domain.ProblemRequired, "is required")
	if cmd.Collected != (domain.Money{}) {
		v.Check(cmd.Status == Delivered, "collected", domain.ProblemInvalid, "only a delivery collects cash")
		v.PositiveMoney("collected", cmd.Collected, s.created.CODAmount.Currency())
	}
	if err := v.Err(); err != nil {
		return err
	}
	if s.status == "" {
		return domain.Errorf(domain.NotFound, CodeNotCreated, "shipment %s was not created", s.id)
	}
	if s.seen[cmd.CarrierEventID] || s.status.Final() {
		return nil
	}
	rank, _ := cmd.Status.progress()
	switch {
	case rank >= 0 && rank < s.progress:
		return nil // an earlier stage, arriving late
	case (rank == s.progress || rank < 0) && !cmd.OccurredAt.After(s.lastAt):
		return nil // same stage, not newer
	}
	// A delivery that collected another amount than was due is still a
	// delivery: it is recorded as reported, and the payment captures what
	// was collected, leaving the difference visible rather than the parcel
	// stuck in transit.
	s.raise(StatusChanged{CarrierEventID: cmd.CarrierEventID, Status: cmd.Status, CarrierStatus: cmd.CarrierStatus, Location: cmd.Location, Collected: cmd.Collected, OccurredAt: cmd.OccurredAt, At: now})
	return nil
}

// Apply replays a stored event. It never fails.
func (s *Shipment) Apply(e domain.Event) {
	s.apply(e)
	s.root.Loaded()
}

func (s *Shipment) raise(e domain.Event) {
	s.apply(e)
	s.root.Record(e)
}

func (s *Shipment) apply(e domain.Event) {
	switch e := e.(type) {
	case Created:
		s.created, s.status = e, StatusCreated
	case StatusChanged:
		s.seen[e.CarrierEventID] = true
		s.status = e.Status
		if rank, _ := e.Status.progress(); rank > s.progress {
			s.progress = rank
		}
		if e.OccurredAt.After(s.lastAt) {
			s.lastAt = e.OccurredAt
		}
		if e.Collected != (domain.Money{}) {
			s.collected = e.Collected
		}
	}
}

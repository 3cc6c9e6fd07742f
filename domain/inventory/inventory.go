package inventory

import (
	"time"

	"github.com/souq-market/souq/domain"
)

// ReservationID names one hold; the command layer derives it from the order
// and line, so a retried reservation is recognised.
type ReservationID string

// Reason of a stock adjustment.
type Reason string

const (
	ReasonRecount  Reason = "recount"
	ReasonDamaged  Reason = "damaged"
	ReasonLost     Reason = "lost"
	ReasonFound    Reason = "found"
	ReasonReturned Reason = "returned"
	ReasonOther    Reason = "other"
)

func (r Reason) valid() bool {
	switch r {
	case ReasonRecount, ReasonDamaged, ReasonLost, ReasonFound, ReasonReturned, ReasonOther:
		return true
	}
	return false
}

// MaxQuantity bounds any one quantity, so sums can never overflow.
const MaxQuantity = 1_000_000_000

// Error codes.
const (
	CodeInsufficientStock   = "inventory.insufficient_stock"
	CodeWrongItem           = "inventory.wrong_item"
	CodeReservationNotFound = "inventory.reservation_not_found"
	CodeReservationConflict = "inventory.reservation_conflict"
	CodeReservationEnded    = "inventory.reservation_ended"
	CodeReservationNotDue   = "inventory.reservation_not_due"
	CodeAdjustBelowReserved = "inventory.adjust_below_reserved"
	CodeStockLimit          = "inventory.stock_limit"
)

// Status of a reservation.
type Status string

const (
	Active    Status = "active"
	Committed Status = "committed"
	Released  Status = "released"
	Expired   Status = "expired"
)

// Reservation is one hold as the aggregate remembers it; ended ones are kept
// so that a retried or late command is recognised.
type Reservation struct {
	ID        ReservationID
	OrderID   domain.OrderID
	Quantity  int64
	ExpiresAt time.Time
	Status    Status
}

// Inventory is the stock of one SKU at one location.
type Inventory struct {
	root         domain.Root
	sku          domain.SKU
	location     domain.LocationID
	onHand       int64
	reserved     int64
	reservations map[ReservationID]*Reservation
}

// New returns the empty inventory of a SKU at a location, before any event.
func New(sku domain.SKU, location domain.LocationID) *Inventory {
	return &Inventory{sku: sku, location: location, reservations: map[ReservationID]*Reservation{}}
}

func (a *Inventory) SKU() domain.SKU             { return a.sku }
func (a *Inventory) Location() domain.LocationID { return a.location }
func (a *Inventory) OnHand() int64               { return a.onHand }
func (a *Inventory) Reserved() int64             { return a.reserved }

// Available is on hand − reserved, never negative.
func (a *Inventory) Available() int64 { return a.onHand - a.reserved }

// Reservation returns a copy of one hold.
func (a *Inventory) Reservation(id ReservationID) (Reservation, bool) {
	r, ok := a.reservations[id]
	if !ok {
		return Reservation{}, false
	}
	return *r, true
}

// Due lists the active holds whose expiry has passed at now, for the
// expiry process manager.
func (a *Inventory) Due(now time.Time) []ReservationID {
	var out []ReservationID
	for id, r := range a.reservations {
		if r.Status == Active && !now.Before(r.ExpiresAt) {
			out = append(out, id)
		}
	}
	return out
}

func (a *Inventory) Version() uint64         { return a.root.Version() }
func (a *Inventory) Changes() []domain.Event { return a.root.Changes() }

// Receive adds stock.
type Receive struct {
	SKU      domain.SKU
	Location domain.LocationID
	Quantity int64
}

func (a *Inventory) Receive(cmd Receive, now time.Time) error {
	var v domain.Validation
	a.checkItem(&v, cmd.SKU, cmd.Location)
	if v.Positive("quantity", cmd.Quantity) {
		v.Check(cmd.Quantity <= MaxQuantity, "quantity", domain.ProblemRange, "must be at most %d", MaxQuantity)
	}
	if err := v.Err(); err != nil {
		return err
	}
	if a.onHand+cmd.Quantity > MaxQuantity {
		return domain.Errorf(domain.Conflict, CodeStockLimit, "on hand would exceed %d", MaxQuantity)
	}
	a.raise(Received{SKU: a.sku, Location: a.location, Quantity: cmd.Quantity, At: now})
	return nil
}

// Adjust corrects on hand after a count; it may not take away units that
// are reserved, so available stays ≥ 0.
type Adjust struct {
	SKU      domain.SKU
	Location domain.LocationID
	Delta    int64
	Reason   Reason
	Note     string
}

func (a *Inventory) Adjust(cmd Adjust, now time.Time) error {
	var v domain.Validation
	a.checkItem(&v, cmd.SKU, cmd.Location)
	v.Check(cmd.Delta != 0 && cmd.Delta >= -MaxQuantity && cmd.Delta <= MaxQuantity, "delta", domain.ProblemRange, "must be non-zero and within ±%d", MaxQuantity)
	v.Check(cmd.Reason.valid(), "reason", domain.ProblemInvalid, "must be one of recount, damaged, lost, found, returned, other")
	v.OptionalText("note", cmd.Note, 500)
	if err := v.Err(); err != nil {
		return err
	}
	next := a.onHand + cmd.Delta
	switch {
	case next < a.reserved:
		return domain.Errorf(domain.Conflict, CodeAdjustBelowReserved, "adjusting by %d leaves %d on hand, below the %d reserved", cmd.Delta, next, a.reserved)
	case next > MaxQuantity:
		return domain.Errorf(domain.Conflict, CodeStockLimit, "on hand would exceed %d", MaxQuantity)
	}
	a.raise(Adjusted{SKU: a.sku, Location: a.location, Delta: cmd.Delta, Reason: cmd.Reason, Note: cmd.Note, At: now})
	return nil
}

// Reserve holds units for an order until ExpiresAt. Reserving the same ID
// again with the same quantity and order is a retry and changes nothing.
type Reserve struct {
	SKU           domain.SKU
	Location      domain.LocationID
	ReservationID ReservationID
	OrderID       domain.OrderID
	Quantity      int64
	ExpiresAt     time.Time
}

func (a *Inventory) Reserve(cmd Reserve, now time.Time) error {
	var v domain.Validation
	a.checkItem(&v, cmd.SKU, cmd.Location)
	v.ID("reservation_id", string(cmd.ReservationID))
	v.ID("order_id", string(cmd.OrderID))
	if v.Positive("quantity", cmd.Quantity) {
		v.Check(cmd.Quantity <= MaxQuantity, "quantity", domain.ProblemRange, "must be at most %d", MaxQuantity)
	}
	v.Check(cmd.ExpiresAt.After(now), "expires_at", domain.ProblemRange, "must be in the future")
	if err := v.Err(); err != nil {
		return err
	}
	if r, ok := a.reservations[cmd.ReservationID]; ok {
		if r.Quantity != cmd.Quantity || r.OrderID != cmd.OrderID {
			return domain.Errorf(domain.Conflict, CodeReservationConflict, "reservation %s already holds %d for order %s", r.ID, r.Quantity, r.OrderID)
		}
		return nil // a retry: the hold exists, whatever became of it since
	}
	if cmd.Quantity > a.Available() {
		return domain.Errorf(domain.Conflict, CodeInsufficientStock, "%d of %s requested, %d available", cmd.Quantity, a.sku, a.Available())
	}
	a.raise(Reserved{SKU: a.sku, Location: a.location, ReservationID: cmd.ReservationID, OrderID: cmd.OrderID, Quantity: cmd.Quantity, ExpiresAt: cmd.ExpiresAt, At: now})
	return nil
}

// Commit turns a hold into a sale: its units leave on hand. Committing a
// committed hold is a retry. A hold whose expiry passed but that no Expire
// has ended yet may still be committed: its units were never given away,
// and refusing would refund a customer who paid in time for a late timer.
type Commit struct {
	ReservationID ReservationID
}

func (a *Inventory) Commit(cmd Commit, now time.Time) error {
	r, err := a.hold(cmd.ReservationID)
	if err != nil {
		return err
	}
	switch r.Status {
	case Committed:
		return nil
	case Released, Expired:
		return domain.Errorf(domain.Conflict, CodeReservationEnded, "reservation %s was %s", r.ID, r.Status)
	}
	a.raise(ReservationCommitted{SKU: a.sku, Location: a.location, ReservationID: r.ID, Quantity: r.Quantity, At: now})
	return nil
}

// Release gives a hold back (payment failed, order cancelled). Releasing an
// ended hold other than a committed one changes nothing.
type Release struct {
	ReservationID ReservationID
	Reason        string
}

func (a *Inventory) Release(cmd Release, now time.Time) error {
	var v domain.Validation
	v.OptionalText("reason", cmd.Reason, 200)
	if err := v.Err(); err != nil {
		return err
	}
	r, err := a.hold(cmd.ReservationID)
	if err != nil {
		return err
	}
	switch r.Status {
	case Released, Expired:
		return nil
	case Committed:
		return domain.Errorf(domain.Conflict, CodeReservationEnded, "reservation %s was committed; return the goods instead", r.ID)
	}
	a.raise(ReservationReleased{SKU: a.sku, Location: a.location, ReservationID: r.ID, Quantity: r.Quantity, Reason: cmd.Reason, At: now})
	return nil
}

// Expire ends a hold whose expiry has passed. A hold that already ended
// (committed in time, released) is left alone: the timer lost the race.
type Expire struct {
	ReservationID ReservationID
}

func (a *Inventory) Expire(cmd Expire, now time.Time) error {
	r, err := a.hold(cmd.ReservationID)
	if err != nil {
		return err
	}
	if r.Status != Active {
		return nil
	}
	if now.Before(r.ExpiresAt) {
		return domain.Errorf(domain.Conflict, CodeReservationNotDue, "reservation %s expires at %s", r.ID, r.ExpiresAt.Format(time.RFC3339))
	}
	a.raise(ReservationExpired{SKU: a.sku, Location: a.location, ReservationID: r.ID, Quantity: r.Quantity, At: now})
	return nil
}

func (a *Inventory) hold(id ReservationID) (*Reservation, error) {
	r, ok := a.reservations[id]
	if !ok {
		return nil, domain.Errorf(domain.NotFound, CodeReservationNotFound, "no reservation %q", id)
	}
	return r, nil
}

// checkItem makes sure a command addresses this SKU and location.
func (a *Inventory) checkItem(v *domain.Validation, sku domain.SKU, loc domain.LocationID) {
	if v.ID("sku", string(sku)) {
		v.Check(sku == a.sku, "sku", CodeWrongItem, "addresses %s, this stream holds %s", sku, a.sku)
	}
	if v.ID("location", string(loc)) {
		v.Check(loc == a.location, "location", CodeWrongItem, "addresses %s, this stream holds %s", loc, a.location)
	}
}

// Apply replays a stored event. It never fails: a stored event is a fact.
func (a *Inventory) Apply(e domain.Event) {
	a.apply(e)
	a.root.Loaded()
}

func (a *Inventory) raise(e domain.Event) {
	a.apply(e)
	a.root.Record(e)
}

func (a *Inventory) apply(e domain.Event) {
	end := func(id ReservationID, s Status) {
		if r := a.reservations[id]; r != nil && r.Status == Active {
			r.Status = s
			a.reserved -= r.Quantity
			if s == Committed {
				a.onHand -= r.Quantity
			}
		}
	}
	switch e := e.(type) {
	case Received:
		a.onHand += e.Quantity
	case Adjusted:
		a.onHand += e.Delta
	case Reserved:
		a.reservations[e.ReservationID] = &Reservation{ID: e.ReservationID, OrderID: e.OrderID, Quantity: e.Quantity, ExpiresAt: e.ExpiresAt, Status: Active}
		a.reserved += e.Quantity
	case ReservationCommitted:
		end(e.ReservationID, Committed)
	case ReservationReleased:
		end(e.ReservationID, Released)
	case ReservationExpired:
		end(e.ReservationID, Expired)
	}
}

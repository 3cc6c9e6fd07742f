package order

import (
	"time"

	"github.com/souq-market/souq/domain"
)

// Status of the order as a whole.
type Status string

const (
	StatusNone      Status = ""
	StatusPlaced    Status = "placed"
	StatusPaid      Status = "paid"
	StatusConfirmed Status = "confirmed"
	StatusDelivered Status = "delivered"
	StatusCompleted Status = "completed"
	StatusCancelled Status = "cancelled"
)

// SubStatus of one sub-order.
type SubStatus string

const (
	SubPending   SubStatus = "pending"
	SubFulfilled SubStatus = "fulfilled"
	SubShipped   SubStatus = "shipped"
	SubDelivered SubStatus = "delivered"
	SubCancelled SubStatus = "cancelled"
)

func (s SubStatus) rank() int {
	switch s {
	case SubPending:
		return 0
	case SubFulfilled:
		return 1
	case SubShipped:
		return 2
	case SubDelivered:
		return 3
	}
	return -1
}

// Error codes.
const (
	CodeNotPlaced        = "order.not_placed"
	CodeAlreadyPlaced    = "order.already_placed"
	CodeWrongStatus      = "order.wrong_status"
	CodePaymentMismatch  = "order.payment_amount_mismatch"
	CodeNotPaid          = "order.not_paid"
	CodeSubOrderNotFound = "order.sub_order_not_found"
	CodeSubOrderStatus   = "order.sub_order_wrong_status"
	CodeAlreadyShipped   = "order.already_shipped"
	CodeReturnWindowOpen = "order.return_window_open"
)

type subOrder struct {
	SubOrder
	status     SubStatus
	shipmentID domain.ShipmentID
}

// Order is one checkout.
type Order struct {
	root        domain.Root
	id          domain.OrderID
	placed      Placed
	status      Status
	paymentID   domain.PaymentID
	paid        bool
	subs        map[domain.SubOrderID]*subOrder
	deliveredAt time.Time
}

// New returns the order with this ID before any event.
func New(id domain.OrderID) *Order {
	return &Order{id: id, subs: map[domain.SubOrderID]*subOrder{}}
}

func (o *Order) ID() domain.OrderID           { return o.id }
func (o *Order) Status() Status               { return o.status }
func (o *Order) Customer() domain.CustomerID  { return o.placed.CustomerID }
func (o *Order) Country() domain.Country      { return o.placed.Country }
func (o *Order) PaymentMethod() PaymentMethod { return o.placed.PaymentMethod }
func (o *Order) Totals() Totals               { return o.placed.Totals }
func (o *Order) Lines() []PricedLine          { return append([]PricedLine(nil), o.placed.Lines...) }
func (o *Order) IsPaid() bool                 { return o.paid }
func (o *Order) DeliveredAt() time.Time       { return o.deliveredAt }
func (o *Order) Version() uint64              { return o.root.Version() }
func (o *Order) Changes() []domain.Event      { return o.root.Changes() }

// AffiliateID is the affiliate the order was placed through ("" for none).
func (o *Order) AffiliateID() domain.AffiliateID { return o.placed.AffiliateID }

// DiscountCode is the code the customer entered ("" for none).
func (o *Order) DiscountCode() string { return o.placed.DiscountCode }

// ReturnWindowEnds is when returns close (zero before delivery).
func (o *Order) ReturnWindowEnds() time.Time {
	if o.deliveredAt.IsZero() {
		return time.Time{}
	}
	return o.deliveredAt.AddDate(0, 0, o.placed.ReturnWindowDays)
}

// ShipTo is where the order goes, as recorded at checkout; false for an
// order placed before orders recorded one. Once the customer is forgotten
// its personal fields read as erased.
func (o *Order) ShipTo() (ShipTo, bool) {
	if o.placed.ShipTo == nil {
		return ShipTo{}, false
	}
	return *o.placed.ShipTo, true
}

// SubOrders lists the sub-orders in vendor order with their status.
func (o *Order) SubOrders() []SubOrder { return append([]SubOrder(nil), o.placed.SubOrders...) }

// SubStatus of one sub-order.
func (o *Order) SubStatus(id domain.SubOrderID) (SubStatus, bool) {
	s, ok := o.subs[id]
	if !ok {
		return "", false
	}
	return s.status, true
}

// Place checks out a cart: the command carries what the catalog, vendors
// and wallet said at checkout; Price turns it into the recorded order.
type Place struct {
	OrderID          domain.OrderID
	CustomerID       domain.CustomerID
	Country          domain.Country
	PaymentMethod    PaymentMethod
	Lines            []Line
	Shipping         map[domain.VendorID]domain.Money // tax-inclusive fee per vendor
	CommissionRates  map[domain.VendorID]domain.BasisPoints
	Discount         domain.Money // tax-inclusive, off the goods; zero value: none
	DiscountCode     string
	AffiliateID      domain.AffiliateID
	CashbackRate     domain.BasisPoints // on goods after discount
	WalletAmount     domain.Money       // zero value: none
	ReturnWindowDays int
	ShipTo           *ShipTo // the address-book entry as it stands at checkout; its country is the order's
}

func (o *Order) Place(cmd Place, now time.Time) error {
	if cmd.OrderID != o.id {
		return invalid("order_id", domain.ProblemInvalid, "addresses %s, this is %s", cmd.OrderID, o.id)
	}
	q, err := Price(cmd)
	if err != nil {
		return err
	}
	e := Placed{OrderID: o.id, CustomerID: cmd.CustomerID, Country: cmd.Country, PaymentMethod: cmd.PaymentMethod, DiscountCode: cmd.DiscountCode, AffiliateID: cmd.AffiliateID, ReturnWindowDays: cmd.ReturnWindowDays, Lines: q.Lines, SubOrders: q.SubOrders, Totals: q.Totals, ShipTo: cmd.ShipTo, At: now}
	if o.status != StatusNone {
		// A retried checkout carries the same cart; anything else reuses the ID.
		same := o.placed
		same.At = now
		if equalPlaced(same, e) {
			return nil
		}
		return domain.Errorf(domain.Conflict, CodeAlreadyPlaced, "order %s was placed with another cart", o.id)
	}
	o.raise(e)
	return nil
}

// MarkPaid records that the amount due was captured.
type MarkPaid struct {
	PaymentID domain.PaymentID
	Amount    domain.Money
}

func (o *Order) MarkPaid(cmd MarkPaid, now time.Time) error {
	var v domain.Validation
	v.ID("payment_id", string(cmd.PaymentID))
	v.PositiveMoney("amount", cmd.Amount, "")
	if err := v.Err(); err != nil {
		return err
	}
	if err := o.exists(); err != nil {
		return err
	}
	switch {
	case o.paid && o.paymentID == cmd.PaymentID && o.placed.Totals.Due == cmd.Amount:
		return nil
	case o.paid:
		return domain.Errorf(domain.Conflict, CodeWrongStatus, "order %s is already paid by %s", o.id, o.paymentID)
	case o.status == StatusCancelled || o.status == StatusCompleted:
		return domain.Errorf(domain.Conflict, CodeWrongStatus, "order %s is %s", o.id, o.status)
	case cmd.Amount != o.placed.Totals.Due:
		return domain.Errorf(domain.Conflict, CodePaymentMismatch, "%v due, %v paid", o.placed.Totals.Due, cmd.Amount)
	}
	o.raise(Paid{PaymentID: cmd.PaymentID, Amount: cmd.Amount, At: now})
	return nil
}

// Confirm opens fulfilment: the order is paid, or pays on delivery, or the
// wallet covers it all (its hold is posted by the checkout process).
type Confirm struct{}

func (o *Order) Confirm(_ Confirm, now time.Time) error {
	if err := o.exists(); err != nil {
		return err
	}
	switch o.status {
	case StatusConfirmed, StatusDelivered, StatusCompleted:
		return nil
	case StatusCancelled:
		return domain.Errorf(domain.Conflict, CodeWrongStatus, "order %s is cancelled", o.id)
	}
	if !o.paid && o.placed.PaymentMethod == PayByCard {
		return domain.Errorf(domain.Conflict, CodeNotPaid, "order %s awaits its card payment", o.id)
	}
	o.raise(Confirmed{At: now})
	return nil
}

// SubOrderCommand addresses one sub-order.
type SubOrderCommand struct {
	SubOrderID domain.SubOrderID
}

// FulfilSubOrder: the vendor packed its part.
type FulfilSubOrder SubOrderCommand

func (o *Order) FulfilSubOrder(cmd FulfilSubOrder, now time.Time) error {
	s, err := o.advance(cmd.SubOrderID, SubFulfilled)
	if err != nil || s == nil {
		return err
	}
	o.raise(SubOrderFulfilled{SubOrderID: s.ID, At: now})
	return nil
}

// ShipSubOrder: the carrier took the parcel.
type ShipSubOrder struct {
	SubOrderID domain.SubOrderID
	ShipmentID domain.ShipmentID
}

func (o *Order) ShipSubOrder(cmd ShipSubOrder, now time.Time) error {
	var v domain.Validation
	v.ID("shipment_id", string(cmd.ShipmentID))
	if err := v.Err(); err != nil {
		return err
	}
	s, err := o.advance(cmd.SubOrderID, SubShipped)
	if err != nil || s == nil {
		return err
	}
	o.raise(SubOrderShipped{SubOrderID: s.ID, ShipmentID: cmd.ShipmentID, At: now})
	return nil
}

// DeliverSubOrder: the shipment was delivered. When it is the last part
// outstanding, the order is delivered too.
type DeliverSubOrder SubOrderCommand

func (o *Order) DeliverSubOrder(cmd DeliverSubOrder, now time.Time) error {
	s, err := o.advance(cmd.SubOrderID, SubDelivered)
	if err != nil || s == nil {
		return err
	}
	o.raise(SubOrderDelivered{SubOrderID: s.ID, At: now})
	o.maybeDelivered(now)
	return nil
}

// CancelSubOrder: the vendor cannot ship its part (before it ships). When
// no part is left, the order is cancelled.
type CancelSubOrder struct {
	SubOrderID domain.SubOrderID
	Reason     string
}

func (o *Order) CancelSubOrder(cmd CancelSubOrder, now time.Time) error {
	var v domain.Validation
	v.Text("reason", cmd.Reason, 500)
	if err := v.Err(); err != nil {
		return err
	}
	s, err := o.sub(cmd.SubOrderID)
	if err != nil {
		return err
	}
	switch {
	case s.status == SubCancelled:
		return nil
	case s.status.rank() >= SubShipped.rank():
		return domain.Errorf(domain.Conflict, CodeAlreadyShipped, "sub-order %s is %s; return it instead", s.ID, s.status)
	case o.status == StatusCancelled:
		return nil
	}
	o.raise(SubOrderCancelled{SubOrderID: s.ID, Reason: cmd.Reason, At: now})
	live := 0
	for _, s := range o.subs {
		if s.status != SubCancelled {
			live++
		}
	}
	if live == 0 {
		o.raise(Cancelled{Reason: "every sub-order was cancelled", At: now})
	} else {
		o.maybeDelivered(now)
	}
	return nil
}

// Cancel calls the whole order off, before anything shipped.
type Cancel struct {
	Reason string
}

func (o *Order) Cancel(cmd Cancel, now time.Time) error {
	var v domain.Validation
	v.Text("reason", cmd.Reason, 500)
	if err := v.Err(); err != nil {
		return err
	}
	if err := o.exists(); err != nil {
		return err
	}
	if o.status == StatusCancelled {
		return nil
	}
	for _, s := range o.subs {
		if s.status.rank() >= SubShipped.rank() {
			return domain.Errorf(domain.Conflict, CodeAlreadyShipped, "sub-order %s is %s; return it instead", s.ID, s.status)
		}
	}
	o.raise(Cancelled{Reason: cmd.Reason, At: now})
	return nil
}

// Complete closes a delivered order once its return window has passed.
type Complete struct{}

func (o *Order) Complete(_ Complete, now time.Time) error {
	if err := o.exists(); err != nil {
		return err
	}
	switch o.status {
	case StatusCompleted:
		return nil
	case StatusDelivered:
	default:
		return domain.Errorf(domain.Conflict, CodeWrongStatus, "order %s is %s, not delivered", o.id, o.status)
	}
	if now.Before(o.ReturnWindowEnds()) {
		return domain.Errorf(domain.Conflict, CodeReturnWindowOpen, "returns are open until %s", o.ReturnWindowEnds().Format(time.RFC3339))
	}
	o.raise(Completed{At: now})
	return nil
}

func (o *Order) exists() error {
	if o.status == StatusNone {
		return domain.Errorf(domain.NotFound, CodeNotPlaced, "order %s was not placed", o.id)
	}
	return nil
}

func (o *Order) sub(id domain.SubOrderID) (*subOrder, error) {
	if err := o.exists(); err != nil {
		return nil, err
	}
	s, ok := o.subs[id]
	if !ok {
		return nil, domain.Errorf(domain.NotFound, CodeSubOrderNotFound, "order %s has no sub-order %s", o.id, id)
	}
	return s, nil
}

// advance checks that a sub-order may move to next: nil and no error when it
// is already there or beyond (a retry or a late command).
func (o *Order) advance(id domain.SubOrderID, next SubStatus) (*subOrder, error) {
	s, err := o.sub(id)
	if err != nil {
		return nil, err
	}
	switch {
	case s.status == SubCancelled:
		return nil, domain.Errorf(domain.Conflict, CodeSubOrderStatus, "sub-order %s is cancelled", id)
	case s.status.rank() >= next.rank():
		return nil, nil
	case o.status != StatusConfirmed:
		return nil, domain.Errorf(domain.Conflict, CodeWrongStatus, "order %s is %s, not confirmed", o.id, o.status)
	case s.status.rank() != next.rank()-1:
		return nil, domain.Errorf(domain.Conflict, CodeSubOrderStatus, "sub-order %s is %s, cannot become %s", id, s.status, next)
	}
	return s, nil
}

func (o *Order) maybeDelivered(now time.Time) {
	if o.status != StatusConfirmed {
		return
	}
	for _, s := range o.subs {
		if s.status != SubDelivered && s.status != SubCancelled {
			return
		}
	}
	o.raise(Delivered{At: now})
}

// Apply replays a stored event. It never fails.
func (o *Order) Apply(e domain.Event) {
	o.apply(e)
	o.root.Loaded()
}

func (o *Order) raise(e domain.Event) {
	o.apply(e)
	o.root.Record(e)
}

func (o *Order) set(id domain.SubOrderID, s SubStatus) *subOrder {
	sub := o.subs[id]
	if sub == nil { // a stored event is a fact even if its sub-order is unknown
		sub = &subOrder{SubOrder: SubOrder{ID: id}}
		o.subs[id] = sub
	}
	sub.status = s
	return sub
}

func (o *Order) apply(e domain.Event) {
	switch e := e.(type) {
	case Placed:
		o.placed = e
		o.status = StatusPlaced
		for _, s := range e.SubOrders {
			o.subs[s.ID] = &subOrder{SubOrder: s, status: SubPending}
		}
	case Paid:
		o.paid, o.paymentID = true, e.PaymentID
		if o.status == StatusPlaced {
			o.status = StatusPaid
		}
	case Confirmed:
		o.status = StatusConfirmed
	case SubOrderFulfilled:
		o.set(e.SubOrderID, SubFulfilled)
	case SubOrderShipped:
		o.set(e.SubOrderID, SubShipped).shipmentID = e.ShipmentID
	case SubOrderDelivered:
		o.set(e.SubOrderID, SubDelivered)
	case SubOrderCancelled:
		o.set(e.SubOrderID, SubCancelled)
	case Delivered:
		o.status, o.deliveredAt = StatusDelivered, e.At
	case Completed:
		o.status = StatusCompleted
	case Cancelled:
		o.status = StatusCancelled
	}
}

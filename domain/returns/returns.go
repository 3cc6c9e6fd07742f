package returns

import (
	"strconv"
	"time"

	"github.com/souq-market/souq/domain"
)

// Reason the customer gives.
type Reason string

const (
	Damaged     Reason = "damaged"
	WrongItem   Reason = "wrong_item"
	NotAsShown  Reason = "not_as_described"
	Counterfeit Reason = "counterfeit"
	ChangedMind Reason = "changed_mind"
)

func (r Reason) valid() bool {
	switch r {
	case Damaged, WrongItem, NotAsShown, Counterfeit, ChangedMind:
		return true
	}
	return false
}

// Destination of a refund.
type Destination string

const (
	ToCard   Destination = "card" // back through the original payment
	ToWallet Destination = "wallet"
)

// Status of the return.
type Status string

const (
	StatusNone      Status = ""
	StatusRequested Status = "requested"
	StatusApproved  Status = "approved"
	StatusRejected  Status = "rejected"
)

// Error codes.
const (
	CodeNotRequested     = "return.not_requested"
	CodeAlreadyRequested = "return.already_requested"
	CodeWindowClosed     = "return.window_closed"
	CodeWrongStatus      = "return.wrong_status"
	CodeOverRefund       = "return.refund_exceeds_value"
	CodeRefundReused     = "return.refund_id_reused"
)

// Return is one return of goods.
type Return struct {
	root     domain.Root
	id       domain.ReturnID
	req      Requested
	status   Status
	refundTo Destination
	received bool
	refunded int64
	refunds  map[string]int64
}

// New returns the return with this ID before any event.
func New(id domain.ReturnID) *Return { return &Return{id: id, refunds: map[string]int64{}} }

func (r *Return) ID() domain.ReturnID   { return r.id }
func (r *Return) Status() Status        { return r.status }
func (r *Return) Received() bool        { return r.received }
func (r *Return) Total() domain.Money   { return r.req.Total }
func (r *Return) Items() []Item         { return append([]Item(nil), r.req.Items...) }
func (r *Return) RefundTo() Destination { return r.refundTo }

// Order, SubOrder, Vendor and Customer name what the return is of, as
// requested (zero values before the request).
func (r *Return) Order() domain.OrderID       { return r.req.OrderID }
func (r *Return) SubOrder() domain.SubOrderID { return r.req.SubOrderID }
func (r *Return) Vendor() domain.VendorID     { return r.req.VendorID }
func (r *Return) Customer() domain.CustomerID { return r.req.CustomerID }

func (r *Return) Refunded() domain.Money {
	m, _ := domain.New(r.refunded, r.req.Total.Currency())
	return m
}
func (r *Return) Version() uint64         { return r.root.Version() }
func (r *Return) Changes() []domain.Event { return r.root.Changes() }

// Request asks to return items of a delivered sub-order. WindowEnds comes
// from the order (delivery plus the return window): the domain holds no
// clock and no other aggregate, so the caller passes what it loaded.
type Request struct {
	OrderID    domain.OrderID
	SubOrderID domain.SubOrderID
	CustomerID domain.CustomerID
	VendorID   domain.VendorID
	Items      []Item
	Reason     Reason
	Comment    string
	WindowEnds time.Time
}

func (r *Return) Request(cmd Request, now time.Time) error {
	var v domain.Validation
	v.ID("order_id", string(cmd.OrderID))
	v.ID("sub_order_id", string(cmd.SubOrderID))
	v.ID("customer_id", string(cmd.CustomerID))
	v.ID("vendor_id", string(cmd.VendorID))
	v.Check(cmd.Reason.valid(), "reason", domain.ProblemInvalid, "unknown reason %q", cmd.Reason)
	v.OptionalText("comment", cmd.Comment, 2000)
	v.Check(!cmd.WindowEnds.IsZero(), "window_ends", domain.ProblemRequired, "the order was not delivered")
	var cur domain.Currency
	if v.Check(len(cmd.Items) > 0 && len(cmd.Items) <= 100, "items", domain.ProblemRange, "1–100 items") {
		cur = cmd.Items[0].Value.Currency()
		seen := map[domain.SKU]bool{}
		for i, it := range cmd.Items {
			f := "items[" + strconv.Itoa(i) + "]"
			if v.ID(f+".sku", string(it.SKU)) {
				v.Check(!seen[it.SKU], f+".sku", "duplicate", "%s twice", it.SKU)
				seen[it.SKU] = true
			}
			v.Positive(f+".quantity", it.Quantity)
			v.PositiveMoney(f+".value", it.Value, cur)
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	total, err := domain.Sum(cur, values(cmd.Items)...)
	if err != nil {
		return err
	}
	e := Requested{ReturnID: r.id, OrderID: cmd.OrderID, SubOrderID: cmd.SubOrderID, CustomerID: cmd.CustomerID, VendorID: cmd.VendorID, Items: cmd.Items, Total: total, Reason: cmd.Reason, Comment: cmd.Comment, At: now}
	if r.status != StatusNone {
		same := r.req
		same.At = now
		if equalRequested(same, e) {
			return nil
		}
		return domain.Errorf(domain.Conflict, CodeAlreadyRequested, "return %s was requested with other items", r.id)
	}
	if now.After(cmd.WindowEnds) {
		return domain.Errorf(domain.Conflict, CodeWindowClosed, "returns closed at %s", cmd.WindowEnds.Format(time.RFC3339))
	}
	r.raise(e)
	return nil
}

func values(items []Item) []domain.Money {
	out := make([]domain.Money, len(items))
	for i, it := range items {
		out[i] = it.Value
	}
	return out
}

func equalRequested(a, b Requested) bool {
	if len(a.Items) != len(b.Items) {
		return false
	}
	for i := range a.Items {
		if a.Items[i] != b.Items[i] {
			return false
		}
	}
	a.Items, b.Items = nil, nil
	return a.OrderID == b.OrderID && a.SubOrderID == b.SubOrderID && a.CustomerID == b.CustomerID && a.VendorID == b.VendorID && a.Total == b.Total && a.Reason == b.Reason && a.Comment == b.Comment
}

// Approve accepts the return and says where the refund goes.
type Approve struct{ RefundTo Destination }

func (r *Return) Approve(cmd Approve, now time.Time) error {
	var v domain.Validation
	v.Check(cmd.RefundTo == ToCard || cmd.RefundTo == ToWallet, "refund_to", domain.ProblemInvalid, "must be card or wallet")
	if err := v.Err(); err != nil {
		return err
	}
	if err := r.exists(); err != nil {
		return err
	}
	switch {
	case r.status == StatusApproved && r.refundTo == cmd.RefundTo:
		return nil
	case r.status != StatusRequested:
		return domain.Errorf(domain.Conflict, CodeWrongStatus, "return %s is %s", r.id, r.status)
	}
	r.raise(Approved{RefundTo: cmd.RefundTo, At: now})
	return nil
}

// Reject refuses the return.
type Reject struct{ Reason string }

func (r *Return) Reject(cmd Reject, now time.Time) error {
	var v domain.Validation
	v.Text("reason", cmd.Reason, 500)
	if err := v.Err(); err != nil {
		return err
	}
	if err := r.exists(); err != nil {
		return err
	}
	switch r.status {
	case StatusRejected:
		return nil
	case StatusRequested:
	default:
		return domain.Errorf(domain.Conflict, CodeWrongStatus, "return %s is %s", r.id, r.status)
	}
	r.raise(Rejected{Reason: cmd.Reason, At: now})
	return nil
}

// Receive records the goods back at the warehouse.
type Receive struct {
	Restock bool
	Note    string
}

func (r *Return) Receive(cmd Receive, now time.Time) error {
	var v domain.Validation
	v.OptionalText("note", cmd.Note, 2000)
	if err := v.Err(); err != nil {
		return err
	}
	if err := r.exists(); err != nil {
		return err
	}
	switch {
	case r.received:
		return nil
	case r.status != StatusApproved:
		return domain.Errorf(domain.Conflict, CodeWrongStatus, "return %s is %s, not approved", r.id, r.status)
	}
	r.raise(Received{Restock: cmd.Restock, Note: cmd.Note, At: now})
	return nil
}

// Refund pays the customer back, to the destination approved, in one or
// several refunds that never add up to more than the items' value.
type Refund struct {
	RefundID string
	Amount   domain.Money
}

func (r *Return) Refund(cmd Refund, now time.Time) error {
	var v domain.Validation
	v.ID("refund_id", cmd.RefundID)
	v.PositiveMoney("amount", cmd.Amount, r.req.Total.Currency())
	if err := v.Err(); err != nil {
		return err
	}
	if err := r.exists(); err != nil {
		return err
	}
	if prev, ok := r.refunds[cmd.RefundID]; ok {
		if prev == cmd.Amount.Amount() {
			return nil
		}
		return domain.Errorf(domain.Conflict, CodeRefundReused, "refund %s was for another amount", cmd.RefundID)
	}
	switch {
	case r.status != StatusApproved:
		return domain.Errorf(domain.Conflict, CodeWrongStatus, "return %s is %s, not approved", r.id, r.status)
	case r.refunded+cmd.Amount.Amount() > r.req.Total.Amount():
		return domain.Errorf(domain.Conflict, CodeOverRefund, "refunding %v more, %v of %v refunded", cmd.Amount, r.Refunded(), r.req.Total)
	}
	r.raise(Refunded{RefundID: cmd.RefundID, To: r.refundTo, Amount: cmd.Amount, At: now})
	return nil
}

func (r *Return) exists() error {
	if r.status == StatusNone {
		return domain.Errorf(domain.NotFound, CodeNotRequested, "return %s was not requested", r.id)
	}
	return nil
}

// Apply replays a stored event. It never fails.
func (r *Return) Apply(e domain.Event) {
	r.apply(e)
	r.root.Loaded()
}

func (r *Return) raise(e domain.Event) {
	r.apply(e)
	r.root.Record(e)
}

func (r *Return) apply(e domain.Event) {
	switch e := e.(type) {
	case Requested:
		r.req, r.status = e, StatusRequested
	case Approved:
		r.status, r.refundTo = StatusApproved, e.RefundTo
	case Rejected:
		r.status = StatusRejected
	case Received:
		r.received = true
	case Refunded:
		r.refunds[e.RefundID] = e.Amount.Amount()
		r.refunded += e.Amount.Amount()
	}
}

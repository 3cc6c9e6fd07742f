package review

import (
	"time"

	"github.com/souq-market/souq/domain"
)

// Wire names of review events; stable for ever.
const (
	TypeWritten  = "review.written"
	TypeApproved = "review.approved"
	TypeRejected = "review.rejected"
)

// SchemaVersion is the current schema of every event here.
const SchemaVersion = 1

// Written: a customer rated and reviewed a product.
type Written struct {
	ReviewID   domain.ReviewID   `json:"review_id"`
	ProductID  domain.ProductID  `json:"product_id"`
	CustomerID domain.CustomerID `json:"customer_id"`
	OrderID    domain.OrderID    `json:"order_id"`
	Rating     int               `json:"rating"`
	Title      string            `json:"title,omitempty"`
	Body       string            `json:"body,omitempty"`
	At         time.Time         `json:"at"`
}

// Approved: a moderator published the review.
type Approved struct {
	ModeratorID string    `json:"moderator_id"`
	At          time.Time `json:"at"`
}

// Rejected: a moderator hid the review.
type Rejected struct {
	ModeratorID string    `json:"moderator_id"`
	Reason      string    `json:"reason"`
	At          time.Time `json:"at"`
}

func (Written) EventType() string  { return TypeWritten }
func (Approved) EventType() string { return TypeApproved }
func (Rejected) EventType() string { return TypeRejected }

func (Written) SchemaVersion() int  { return SchemaVersion }
func (Approved) SchemaVersion() int { return SchemaVersion }
func (Rejected) SchemaVersion() int { return SchemaVersion }

// Events lists one zero value of every event type.
func Events() []domain.Event { return []domain.Event{Written{}, Approved{}, Rejected{}} }

// IDFor is the review of a product by a customer: keying the stream by both
// is what makes "once per customer and product" hold under concurrency (the
// second writer finds the stream taken).
func IDFor(p domain.ProductID, c domain.CustomerID) domain.ReviewID {
	return domain.ReviewID(string(p) + ":" + string(c))
}

// Status of moderation.
type Status string

const (
	StatusNone     Status = ""
	StatusPending  Status = "pending"
	StatusApproved Status = "approved"
	StatusRejected Status = "rejected"
)

// Error codes.
const (
	CodeNotWritten     = "review.not_written"
	CodeAlreadyWritten = "review.already_written"
	CodeNotDelivered   = "review.not_delivered"
	CodeWrongID        = "review.wrong_id"
)

// Review is one customer's review of one product.
type Review struct {
	root    domain.Root
	id      domain.ReviewID
	written Written
	status  Status
}

// New returns the review with this ID before any event.
func New(id domain.ReviewID) *Review { return &Review{id: id} }

func (r *Review) ID() domain.ReviewID     { return r.id }
func (r *Review) Status() Status          { return r.status }
func (r *Review) Rating() int             { return r.written.Rating }
func (r *Review) Version() uint64         { return r.root.Version() }
func (r *Review) Changes() []domain.Event { return r.root.Changes() }

// Write rates a product. Delivered is what the caller found in the order:
// the customer's order OrderID holds the product and was delivered.
type Write struct {
	ProductID  domain.ProductID
	CustomerID domain.CustomerID
	OrderID    domain.OrderID
	Delivered  bool
	Rating     int
	Title      string
	Body       string
}

func (r *Review) Write(cmd Write, now time.Time) error {
	var v domain.Validation
	v.ID("product_id", string(cmd.ProductID))
	v.ID("customer_id", string(cmd.CustomerID))
	v.ID("order_id", string(cmd.OrderID))
	v.Check(cmd.Rating >= 1 && cmd.Rating <= 5, "rating", domain.ProblemRange, "must be 1–5")
	v.OptionalText("title", cmd.Title, 200)
	v.OptionalText("body", cmd.Body, 5000)
	if err := v.Err(); err != nil {
		return err
	}
	if IDFor(cmd.ProductID, cmd.CustomerID) != r.id {
		return domain.Errorf(domain.Invalid, CodeWrongID, "review %s is not %s's review of %s", r.id, cmd.CustomerID, cmd.ProductID)
	}
	e := Written{ReviewID: r.id, ProductID: cmd.ProductID, CustomerID: cmd.CustomerID, OrderID: cmd.OrderID, Rating: cmd.Rating, Title: cmd.Title, Body: cmd.Body, At: now}
	if r.status != StatusNone {
		same := r.written
		same.At = now
		if same == e {
			return nil
		}
		return domain.Errorf(domain.Conflict, CodeAlreadyWritten, "%s already reviewed %s", cmd.CustomerID, cmd.ProductID)
	}
	if !cmd.Delivered {
		return domain.Errorf(domain.Forbidden, CodeNotDelivered, "only a customer whose order was delivered may review %s", cmd.ProductID)
	}
	r.raise(e)
	return nil
}

// Moderate publishes or hides a review; a moderator may change their mind.
type Moderate struct {
	ModeratorID string
	Approve     bool
	Reason      string // required to reject
}

func (r *Review) Moderate(cmd Moderate, now time.Time) error {
	var v domain.Validation
	v.ID("moderator_id", cmd.ModeratorID)
	if !cmd.Approve {
		v.Text("reason", cmd.Reason, 500)
	}
	if err := v.Err(); err != nil {
		return err
	}
	if r.status == StatusNone {
		return domain.Errorf(domain.NotFound, CodeNotWritten, "review %s was not written", r.id)
	}
	if cmd.Approve {
		if r.status != StatusApproved {
			r.raise(Approved{ModeratorID: cmd.ModeratorID, At: now})
		}
		return nil
	}
	if r.status != StatusRejected {
		r.raise(Rejected{ModeratorID: cmd.ModeratorID, Reason: cmd.Reason, At: now})
	}
	return nil
}

// Apply replays a stored event. It never fails.
func (r *Review) Apply(e domain.Event) {
	r.apply(e)
	r.root.Loaded()
}

func (r *Review) raise(e domain.Event) {
	r.apply(e)
	r.root.Record(e)
}

func (r *Review) apply(e domain.Event) {
	switch e := e.(type) {
	case Written:
		r.written, r.status = e, StatusPending
	case Approved:
		r.status = StatusApproved
	case Rejected:
		r.status = StatusRejected
	}
}

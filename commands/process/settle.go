package process

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	ordercmd "github.com/souq-market/souq/commands/order"
	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/order"
	"github.com/souq-market/souq/domain/returns"
	"github.com/souq-market/souq/eventstore"
)

// SettlementName names the return-window sweeper in logs and command IDs.
const SettlementName = "process.settlement"

// Settlement is the return-window sweeper: it follows the log for
// delivered orders and, on each Sweep, settles those whose return window
// has closed at Now: vendor earnings and the affiliate commission become
// payable, cashback spendable (Earnings.settle), then the order is
// completed. An order with a return still awaiting a decision waits for
// it, so a late approval still reverses its share before anything is paid.
//
// Every command derives its ID from the order.delivered event, so two
// sweepers or a sweep repeated after a crash settle once. Like Expiry, it
// keeps its due list in memory, rebuilt from the start of the log when it
// starts (Run); the list holds open orders only.
type Settlement struct {
	Deps
	Earnings *Earnings
	// Every is the sweep interval of Run.
	Every time.Duration

	mu       sync.Mutex
	windows  map[domain.OrderID]int                        // return window days of open orders
	due      map[domain.OrderID]dueOrder                   // delivered, not completed
	returnOf map[string]domain.OrderID                     // return stream → order, until decided
	waiting  map[domain.OrderID]int                        // returns awaiting a decision
	approved map[domain.OrderID][]eventstore.RecordedEvent // return.approved events
}

type dueOrder struct {
	at    time.Time
	cause eventstore.RecordedEvent
}

// NewSettlement returns a sweeper over e's commands; every ≤ 0 means a
// minute (return windows are days long).
func NewSettlement(e *Earnings, every time.Duration) *Settlement {
	if every <= 0 {
		every = time.Minute
	}
	return &Settlement{Deps: e.Deps, Earnings: e, Every: every, windows: map[domain.OrderID]int{}, due: map[domain.OrderID]dueOrder{},
		returnOf: map[string]domain.OrderID{}, waiting: map[domain.OrderID]int{}, approved: map[domain.OrderID][]eventstore.RecordedEvent{}}
}

// Name identifies the sweeper.
func (s *Settlement) Name() string { return SettlementName }

// Handle tracks orders and their returns.
func (s *Settlement) Handle(_ context.Context, events []eventstore.RecordedEvent) error {
	for _, r := range events {
		switch r.Type {
		case order.TypePlaced, order.TypeDelivered, order.TypeCompleted, order.TypeCancelled,
			returns.TypeRequested, returns.TypeApproved, returns.TypeRejected:
		default:
			continue
		}
		e, err := s.decode(r)
		if err != nil {
			return err
		}
		oid := domain.OrderID(strings.TrimPrefix(r.StreamID, "order-"))
		s.mu.Lock()
		switch e := e.(type) {
		case order.Placed:
			s.windows[e.OrderID] = e.ReturnWindowDays
		case order.Delivered:
			s.due[oid] = dueOrder{at: e.At.AddDate(0, 0, s.windows[oid]), cause: r}
		case order.Completed, order.Cancelled:
			s.forget(oid)
		case returns.Requested:
			s.returnOf[r.StreamID] = e.OrderID
			s.waiting[e.OrderID]++
		case returns.Approved:
			if o, ok := s.decided(r.StreamID); ok {
				s.approved[o] = append(s.approved[o], r)
			}
		case returns.Rejected:
			s.decided(r.StreamID)
		}
		s.mu.Unlock()
	}
	return nil
}

func (s *Settlement) forget(o domain.OrderID) {
	delete(s.windows, o)
	delete(s.due, o)
	delete(s.waiting, o)
	delete(s.approved, o)
}

// decided closes a return's wait and names its order.
func (s *Settlement) decided(stream string) (domain.OrderID, bool) {
	o, ok := s.returnOf[stream]
	if !ok {
		return "", false
	}
	delete(s.returnOf, stream)
	if s.waiting[o]--; s.waiting[o] <= 0 {
		delete(s.waiting, o)
	}
	return o, true
}

// Sweep settles and completes every tracked order due at Now and returns
// how many it completed.
func (s *Settlement) Sweep(ctx context.Context) (int, error) {
	now := s.Now()
	type job struct {
		id        domain.OrderID
		cause     eventstore.RecordedEvent
		approvals []eventstore.RecordedEvent
	}
	var jobs []job
	s.mu.Lock()
	for id, d := range s.due {
		if !now.Before(d.at) && s.waiting[id] == 0 {
			jobs = append(jobs, job{id, d.cause, append([]eventstore.RecordedEvent(nil), s.approved[id]...)})
		}
	}
	s.mu.Unlock()
	n := 0
	for _, j := range jobs {
		done, keep, err := s.settle(ctx, j.id, j.cause, j.approvals)
		if err != nil {
			return n, fmt.Errorf("%s: %s: %w", SettlementName, j.id, err)
		}
		if done {
			n++
		}
		if !keep {
			s.mu.Lock()
			s.forget(j.id) // the log's order.completed says so too, later
			s.mu.Unlock()
		}
	}
	return n, nil
}

// settle reports whether it completed the order, and whether the order
// stays on the due list (its window, by the order's own reckoning, is
// still open).
func (s *Settlement) settle(ctx context.Context, id domain.OrderID, cause eventstore.RecordedEvent, approvals []eventstore.RecordedEvent) (done, keep bool, err error) {
	o, err := loadOrder(ctx, s.Exec, id)
	if err != nil {
		return false, false, err
	}
	if o.Status() != order.StatusDelivered {
		return false, false, nil // completed or cancelled meanwhile
	}
	if s.Now().Before(o.ReturnWindowEnds()) {
		return false, true, nil
	}
	if err := s.Earnings.settle(ctx, cause, o, approvals); err != nil {
		return false, false, err
	}
	res, err := ordercmd.Complete{Deps: ordercmd.Deps{Exec: s.Exec, Now: s.Now}}.Handle(ctx, ordercmd.For[order.Complete]{OrderID: id},
		Meta(SettlementName, cause, "complete"))
	if e, ok := refusal(err); ok {
		s.Logger.WarnContext(ctx, "order not completed", "order_id", id, "code", e.Code)
		return false, false, nil
	}
	if err != nil {
		return false, false, fmt.Errorf("complete: %w", err)
	}
	return res.Events > 0, false, nil
}

// Run follows the log from its start and sweeps every Every until ctx ends.
func (s *Settlement) Run(ctx context.Context) error {
	return follow(ctx, s.Deps, SettlementName, s.Every, s.Handle, s.Sweep)
}

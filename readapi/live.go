package readapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/souq-market/souq/internal/auth"
	"github.com/souq-market/souq/internal/httpx"
	"github.com/souq-market/souq/internal/live"
	"github.com/souq-market/souq/projections/orders/orderq"
)

// Live configures the live-update streams.
type Live struct {
	Fanout live.Fanout
	// Heartbeat is the comment sent on a quiet stream, so proxies and
	// clients know it is alive; default 15s.
	Heartbeat time.Duration
	// MaxStream ends a stream after this long (default one hour): the
	// client reconnects, resuming by Last-Event-ID, and its token is
	// verified again — a revoked or expired token does not listen forever.
	MaxStream time.Duration
}

// Codes of the live route's refusals.
const (
	CodeLiveTarget  = "live.bad_target"
	CodeLiveLastID  = "live.bad_last_event_id"
	CodeLiveOffline = "live.unavailable"
)

// liveRoutes serve GET /v1/live as server-sent events.
func (s *Server) liveRoutes() {
	l := s.deps.Live
	if l == nil || l.Fanout == nil {
		return
	}
	if l.Heartbeat <= 0 {
		l.Heartbeat = 15 * time.Second
	}
	if l.MaxStream <= 0 {
		l.MaxStream = time.Hour
	}
	s.api.Handle(httpx.Operation{Method: http.MethodGet, Path: "/v1/live", ID: "liveUpdates", Tag: "live", ContentType: "text/event-stream",
		Summary: "Server-sent events of an order (?order=, its customer, its vendors, staff) or a vendor (?vendor=, that vendor, staff): " +
			"event = the event type, id = its global position, data = {order_id, sub_order_id, revision, at}; then read the order again. " +
			"Last-Event-ID resumes within the channel's last 256 messages of the last hour; beyond that an event 'reset' says to reload. " +
			"A comment every 15s keeps the stream alive; streams end after an hour (reconnect).",
		Errors: []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusServiceUnavailable}},
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if err := s.stream(w, r, l); err != nil {
				s.api.Renderer().Error(w, r, err)
			}
		}))
}

// channel checks the caller may follow what it asks for and names its
// channel.
func (s *Server) channel(r *http.Request, caller auth.Actor) (string, error) {
	q := r.URL.Query()
	orderID, vendorID := q.Get("order"), q.Get("vendor")
	if (orderID == "") == (vendorID == "") {
		return "", &httpx.Error{Kind: httpx.KindInvalid, Code: CodeLiveTarget, Detail: "give exactly one of order and vendor"}
	}
	if vendorID != "" {
		ch := live.VendorChannel(vendorID)
		if !live.Valid(ch) {
			return "", &httpx.Error{Kind: httpx.KindInvalid, Code: CodeLiveTarget, Detail: "vendor is not a vendor ID"}
		}
		if !caller.Role.ReadsAll() && (caller.Role != auth.Vendor || caller.VendorID != vendorID) {
			return "", notOwner("vendor " + vendorID)
		}
		return ch, nil
	}
	ch := live.OrderChannel(orderID)
	if !live.Valid(ch) {
		return "", &httpx.Error{Kind: httpx.KindInvalid, Code: CodeLiveTarget, Detail: "order is not an order ID"}
	}
	if caller.Role.ReadsAll() {
		return ch, nil
	}
	if caller.Role != auth.Customer && caller.Role != auth.Vendor {
		return "", notOwner("order " + orderID)
	}
	if s.deps.Orders == nil {
		return "", &httpx.Error{Kind: httpx.KindUnavailable, Code: CodeLiveOffline, Detail: "order ownership cannot be checked here"}
	}
	// Owned by the caller as the orders view says; a just-placed order
	// needs X-Souq-Min-Position, as every read of one's own writes.
	if _, err := s.wait(r, []string{ViewOrders}); err != nil {
		return "", err
	}
	d, err := s.deps.Orders.Get(r.Context(), orderID)
	if err != nil {
		return "", notFound(err, "order "+orderID)
	}
	mine := d.CustomerID == caller.UserID && caller.Role == auth.Customer
	if caller.Role == auth.Vendor {
		mine = slices.ContainsFunc(d.SubOrders, func(so orderq.SubOrder) bool { return so.VendorID == caller.VendorID })
	}
	if !mine {
		return "", notOwner("order " + orderID)
	}
	return ch, nil
}

// lastEventID is where the client resumes: the Last-Event-ID header a
// reconnecting EventSource sends, or ?last_event_id for a first connect.
func lastEventID(r *http.Request) (uint64, error) {
	v := r.Header.Get("Last-Event-ID")
	if v == "" {
		v = r.URL.Query().Get("last_event_id")
	}
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 64)
	if err != nil {
		return 0, &httpx.Error{Kind: httpx.KindInvalid, Code: CodeLiveLastID, Detail: "Last-Event-ID must be an id this stream sent"}
	}
	return n, nil
}

func (s *Server) stream(w http.ResponseWriter, r *http.Request, l *Live) error {
	caller, err := auth.Authenticate(w, r, s.verify)
	if err != nil {
		return err
	}
	ch, err := s.channel(r, caller)
	if err != nil {
		return err
	}
	after, err := lastEventID(r)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(r.Context(), l.MaxStream)
	defer cancel()
	sub, err := l.Fanout.Subscribe(ctx, ch, after)
	if err != nil {
		if errors.Is(err, live.ErrClosed) || ctx.Err() == nil {
			return &httpx.Error{Kind: httpx.KindUnavailable, Code: CodeLiveOffline, Detail: "live updates are not available now; retry", Err: err}
		}
		return err
	}
	defer sub.Close()

	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // nginx: do not buffer the stream
	w.WriteHeader(http.StatusOK)
	// send writes one frame within a deadline of its own: the server's
	// WriteTimeout would cut every stream, a stuck client must not hold
	// the handler for ever.
	send := func(frame string) bool {
		_ = rc.SetWriteDeadline(time.Now().Add(l.Heartbeat + 10*time.Second))
		if _, err := fmt.Fprint(w, frame); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	if !send("retry: 3000\n\n") {
		return nil
	}
	if after > 0 && !sub.Complete && !send("event: reset\ndata: {}\n\n") {
		return nil
	}
	last := after
	emit := func(m live.Message) bool {
		if m.ID <= last {
			return true // a repeat
		}
		last = m.ID
		return send("id: " + strconv.FormatUint(m.ID, 10) + "\nevent: " + m.Type + "\ndata: " + string(m.Data) + "\n\n")
	}
	for _, m := range sub.Backlog {
		if !emit(m) {
			return nil
		}
	}
	beat := time.NewTicker(l.Heartbeat)
	defer beat.Stop()
	for {
		select {
		case m, ok := <-sub.C:
			if !ok {
				// Slow, interrupted, shut down or timed out: the client
				// reconnects and resumes from the last id.
				return nil
			}
			if !emit(m) {
				return nil
			}
		case <-beat.C:
			if !send(": ping\n\n") {
				return nil
			}
		case <-ctx.Done():
			return nil
		}
	}
}

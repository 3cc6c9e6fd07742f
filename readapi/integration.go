package readapi

import (
	"context"
	"net/url"
	"strconv"

	"github.com/souq-market/souq/integration"
	"github.com/souq-market/souq/internal/auth"
	"github.com/souq-market/souq/internal/httpx"
)

// IntegrationFeed reads up to limit integration events after a global
// position, and the position to ask after next (past the stored events
// that publish nothing, too). cmd/souq implements it over the event store
// (projections/outbox.Feed), which this package may not import.
type IntegrationFeed func(ctx context.Context, after uint64, limit int) (events []integration.Event, next uint64, err error)

// Feed limits.
const (
	feedDefaultLimit = 100
	feedMaxLimit     = 1000
)

// FeedPage is one answer of the integration feed. After is where the next
// request starts (?after=); equal to the request's after when nothing new
// was stored: poll again later.
type FeedPage struct {
	Items []integration.Event `json:"items"`
	After uint64              `json:"after"`
	Next  string              `json:"next"`
}

// integrationRoutes serve the embedded integration feed: the events the
// Kafka outbox publishes, with the same IDs, types, versions and payloads,
// for deployments without Kafka. Staff only (admin, super_admin): the feed
// carries every customer's orders and emails, and the services reading it
// run with a staff service token.
func (s *Server) integrationRoutes() {
	feed := s.deps.Integration
	if feed == nil {
		return
	}
	s.Handle(Route{
		Op: httpx.Operation{Path: "/v1/integration-events", ID: "listIntegrationEvents", Tag: "integration",
			Summary: "The integration events (order.created, order.updated, payment.completed, inventory.updated, user.registered, user.erased, shipment.created, delivery.status) after a global position, oldest first (?after, ?limit up to 1000); consumers drop repeats by id."},
		Roles: []auth.Role{auth.Admin, auth.SuperAdmin},
		Read: func(ctx context.Context, c *Call) (any, error) {
			var after uint64
			if v := c.Query.Get("after"); v != "" {
				var err error
				if after, err = strconv.ParseUint(v, 10, 64); err != nil {
					return nil, &httpx.Error{Kind: httpx.KindInvalid, Code: CodeBadParameter, Detail: "after must be a global position (a whole number), as in the after of the previous page"}
				}
			}
			limit, err := c.Limit(feedDefaultLimit, feedMaxLimit)
			if err != nil {
				return nil, err
			}
			events, next, err := feed(ctx, after, limit)
			if err != nil {
				return nil, err
			}
			if events == nil {
				events = []integration.Event{}
			}
			q := url.Values{"after": {strconv.FormatUint(next, 10)}, "limit": {strconv.Itoa(limit)}}
			return FeedPage{Items: events, After: next, Next: c.URL.Path + "?" + q.Encode()}, nil
		},
	})
}

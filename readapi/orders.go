package readapi

import (
	"context"

	"github.com/souq-market/souq/internal/auth"
	"github.com/souq-market/souq/internal/httpx"
	"github.com/souq-market/souq/projections/orders/orderq"
)

// View names (the projectors' checkpoint keys) the routes wait for.
const (
	ViewOrders = "orders"
)

func (s *Server) orderRoutes() {
	rd := s.deps.Orders
	if rd == nil {
		return
	}
	roles := []auth.Role{auth.Customer, auth.Admin, auth.SuperAdmin, auth.Auditor}
	s.Handle(Route{
		Op:    httpx.Operation{Path: "/v1/orders", ID: "listOrders", Tag: "orders", Summary: "A customer's orders, newest first (?customer, ?status, ?limit, ?cursor)."},
		Roles: roles, Views: []string{ViewOrders},
		Read: func(ctx context.Context, c *Call) (any, error) {
			var f orderq.Filter
			var err error
			if f.Customer, err = c.Param("customer"); err != nil {
				return nil, err
			}
			if f.Status, err = c.Param("status"); err != nil {
				return nil, err
			}
			if !c.Caller.Role.ReadsAll() {
				if f.Customer != "" && f.Customer != c.Caller.UserID {
					return nil, notOwner("customer " + f.Customer + "'s order list")
				}
				f.Customer = c.Caller.UserID
			}
			limit, err := c.Limit(20, 100)
			if err != nil {
				return nil, err
			}
			var after orderq.Key
			has, err := c.Cursor(&after)
			if err != nil {
				return nil, err
			}
			var from *orderq.Key
			if has {
				from = &after
			}
			items, next, err := rd.List(ctx, f, from, limit)
			if err != nil {
				return nil, err
			}
			if next == nil {
				return NewPage(c, items, nil)
			}
			return NewPage(c, items, next)
		},
	})
	s.Handle(Route{
		Op:    httpx.Operation{Path: "/v1/orders/{id}", ID: "getOrder", Tag: "orders", Summary: "An order: sub-orders, payment roll-up, shipments and timeline."},
		Roles: roles, Views: []string{ViewOrders},
		Read: func(ctx context.Context, c *Call) (any, error) {
			d, err := rd.Get(ctx, c.Vars["id"])
			if err != nil {
				return nil, notFound(err, "order "+c.Vars["id"])
			}
			if !c.Caller.Role.ReadsAll() && d.CustomerID != c.Caller.UserID {
				return nil, notOwner("order " + d.OrderID)
			}
			return d, nil
		},
	})
}

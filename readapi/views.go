package readapi

import (
	"context"

	"github.com/souq-market/souq/internal/auth"
	"github.com/souq-market/souq/internal/httpx"
	"github.com/souq-market/souq/projections/shipments/shipmentq"
	"github.com/souq-market/souq/projections/wallets/walletq"
)

// View names of the wallets, shipments and inventory routes.
const (
	ViewWallets   = "wallets"
	ViewShipments = shipmentq.View
	ViewInventory = "inventory"
)

func (s *Server) walletRoutes() {
	rd := s.deps.Wallets
	if rd == nil {
		return
	}
	roles := []auth.Role{auth.Customer, auth.Admin, auth.SuperAdmin, auth.Auditor}
	// own reads a wallet, refusing a customer another's.
	own := func(ctx context.Context, c *Call) (walletq.Balance, error) {
		b, err := rd.Get(ctx, c.Vars["id"])
		if err != nil {
			return b, notFound(err, "wallet "+c.Vars["id"])
		}
		if !c.Caller.Role.ReadsAll() && b.CustomerID != c.Caller.UserID {
			return b, notOwner("wallet " + b.WalletID)
		}
		return b, nil
	}
	s.Handle(Route{
		Op:    httpx.Operation{Path: "/v1/wallets/{id}", ID: "getWallet", Tag: "wallets", Summary: "A wallet's balances: available, held for checkouts, cashback pending."},
		Roles: roles, Views: []string{ViewWallets},
		Read: func(ctx context.Context, c *Call) (any, error) { return own(ctx, c) },
	})
	s.Handle(Route{
		Op:    httpx.Operation{Path: "/v1/wallets/{id}/statement", ID: "getWalletStatement", Tag: "wallets", Summary: "A wallet's postings, newest first, with the running balance (?limit, ?cursor)."},
		Roles: roles, Views: []string{ViewWallets},
		Read: func(ctx context.Context, c *Call) (any, error) {
			b, err := own(ctx, c)
			if err != nil {
				return nil, err
			}
			limit, err := c.Limit(50, 200)
			if err != nil {
				return nil, err
			}
			var k walletq.Key
			has, err := c.Cursor(&k)
			if err != nil {
				return nil, err
			}
			var after *walletq.Key
			if has {
				after = &k
			}
			items, next, err := rd.Statement(ctx, b.WalletID, b.Available.Currency, after, limit)
			if err != nil {
				return nil, err
			}
			if next == nil {
				return NewPage(c, items, nil)
			}
			return NewPage(c, items, next)
		},
	})
}

func (s *Server) shipmentRoutes() {
	rd := s.deps.Shipments
	if rd == nil {
		return
	}
	roles := []auth.Role{auth.Customer, auth.Vendor, auth.Admin, auth.SuperAdmin, auth.Auditor}
	s.Handle(Route{
		Op:    httpx.Operation{Path: "/v1/shipments/{tracking}", ID: "trackShipment", Tag: "shipments", Summary: "A parcel's tracking page by tracking number (?carrier), with the carrier events in the order they happened; for the parcel's vendor and staff, label_key, the label PDF's key for getBlobLink."},
		Roles: roles, Views: []string{ViewShipments},
		Read: func(ctx context.Context, c *Call) (any, error) {
			carrier, err := c.Param("carrier")
			if err != nil {
				return nil, err
			}
			tr, err := rd.ByTracking(ctx, c.Vars["tracking"], carrier)
			if err != nil {
				return nil, notFound(err, "tracking number "+c.Vars["tracking"])
			}
			return s.shownTo(ctx, c, tr)
		},
	})
	s.Handle(Route{
		Op:    httpx.Operation{Path: "/v1/shipments/by-id/{id}", ID: "getShipment", Tag: "shipments", Summary: "The same page by shipment ID: how a vendor finds the tracking number and label_key of a parcel the carrier booked for it."},
		Roles: roles, Views: []string{ViewShipments},
		Read: func(ctx context.Context, c *Call) (any, error) {
			tr, err := rd.ByID(ctx, c.Vars["id"])
			if err != nil {
				return nil, notFound(err, "shipment "+c.Vars["id"])
			}
			return s.shownTo(ctx, c, tr)
		},
	})
}

// shownTo is a parcel's page as the caller may see it: staff all of it, its
// vendor its own, a customer the parcels of their orders without the label
// key (GET /v1/blob-links refuses a customer the label anyway).
func (s *Server) shownTo(ctx context.Context, c *Call, tr shipmentq.Tracking) (any, error) {
	switch {
	case c.Caller.Role.ReadsAll():
	case c.Caller.Role == auth.Vendor:
		if tr.VendorID != c.Caller.VendorID {
			return nil, notOwner("shipment " + tr.ShipmentID)
		}
	default: // a customer: the parcel of one of their orders
		if s.deps.Orders == nil {
			return nil, notOwner("shipment " + tr.ShipmentID)
		}
		o, err := s.deps.Orders.Get(ctx, tr.OrderID)
		if err != nil || o.CustomerID != c.Caller.UserID {
			return nil, notOwner("shipment " + tr.ShipmentID)
		}
		tr.LabelKey = ""
	}
	return tr, nil
}

func (s *Server) inventoryRoutes() {
	rd := s.deps.Inventory
	if rd == nil {
		return
	}
	s.Handle(Route{
		Op:    httpx.Operation{Path: "/v1/inventory/{sku}", ID: "getStock", Tag: "inventory", Summary: "A SKU's stock: on hand, reserved, available, per location (?location)."},
		Roles: []auth.Role{auth.Vendor, auth.Admin, auth.SuperAdmin, auth.Auditor}, Views: []string{ViewInventory},
		Read: func(ctx context.Context, c *Call) (any, error) {
			loc, err := c.Param("location")
			if err != nil {
				return nil, err
			}
			sku, err := rd.Get(ctx, c.Vars["sku"], loc)
			if err != nil {
				return nil, notFound(err, "SKU "+c.Vars["sku"])
			}
			if !c.Caller.Role.ReadsAll() && sku.VendorID != c.Caller.VendorID {
				return nil, notOwner("SKU " + sku.SKU)
			}
			return sku, nil
		},
	})
}

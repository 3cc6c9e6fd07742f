package writeapi

import (
	"context"
	"time"

	"github.com/souq-market/souq/commands"
	invcmd "github.com/souq-market/souq/commands/inventory"
	ordercmd "github.com/souq-market/souq/commands/order"
	paycmd "github.com/souq-market/souq/commands/payment"
	shipcmd "github.com/souq-market/souq/commands/shipment"
	walletcmd "github.com/souq-market/souq/commands/wallet"
	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/inventory"
	"github.com/souq-market/souq/domain/order"
	"github.com/souq-market/souq/domain/shipment"
	"github.com/souq-market/souq/domain/wallet"
	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/internal/auth"
	"github.com/souq-market/souq/internal/httpx"
	"github.com/souq-market/souq/writeapi/catalog"
)

// server holds what the command routes share.
type server struct {
	api      *httpx.API
	store    eventstore.Store
	exec     *commands.Executor
	verifier auth.Verifier
	catalog  *catalog.Index
	now      func() time.Time
	carrier  shipcmd.Carrier // books labels; nil: clients record labels bought elsewhere
	gateway  paycmd.Gateway  // card refunds, voids and sessions (payments.go)
	policy   ordercmd.Policy
}

// Who may call what. Staff (admin, super_admin) act on anything; the
// others only on their own, which each route's target checks.
var (
	stockRoles    = []auth.Role{auth.Vendor, auth.Admin, auth.SuperAdmin}
	customerRoles = []auth.Role{auth.Customer, auth.Admin, auth.SuperAdmin}
	vendorRoles   = []auth.Role{auth.Vendor, auth.Admin, auth.SuperAdmin}
	staffRoles    = []auth.Role{auth.Admin, auth.SuperAdmin}
)

func (s *server) routes() {
	inv := invcmd.Deps{Exec: s.exec, Now: s.now}
	ord := ordercmd.Deps{Exec: s.exec, Now: s.now}
	wal := walletcmd.Deps{Exec: s.exec, Now: s.now}
	shp := shipcmd.Deps{Exec: s.exec, Now: s.now}
	s.catalogRoutes() // catalogroutes.go: products, vendors, returns, reviews, affiliates
	s.paymentRoutes() // payments.go: refunds, voids, hold post/void, payment sessions

	handle(s, route[*receiptReq]{
		op:    httpx.Operation{Method: "POST", Path: "/v1/inventory/{sku}/receipts", ID: "receiveStock", Tag: "inventory", Summary: "Add stock of a SKU that arrived at a location."},
		roles: stockRoles, body: func() *receiptReq { return &receiptReq{} },
		target: func(ctx context.Context, c *call, r *receiptReq) (string, error) {
			return s.ownSKU(ctx, c, c.vars["sku"], r.Location)
		},
		run: func(ctx context.Context, c *call, r *receiptReq) (commands.Result, error) {
			return invcmd.Receive{Deps: inv}.Handle(ctx, inventory.Receive{SKU: domain.SKU(c.vars["sku"]), Location: r.Location, Quantity: r.Quantity}, c.meta)
		},
	})
	handle(s, route[*adjustmentReq]{
		op:    httpx.Operation{Method: "POST", Path: "/v1/inventory/{sku}/adjustments", ID: "adjustStock", Tag: "inventory", Summary: "Correct on hand after a count (never below what is reserved)."},
		roles: stockRoles, body: func() *adjustmentReq { return &adjustmentReq{} },
		target: func(ctx context.Context, c *call, r *adjustmentReq) (string, error) {
			return s.ownSKU(ctx, c, c.vars["sku"], r.Location)
		},
		run: func(ctx context.Context, c *call, r *adjustmentReq) (commands.Result, error) {
			return invcmd.Adjust{Deps: inv}.Handle(ctx, inventory.Adjust{SKU: domain.SKU(c.vars["sku"]), Location: r.Location, Delta: r.Delta, Reason: r.Reason, Note: r.Note}, c.meta)
		},
	})
	handle(s, route[*reservationReq]{
		op:    httpx.Operation{Method: "POST", Path: "/v1/inventory/{sku}/reservations", ID: "reserveStock", Tag: "inventory", Status: 201, Summary: "Hold units for an order until an expiry."},
		roles: stockRoles, body: func() *reservationReq { return &reservationReq{} },
		target: func(ctx context.Context, c *call, r *reservationReq) (string, error) {
			return s.ownSKU(ctx, c, c.vars["sku"], r.Location)
		},
		run: func(ctx context.Context, c *call, r *reservationReq) (commands.Result, error) {
			return invcmd.Reserve{Deps: inv}.Handle(ctx, inventory.Reserve{SKU: domain.SKU(c.vars["sku"]), Location: r.Location,
				ReservationID: r.ReservationID, OrderID: r.OrderID, Quantity: r.Quantity, ExpiresAt: r.ExpiresAt}, c.meta)
		},
	})
	handle(s, route[*reservationEndReq]{
		op:    httpx.Operation{Method: "POST", Path: "/v1/inventory/{sku}/reservations/{id}/commit", ID: "commitReservation", Tag: "inventory", Summary: "Turn a hold into a sale."},
		roles: stockRoles, body: func() *reservationEndReq { return &reservationEndReq{} },
		target: func(ctx context.Context, c *call, r *reservationEndReq) (string, error) {
			return s.ownSKU(ctx, c, c.vars["sku"], r.Location)
		},
		run: func(ctx context.Context, c *call, r *reservationEndReq) (commands.Result, error) {
			return invcmd.Commit{Deps: inv}.Handle(ctx, invcmd.At[inventory.Commit]{SKU: domain.SKU(c.vars["sku"]), Location: r.Location,
				Cmd: inventory.Commit{ReservationID: inventory.ReservationID(c.vars["id"])}}, c.meta)
		},
	})
	handle(s, route[*reservationEndReq]{
		op:    httpx.Operation{Method: "POST", Path: "/v1/inventory/{sku}/reservations/{id}/release", ID: "releaseReservation", Tag: "inventory", Summary: "Give a hold back."},
		roles: stockRoles, body: func() *reservationEndReq { return &reservationEndReq{} },
		target: func(ctx context.Context, c *call, r *reservationEndReq) (string, error) {
			return s.ownSKU(ctx, c, c.vars["sku"], r.Location)
		},
		run: func(ctx context.Context, c *call, r *reservationEndReq) (commands.Result, error) {
			return invcmd.Release{Deps: inv}.Handle(ctx, invcmd.At[inventory.Release]{SKU: domain.SKU(c.vars["sku"]), Location: r.Location,
				Cmd: inventory.Release{ReservationID: inventory.ReservationID(c.vars["id"]), Reason: r.Reason}}, c.meta)
		},
	})

	checkout := ordercmd.Checkout{Deps: ord, Catalog: s.catalog, Policy: s.policy}
	handle(s, route[*checkoutReq]{
		op:    httpx.Operation{Method: "POST", Path: "/v1/orders", ID: "checkout", Tag: "orders", Status: 201, Summary: "Check a cart out: prices from the catalog, one sub-order per vendor, shipped to an entry of the caller's address book (address_id; without it, their default address), copied onto the order."},
		roles: []auth.Role{auth.Customer}, body: func() *checkoutReq { return &checkoutReq{} },
		target: func(_ context.Context, _ *call, r *checkoutReq) (string, error) {
			return commands.OrderStream(r.OrderID)
		},
		run: func(ctx context.Context, c *call, r *checkoutReq) (commands.Result, error) {
			return checkout.Handle(ctx, r.cart(c.actor), c.meta)
		},
	})
	s.quote(checkout)
	handle(s, route[*reasonReq]{
		op:    httpx.Operation{Method: "POST", Path: "/v1/orders/{id}/cancel", ID: "cancelOrder", Tag: "orders", Summary: "Call a whole order off before anything shipped."},
		roles: customerRoles, body: func() *reasonReq { return &reasonReq{} },
		target: func(ctx context.Context, c *call, _ *reasonReq) (string, error) {
			o, stream, err := s.order(ctx, c.vars["id"])
			if err == nil && !c.staff() && string(o.Customer()) != c.actor.UserID {
				err = forbidden("order %s is not yours", c.vars["id"])
			}
			return stream, err
		},
		run: func(ctx context.Context, c *call, r *reasonReq) (commands.Result, error) {
			return ordercmd.Cancel{Deps: ord}.Handle(ctx, ordercmd.For[order.Cancel]{OrderID: domain.OrderID(c.vars["id"]), Cmd: order.Cancel{Reason: r.Reason}}, c.meta)
		},
	})
	handle(s, route[*reasonReq]{
		op:    httpx.Operation{Method: "POST", Path: "/v1/orders/{id}/suborders/{sub}/cancel", ID: "cancelSubOrder", Tag: "orders", Summary: "Cancel a vendor's part before it ships."},
		roles: vendorRoles, body: func() *reasonReq { return &reasonReq{} },
		target: func(ctx context.Context, c *call, _ *reasonReq) (string, error) {
			return s.ownSubOrder(ctx, c, c.vars["id"], c.vars["sub"])
		},
		run: func(ctx context.Context, c *call, r *reasonReq) (commands.Result, error) {
			return ordercmd.CancelSubOrder{Deps: ord}.Handle(ctx, ordercmd.For[order.CancelSubOrder]{OrderID: domain.OrderID(c.vars["id"]),
				Cmd: order.CancelSubOrder{SubOrderID: domain.SubOrderID(c.vars["sub"]), Reason: r.Reason}}, c.meta)
		},
	})
	handle(s, route[*emptyReq]{
		op:    httpx.Operation{Method: "POST", Path: "/v1/orders/{id}/suborders/{sub}/fulfil", ID: "fulfilSubOrder", Tag: "orders", Summary: "Record that a vendor packed its part."},
		roles: vendorRoles, body: func() *emptyReq { return &emptyReq{} },
		target: func(ctx context.Context, c *call, _ *emptyReq) (string, error) {
			return s.ownSubOrder(ctx, c, c.vars["id"], c.vars["sub"])
		},
		run: func(ctx context.Context, c *call, _ *emptyReq) (commands.Result, error) {
			return ordercmd.FulfilSubOrder{Deps: ord}.Handle(ctx, ordercmd.For[order.FulfilSubOrder]{OrderID: domain.OrderID(c.vars["id"]),
				Cmd: order.FulfilSubOrder{SubOrderID: domain.SubOrderID(c.vars["sub"])}}, c.meta)
		},
	})

	handle(s, route[*walletOpenReq]{
		op:    httpx.Operation{Method: "POST", Path: "/v1/wallets", ID: "openWallet", Tag: "wallets", Status: 201, Summary: "Open a customer's wallet in a currency."},
		roles: customerRoles, body: func() *walletOpenReq { return &walletOpenReq{} },
		target: func(_ context.Context, c *call, r *walletOpenReq) (string, error) {
			if !c.staff() {
				if r.CustomerID != "" && string(r.CustomerID) != c.actor.UserID {
					return "", forbidden("a customer opens only their own wallet")
				}
				r.CustomerID = domain.CustomerID(c.actor.UserID)
			}
			if r.CustomerID == "" {
				return "", invalid("customer_id", domain.ProblemRequired, "is required when staff open a wallet")
			}
			return commands.WalletStream(r.WalletID)
		},
		run: func(ctx context.Context, c *call, r *walletOpenReq) (commands.Result, error) {
			return walletcmd.Open{Deps: wal}.Handle(ctx, walletcmd.For[wallet.Open]{WalletID: r.WalletID, Cmd: wallet.Open{CustomerID: r.CustomerID, Currency: r.Currency}}, c.meta)
		},
	})
	handle(s, route[*creditReq]{
		op:    httpx.Operation{Method: "POST", Path: "/v1/wallets/{id}/credits", ID: "creditWallet", Tag: "wallets", Summary: "Credit a wallet by hand (admins only)."},
		roles: staffRoles, body: func() *creditReq { return &creditReq{} },
		target: func(ctx context.Context, c *call, _ *creditReq) (string, error) {
			_, stream, err := s.wallet(ctx, c.vars["id"])
			return stream, err
		},
		run: func(ctx context.Context, c *call, r *creditReq) (commands.Result, error) {
			return walletcmd.Credit{Deps: wal}.Handle(ctx, walletcmd.For[wallet.Credit]{WalletID: domain.WalletID(c.vars["id"]),
				Cmd: wallet.Credit{Reference: r.Reference, Source: wallet.SourceTopUp, Amount: r.money}}, c.meta)
		},
	})
	handle(s, route[*holdReq]{
		op:    httpx.Operation{Method: "POST", Path: "/v1/wallets/{id}/holds", ID: "holdWallet", Tag: "wallets", Status: 201, Summary: "Set wallet money aside for a checkout."},
		roles: customerRoles, body: func() *holdReq { return &holdReq{} },
		target: func(ctx context.Context, c *call, _ *holdReq) (string, error) {
			wl, stream, err := s.wallet(ctx, c.vars["id"])
			if err == nil && !c.staff() && string(wl.Customer()) != c.actor.UserID {
				err = forbidden("wallet %s is not yours", c.vars["id"])
			}
			return stream, err
		},
		run: func(ctx context.Context, c *call, r *holdReq) (commands.Result, error) {
			return walletcmd.PlaceHold{Deps: wal}.Handle(ctx, walletcmd.For[wallet.PlaceHold]{WalletID: domain.WalletID(c.vars["id"]),
				Cmd: wallet.PlaceHold{HoldID: r.HoldID, OrderID: r.OrderID, Amount: r.money}}, c.meta)
		},
	})

	handle(s, route[*shipmentReq]{
		op:    httpx.Operation{Method: "POST", Path: "/v1/shipments", ID: "createShipment", Tag: "shipments", Status: 201, Summary: "Ship a sub-order: record a label bought elsewhere, or, sent without tracking_number and label_key, have the configured carrier book one — for a real carrier, with the parcel (ship_from, weight_grams; ship_to, else the order's ship-to; pieces, contents, declared_value), which goes to the carrier only and is not recorded."},
		roles: vendorRoles, body: func() *shipmentReq { return &shipmentReq{} },
		target: func(ctx context.Context, c *call, r *shipmentReq) (string, error) {
			o, _, err := s.order(ctx, string(r.OrderID))
			if err != nil {
				return "", err
			}
			sub, ok := subOrder(o, r.SubOrderID)
			switch {
			case !ok:
				return "", domain.Errorf(domain.NotFound, "order.sub_order_not_found", "order %s has no sub-order %s", r.OrderID, r.SubOrderID)
			case !c.staff() && string(sub.VendorID) != c.actor.VendorID:
				return "", forbidden("sub-order %s is not yours", r.SubOrderID)
			}
			r.vendor = sub.VendorID // from the order, never from the client
			if err := r.fillShipTo(o); err != nil {
				return "", err
			}
			return commands.ShipmentStream(r.ShipmentID)
		},
		run: func(ctx context.Context, c *call, r *shipmentReq) (commands.Result, error) {
			cmd := shipcmd.For[shipment.Create]{ShipmentID: r.ShipmentID, Cmd: shipment.Create{
				OrderID: r.OrderID, SubOrderID: r.SubOrderID, VendorID: r.vendor, Carrier: r.Carrier,
				TrackingNumber: r.TrackingNumber, LabelKey: r.LabelKey, CODAmount: r.cod}}
			if r.TrackingNumber == "" && r.LabelKey == "" && s.carrier != nil {
				return shipcmd.Book{Deps: shp, Carrier: s.carrier, Parcel: r.parcel}.Handle(ctx, cmd, c.meta) // the carrier buys the label
			}
			return shipcmd.Create{Deps: shp}.Handle(ctx, cmd, c.meta)
		},
	})
}

// ownSKU checks that a vendor acts on a SKU of its own products (staff on
// any) and names the stock's stream.
func (s *server) ownSKU(ctx context.Context, c *call, sku string, loc domain.LocationID) (string, error) {
	stream, err := commands.InventoryStream(domain.SKU(sku), loc)
	if err != nil {
		return "", err
	}
	if c.staff() {
		return stream, nil
	}
	owner, err := s.catalog.Vendor(ctx, domain.SKU(sku))
	if err != nil {
		return "", err
	}
	if string(owner) != c.actor.VendorID {
		return "", forbidden("SKU %s is not one of your products", sku)
	}
	return stream, nil
}

// ownSubOrder checks that a vendor acts on its own sub-order.
func (s *server) ownSubOrder(ctx context.Context, c *call, orderID, subID string) (string, error) {
	o, stream, err := s.order(ctx, orderID)
	if err != nil {
		return "", err
	}
	sub, ok := subOrder(o, domain.SubOrderID(subID))
	switch {
	case !ok:
		return "", domain.Errorf(domain.NotFound, "order.sub_order_not_found", "order %s has no sub-order %s", orderID, subID)
	case !c.staff() && string(sub.VendorID) != c.actor.VendorID:
		return "", forbidden("sub-order %s is not yours", subID)
	}
	return stream, nil
}

func subOrder(o *order.Order, id domain.SubOrderID) (order.SubOrder, bool) {
	for _, s := range o.SubOrders() {
		if s.ID == id {
			return s, true
		}
	}
	return order.SubOrder{}, false
}

// order loads an order to check who may act on it; 404 when it has no events.
func (s *server) order(ctx context.Context, id string) (*order.Order, string, error) {
	stream, err := commands.OrderStream(domain.OrderID(id))
	if err != nil {
		return nil, "", err
	}
	o, err := existing(ctx, s.exec, stream, func() *order.Order { return order.New(domain.OrderID(id)) },
		domain.Errorf(domain.NotFound, "order.not_found", "no order %s", id))
	return o, stream, err
}

// wallet loads a wallet to check who may act on it; 404 when it has no events.
func (s *server) wallet(ctx context.Context, id string) (*wallet.Wallet, string, error) {
	stream, err := commands.WalletStream(domain.WalletID(id))
	if err != nil {
		return nil, "", err
	}
	w, err := existing(ctx, s.exec, stream, func() *wallet.Wallet { return wallet.New(domain.WalletID(id)) },
		domain.Errorf(domain.NotFound, "wallet.not_found", "no wallet %s", id))
	return w, stream, err
}

// existing loads an aggregate as it stands, or answers notFound when its
// stream has no events.
func existing[A commands.Aggregate](ctx context.Context, x *commands.Executor, stream string, fresh func() A, notFound error) (A, error) {
	a, err := commands.Decide(ctx, x, commands.Step[A]{Stream: stream, New: fresh, Decide: func(A) error { return nil }})
	if err == nil && a.Version() == 0 {
		err = notFound
	}
	return a, err
}

func invalid(field, code, msg string) error {
	var v domain.Validation
	v.Add(field, code, "%s", msg)
	return v.Err()
}

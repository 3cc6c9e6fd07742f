package writeapi

import (
	"context"

	"github.com/souq-market/souq/commands"
	affcmd "github.com/souq-market/souq/commands/affiliate"
	prodcmd "github.com/souq-market/souq/commands/product"
	retcmd "github.com/souq-market/souq/commands/returns"
	revcmd "github.com/souq-market/souq/commands/review"
	vendorcmd "github.com/souq-market/souq/commands/vendor"
	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/affiliate"
	"github.com/souq-market/souq/domain/product"
	"github.com/souq-market/souq/domain/returns"
	"github.com/souq-market/souq/domain/review"
	"github.com/souq-market/souq/domain/vendor"
	"github.com/souq-market/souq/internal/auth"
	"github.com/souq-market/souq/internal/httpx"
)

// catalogRoutes are the command routes of the catalog and the marketplace
// around it: products, vendors, returns, reviews and affiliates. Ownership
// as elsewhere: a vendor acts on its own products, vendor account and the
// returns of its sub-orders; a customer on its own orders' returns and its
// own reviews; staff on anything, and alone on approvals, commissions,
// moderation and affiliate accounts.
func (s *server) catalogRoutes() {
	s.productRoutes()
	s.vendorRoutes()
	s.returnRoutes()
	s.reviewRoutes()
	s.affiliateRoutes()
}

func (s *server) productRoutes() {
	d := prodcmd.Deps{Exec: s.exec, Now: s.now}
	handle(s, route[*productReq]{
		op:    httpx.Operation{Method: "POST", Path: "/v1/products", ID: "listProduct", Tag: "products", Status: 201, Summary: "List a product with its sizes and prices (an approved vendor, or staff for one)."},
		roles: vendorRoles, body: func() *productReq { return &productReq{} },
		target: func(_ context.Context, c *call, r *productReq) (string, error) {
			switch {
			case !c.staff() && r.VendorID != "" && string(r.VendorID) != c.actor.VendorID:
				return "", forbidden("a vendor lists only its own products")
			case !c.staff():
				r.VendorID = domain.VendorID(c.actor.VendorID)
			case r.VendorID == "":
				return "", invalid("vendor_id", domain.ProblemRequired, "is required when staff list a product")
			}
			return commands.ProductStream(r.ProductID)
		},
		run: func(ctx context.Context, c *call, r *productReq) (commands.Result, error) {
			return prodcmd.List{Deps: d}.Handle(ctx, prodcmd.For[product.List]{ProductID: r.ProductID,
				Cmd: product.List{VendorID: r.VendorID, Details: r.Details, Variants: r.variants}}, c.meta)
		},
	})
	handle(s, route[*productUpdateReq]{
		op:    httpx.Operation{Method: "POST", Path: "/v1/products/{id}/updates", ID: "updateProduct", Tag: "products", Summary: "Replace a product's details (names, brand, scent profile, images)."},
		roles: vendorRoles, body: func() *productUpdateReq { return &productUpdateReq{} },
		target: func(ctx context.Context, c *call, _ *productUpdateReq) (string, error) { return s.ownProduct(ctx, c) },
		run: func(ctx context.Context, c *call, r *productUpdateReq) (commands.Result, error) {
			return prodcmd.Update{Deps: d}.Handle(ctx, prodcmd.For[product.Update]{ProductID: domain.ProductID(c.vars["id"]), Staff: c.staff(),
				Cmd: product.Update{VendorID: domain.VendorID(c.actor.VendorID), Details: r.Details}}, c.meta)
		},
	})
	handle(s, route[*repriceReq]{
		op:    httpx.Operation{Method: "POST", Path: "/v1/products/{id}/price", ID: "repriceProduct", Tag: "products", Summary: "Set a SKU's tax-inclusive prices, one per currency."},
		roles: vendorRoles, body: func() *repriceReq { return &repriceReq{} },
		target: func(ctx context.Context, c *call, _ *repriceReq) (string, error) { return s.ownProduct(ctx, c) },
		run: func(ctx context.Context, c *call, r *repriceReq) (commands.Result, error) {
			return prodcmd.Reprice{Deps: d}.Handle(ctx, prodcmd.For[product.Reprice]{ProductID: domain.ProductID(c.vars["id"]), Staff: c.staff(),
				Cmd: product.Reprice{VendorID: domain.VendorID(c.actor.VendorID), SKU: r.SKU, Prices: r.prices}}, c.meta)
		},
	})
	handle(s, route[*delistReq]{
		op:    httpx.Operation{Method: "POST", Path: "/v1/products/{id}/delist", ID: "delistProduct", Tag: "products", Summary: "Take a product off sale for good, with a code and a reason."},
		roles: vendorRoles, body: func() *delistReq { return &delistReq{} },
		target: func(ctx context.Context, c *call, _ *delistReq) (string, error) { return s.ownProduct(ctx, c) },
		run: func(ctx context.Context, c *call, r *delistReq) (commands.Result, error) {
			return prodcmd.Delist{Deps: d}.Handle(ctx, prodcmd.For[product.Delist]{ProductID: domain.ProductID(c.vars["id"]), Staff: c.staff(),
				Cmd: product.Delist{VendorID: domain.VendorID(c.actor.VendorID), Code: r.Code, Reason: r.Reason}}, c.meta)
		},
	})
}

// ownProduct checks that a vendor acts on its own listed product (staff on
// any) and names its stream; 404 when it was never listed.
func (s *server) ownProduct(ctx context.Context, c *call) (string, error) {
	id := domain.ProductID(c.vars["id"])
	stream, err := commands.ProductStream(id)
	if err != nil {
		return "", err
	}
	p, err := commands.Load(ctx, s.exec, stream, func() *product.Product { return product.New(id) })
	switch {
	case err != nil:
		return "", err
	case p.Version() == 0:
		return "", domain.Errorf(domain.NotFound, product.CodeNotListed, "no product %s", id)
	case !c.staff() && string(p.Vendor()) != c.actor.VendorID:
		return "", forbidden("product %s is not yours", id)
	}
	return stream, nil
}

func (s *server) vendorRoutes() {
	d := vendorcmd.Deps{Exec: s.exec, Now: s.now}
	handle(s, route[*vendorReq]{
		op:    httpx.Operation{Method: "POST", Path: "/v1/vendors", ID: "onboardVendor", Tag: "vendors", Status: 201, Summary: "Register a seller; it sells once its KYC is approved."},
		roles: vendorRoles, body: func() *vendorReq { return &vendorReq{} },
		target: func(_ context.Context, c *call, r *vendorReq) (string, error) {
			switch {
			case !c.staff() && r.VendorID != "" && string(r.VendorID) != c.actor.VendorID:
				return "", forbidden("a vendor registers only itself")
			case !c.staff():
				r.VendorID = domain.VendorID(c.actor.VendorID)
			case r.VendorID == "":
				return "", invalid("vendor_id", domain.ProblemRequired, "is required when staff register a vendor")
			}
			return commands.VendorStream(r.VendorID)
		},
		run: func(ctx context.Context, c *call, r *vendorReq) (commands.Result, error) {
			return vendorcmd.Onboard{Deps: d}.Handle(ctx, vendorcmd.For[vendor.Register]{VendorID: r.VendorID,
				Cmd: vendor.Register{Name: r.Name, Country: r.Country, Email: r.Email}}, c.meta)
		},
	})
	id := func(c *call) domain.VendorID { return domain.VendorID(c.vars["id"]) }
	handle(s, route[*kycReq]{
		op:    httpx.Operation{Method: "POST", Path: "/v1/vendors/{id}/kyc-documents", ID: "submitVendorKYC", Tag: "vendors", Summary: "File KYC documents (blob keys) for review."},
		roles: vendorRoles, body: func() *kycReq { return &kycReq{} },
		target: func(_ context.Context, c *call, _ *kycReq) (string, error) { return s.ownVendor(c) },
		run: func(ctx context.Context, c *call, r *kycReq) (commands.Result, error) {
			return vendorcmd.SubmitKYC{Deps: d}.Handle(ctx, vendorcmd.For[vendor.SubmitKYC]{VendorID: id(c), Cmd: vendor.SubmitKYC{Documents: r.Documents}}, c.meta)
		},
	})
	handle(s, route[*payoutAccountReq]{
		op:    httpx.Operation{Method: "POST", Path: "/v1/vendors/{id}/payout-account", ID: "setVendorPayoutAccount", Tag: "vendors", Summary: "Set the bank account payouts go to (an IBAN of the vendor's country)."},
		roles: vendorRoles, body: func() *payoutAccountReq { return &payoutAccountReq{} },
		target: func(_ context.Context, c *call, _ *payoutAccountReq) (string, error) { return s.ownVendor(c) },
		run: func(ctx context.Context, c *call, r *payoutAccountReq) (commands.Result, error) {
			return vendorcmd.SetPayoutAccount{Deps: d}.Handle(ctx, vendorcmd.For[vendor.SetPayoutAccount]{VendorID: id(c), Cmd: vendor.SetPayoutAccount{Account: r.PayoutAccount}}, c.meta)
		},
	})
	staffOnVendor := func(_ context.Context, c *call) (string, error) { return commands.VendorStream(id(c)) }
	handle(s, route[*rateReq]{
		op:    httpx.Operation{Method: "POST", Path: "/v1/vendors/{id}/approve", ID: "approveVendor", Tag: "vendors", Summary: "Approve a vendor's KYC at a commission rate (staff)."},
		roles: staffRoles, body: func() *rateReq { return &rateReq{} },
		target: func(ctx context.Context, c *call, _ *rateReq) (string, error) { return staffOnVendor(ctx, c) },
		run: func(ctx context.Context, c *call, r *rateReq) (commands.Result, error) {
			return vendorcmd.Approve{Deps: d}.Handle(ctx, vendorcmd.For[vendor.Approve]{VendorID: id(c), Cmd: vendor.Approve{CommissionRate: r.rate()}}, c.meta)
		},
	})
	handle(s, route[*reasonReq]{
		op:    httpx.Operation{Method: "POST", Path: "/v1/vendors/{id}/reject", ID: "rejectVendor", Tag: "vendors", Summary: "Refuse a vendor's KYC with a reason; it may submit again (staff)."},
		roles: staffRoles, body: func() *reasonReq { return &reasonReq{} },
		target: func(ctx context.Context, c *call, _ *reasonReq) (string, error) { return staffOnVendor(ctx, c) },
		run: func(ctx context.Context, c *call, r *reasonReq) (commands.Result, error) {
			return vendorcmd.Reject{Deps: d}.Handle(ctx, vendorcmd.For[vendor.Reject]{VendorID: id(c), Cmd: vendor.Reject{Reason: r.Reason}}, c.meta)
		},
	})
	handle(s, route[*reasonReq]{
		op:    httpx.Operation{Method: "POST", Path: "/v1/vendors/{id}/suspend", ID: "suspendVendor", Tag: "vendors", Summary: "Stop a vendor selling and freeze its payouts (staff)."},
		roles: staffRoles, body: func() *reasonReq { return &reasonReq{} },
		target: func(ctx context.Context, c *call, _ *reasonReq) (string, error) { return staffOnVendor(ctx, c) },
		run: func(ctx context.Context, c *call, r *reasonReq) (commands.Result, error) {
			return vendorcmd.Suspend{Deps: d}.Handle(ctx, vendorcmd.For[vendor.Suspend]{VendorID: id(c), Cmd: vendor.Suspend{Reason: r.Reason}}, c.meta)
		},
	})
	handle(s, route[*rateReq]{
		op:    httpx.Operation{Method: "POST", Path: "/v1/vendors/{id}/commission", ID: "setVendorCommission", Tag: "vendors", Summary: "Change a vendor's commission rate for orders placed from now on (staff)."},
		roles: staffRoles, body: func() *rateReq { return &rateReq{} },
		target: func(ctx context.Context, c *call, _ *rateReq) (string, error) { return staffOnVendor(ctx, c) },
		run: func(ctx context.Context, c *call, r *rateReq) (commands.Result, error) {
			return vendorcmd.SetCommission{Deps: d}.Handle(ctx, vendorcmd.For[vendor.ChangeCommission]{VendorID: id(c), Cmd: vendor.ChangeCommission{CommissionRate: r.rate()}}, c.meta)
		},
	})
}

// ownVendor checks that a vendor acts on its own account (staff on any).
func (s *server) ownVendor(c *call) (string, error) {
	if !c.staff() && c.vars["id"] != c.actor.VendorID {
		return "", forbidden("vendor %s is not you", c.vars["id"])
	}
	return commands.VendorStream(domain.VendorID(c.vars["id"]))
}

func (s *server) returnRoutes() {
	d := retcmd.Deps{Exec: s.exec, Now: s.now}
	handle(s, route[*returnReq]{
		op:    httpx.Operation{Method: "POST", Path: "/v1/orders/{id}/returns", ID: "requestReturn", Tag: "returns", Status: 201, Summary: "Ask to send items of a delivered sub-order back, within the return window."},
		roles: customerRoles, body: func() *returnReq { return &returnReq{} },
		target: func(ctx context.Context, c *call, r *returnReq) (string, error) {
			o, _, err := s.order(ctx, c.vars["id"])
			if err == nil && !c.staff() && string(o.Customer()) != c.actor.UserID {
				err = forbidden("order %s is not yours", c.vars["id"])
			}
			if err != nil {
				return "", err
			}
			return commands.ReturnStream(r.ReturnID)
		},
		run: func(ctx context.Context, c *call, r *returnReq) (commands.Result, error) {
			var customer domain.CustomerID // staff ask for the order's customer
			if !c.staff() {
				customer = domain.CustomerID(c.actor.UserID)
			}
			return retcmd.RequestReturn{Deps: d}.Handle(ctx, retcmd.For[retcmd.Request]{ReturnID: r.ReturnID, Cmd: retcmd.Request{
				OrderID: domain.OrderID(c.vars["id"]), SubOrderID: r.SubOrderID, CustomerID: customer, Items: r.items(), Reason: r.Reason, Comment: r.Comment}}, c.meta)
		},
	})
	id := func(c *call) domain.ReturnID { return domain.ReturnID(c.vars["id"]) }
	handle(s, route[*returnApproveReq]{
		op:    httpx.Operation{Method: "POST", Path: "/v1/returns/{id}/approve", ID: "approveReturn", Tag: "returns", Summary: "Accept a return and say where its refund goes (card or wallet)."},
		roles: vendorRoles, body: func() *returnApproveReq { return &returnApproveReq{} },
		target: func(ctx context.Context, c *call, _ *returnApproveReq) (string, error) { return s.ownReturn(ctx, c) },
		run: func(ctx context.Context, c *call, r *returnApproveReq) (commands.Result, error) {
			return retcmd.Approve{Deps: d}.Handle(ctx, retcmd.For[returns.Approve]{ReturnID: id(c), Cmd: returns.Approve{RefundTo: r.RefundTo}}, c.meta)
		},
	})
	handle(s, route[*reasonReq]{
		op:    httpx.Operation{Method: "POST", Path: "/v1/returns/{id}/reject", ID: "rejectReturn", Tag: "returns", Summary: "Refuse a return with a reason."},
		roles: vendorRoles, body: func() *reasonReq { return &reasonReq{} },
		target: func(ctx context.Context, c *call, _ *reasonReq) (string, error) { return s.ownReturn(ctx, c) },
		run: func(ctx context.Context, c *call, r *reasonReq) (commands.Result, error) {
			return retcmd.Reject{Deps: d}.Handle(ctx, retcmd.For[returns.Reject]{ReturnID: id(c), Cmd: returns.Reject{Reason: r.Reason}}, c.meta)
		},
	})
	handle(s, route[*returnReceiveReq]{
		op:    httpx.Operation{Method: "POST", Path: "/v1/returns/{id}/receive", ID: "receiveReturn", Tag: "returns", Summary: "Record the goods back, and whether they return to stock."},
		roles: vendorRoles, body: func() *returnReceiveReq { return &returnReceiveReq{} },
		target: func(ctx context.Context, c *call, _ *returnReceiveReq) (string, error) { return s.ownReturn(ctx, c) },
		run: func(ctx context.Context, c *call, r *returnReceiveReq) (commands.Result, error) {
			return retcmd.Receive{Deps: d}.Handle(ctx, retcmd.For[returns.Receive]{ReturnID: id(c), Cmd: returns.Receive{Restock: *r.Restock, Note: r.Note}}, c.meta)
		},
	})
}

// ownReturn checks that a vendor acts on a return of its own sub-order
// (staff on any); 404 when it was never requested.
func (s *server) ownReturn(ctx context.Context, c *call) (string, error) {
	id := domain.ReturnID(c.vars["id"])
	stream, err := commands.ReturnStream(id)
	if err != nil {
		return "", err
	}
	r, err := commands.Load(ctx, s.exec, stream, func() *returns.Return { return returns.New(id) })
	switch {
	case err != nil:
		return "", err
	case r.Version() == 0:
		return "", domain.Errorf(domain.NotFound, returns.CodeNotRequested, "no return %s", id)
	case !c.staff() && string(r.Vendor()) != c.actor.VendorID:
		return "", forbidden("return %s is not of your sub-order", id)
	}
	return stream, nil
}

func (s *server) reviewRoutes() {
	d := revcmd.Deps{Exec: s.exec, Now: s.now}
	handle(s, route[*reviewReq]{
		op:    httpx.Operation{Method: "POST", Path: "/v1/products/{id}/reviews", ID: "reviewProduct", Tag: "reviews", Status: 201, Summary: "Rate (1–5) and review a product once, after its delivery."},
		roles: []auth.Role{auth.Customer}, body: func() *reviewReq { return &reviewReq{} },
		target: func(_ context.Context, c *call, _ *reviewReq) (string, error) {
			// The review's ID is the product and the caller: one each, and only one's own.
			return commands.ReviewStream(review.IDFor(domain.ProductID(c.vars["id"]), domain.CustomerID(c.actor.UserID)))
		},
		run: func(ctx context.Context, c *call, r *reviewReq) (commands.Result, error) {
			return revcmd.Write{Deps: d}.Handle(ctx, revcmd.Rating{ProductID: domain.ProductID(c.vars["id"]), CustomerID: domain.CustomerID(c.actor.UserID),
				OrderID: r.OrderID, Rating: r.Rating, Title: r.Title, Body: r.Body}, c.meta)
		},
	})
	handle(s, route[*moderateReq]{
		op:    httpx.Operation{Method: "POST", Path: "/v1/reviews/{id}/moderate", ID: "moderateReview", Tag: "reviews", Summary: "Approve a review for the product page or reject it with a reason (staff)."},
		roles: staffRoles, body: func() *moderateReq { return &moderateReq{} },
		target: func(_ context.Context, c *call, _ *moderateReq) (string, error) {
			return commands.ReviewStream(domain.ReviewID(c.vars["id"]))
		},
		run: func(ctx context.Context, c *call, r *moderateReq) (commands.Result, error) {
			return revcmd.Moderate{Deps: d}.Handle(ctx, revcmd.For[review.Moderate]{ReviewID: domain.ReviewID(c.vars["id"]),
				Cmd: review.Moderate{ModeratorID: c.actor.UserID, Approve: r.Decision == "approve", Reason: r.Reason}}, c.meta)
		},
	})
}

func (s *server) affiliateRoutes() {
	d := affcmd.Deps{Exec: s.exec, Now: s.now}
	id := func(c *call) domain.AffiliateID { return domain.AffiliateID(c.vars["id"]) }
	handle(s, route[*affiliateReq]{
		op:    httpx.Operation{Method: "POST", Path: "/v1/affiliates", ID: "registerAffiliate", Tag: "affiliates", Status: 201, Summary: "Open an influencer's affiliate account at a commission rate, with its first link (staff)."},
		roles: staffRoles, body: func() *affiliateReq { return &affiliateReq{} },
		target: func(_ context.Context, _ *call, r *affiliateReq) (string, error) {
			return commands.AffiliateStream(r.AffiliateID)
		},
		run: func(ctx context.Context, c *call, r *affiliateReq) (commands.Result, error) {
			return affcmd.Register{Deps: d}.Handle(ctx, affcmd.For[affcmd.Registration]{AffiliateID: r.AffiliateID, Cmd: r.registration()}, c.meta)
		},
	})
	handle(s, route[*linkReq]{
		op:    httpx.Operation{Method: "POST", Path: "/v1/affiliates/{id}/links", ID: "createAffiliateLink", Tag: "affiliates", Status: 201, Summary: "Give an affiliate another link and code (staff)."},
		roles: staffRoles, body: func() *linkReq { return &linkReq{} },
		target: func(_ context.Context, c *call, _ *linkReq) (string, error) { return commands.AffiliateStream(id(c)) },
		run: func(ctx context.Context, c *call, r *linkReq) (commands.Result, error) {
			return affcmd.CreateLink{Deps: d}.Handle(ctx, affcmd.For[affiliate.CreateLink]{AffiliateID: id(c), Cmd: affiliate.CreateLink{LinkID: r.LinkID, Code: r.Code}}, c.meta)
		},
	})
	handle(s, route[*clickReq]{
		op:    httpx.Operation{Method: "POST", Path: "/v1/affiliates/{id}/clicks", ID: "recordAffiliateClick", Tag: "affiliates", Status: 201, Summary: "Count a visit through an affiliate's link (send an Idempotency-Key per click)."},
		roles: customerRoles, body: func() *clickReq { return &clickReq{} },
		target: func(_ context.Context, c *call, _ *clickReq) (string, error) { return commands.AffiliateStream(id(c)) },
		run: func(ctx context.Context, c *call, r *clickReq) (commands.Result, error) {
			return affcmd.RecordClick{Deps: d}.Handle(ctx, affcmd.For[affiliate.RecordClick]{AffiliateID: id(c), Cmd: affiliate.RecordClick{LinkID: r.LinkID}}, c.meta)
		},
	})
}

package readapi

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/souq-market/souq/internal/auth"
	"github.com/souq-market/souq/internal/httpx"
	"github.com/souq-market/souq/projections/vendors/vendorq"
)

// ViewVendors is the vendor dashboard projector's name.
const ViewVendors = "vendors"

func (s *Server) vendorRoutes() {
	rd := s.deps.Vendors
	if rd == nil {
		return
	}
	s.Handle(Route{
		Op: httpx.Operation{Path: "/v1/vendors/{id}/dashboard", ID: "getVendorDashboard", Tag: "vendors",
			Summary: "A vendor's dashboard: sub-orders by status, daily sales and earnings, balances, low-stock SKUs, top products (?from, ?to as YYYY-MM-DD, ?threshold, ?top)."},
		Roles: []auth.Role{auth.Vendor, auth.Admin, auth.SuperAdmin}, Views: []string{ViewVendors},
		Read: func(ctx context.Context, c *Call) (any, error) {
			id := c.Vars["id"]
			if c.Caller.Role == auth.Vendor && c.Caller.VendorID != id {
				return nil, notOwner("vendor " + id + "'s dashboard")
			}
			var q vendorq.Query
			var err error
			if q.From, err = c.Day("from"); err != nil {
				return nil, err
			}
			if q.To, err = c.Day("to"); err != nil {
				return nil, err
			}
			if q.Threshold, err = c.Int("threshold", 0, 1<<40); err != nil {
				return nil, err
			}
			top, err := c.Int("top", 1, vendorq.MaxList)
			if err != nil {
				return nil, err
			}
			q.Top = int(top)
			d, err := rd.Dashboard(ctx, id, q)
			switch {
			case errors.Is(err, vendorq.ErrNotFound):
				return nil, &httpx.Error{Kind: httpx.KindNotFound, Code: CodeNotFound, Detail: "vendor " + id + " is not known (yet: retry with " + HeaderMinPosition + " after a write)", Err: err}
			case errors.Is(err, vendorq.ErrBadQuery):
				return nil, &httpx.Error{Kind: httpx.KindInvalid, Code: CodeBadParameter, Detail: err.Error(), Err: err}
			}
			return d, err
		},
	})
}

// Day reads a query parameter in the form YYYY-MM-DD (a UTC day); absent
// is the zero time.
func (c *Call) Day(name string) (time.Time, error) {
	v := c.Query.Get(name)
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.DateOnly, v)
	if err != nil {
		return time.Time{}, &httpx.Error{Kind: httpx.KindInvalid, Code: CodeBadParameter, Detail: name + " must be a day as YYYY-MM-DD"}
	}
	return t, nil
}

// Int reads an integer query parameter in lo..hi; absent is 0.
func (c *Call) Int(name string, lo, hi int64) (int64, error) {
	v := c.Query.Get(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < lo || n > hi {
		return 0, &httpx.Error{Kind: httpx.KindInvalid, Code: CodeBadParameter, Detail: name + " must be a whole number from " + strconv.FormatInt(lo, 10) + " to " + strconv.FormatInt(hi, 10)}
	}
	return n, nil
}

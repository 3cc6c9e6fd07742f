package readapi

import (
	"context"
	"errors"
	"time"

	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/internal/auth"
	"github.com/souq-market/souq/internal/httpx"
	"github.com/souq-market/souq/projections/kpis/kpiq"
)

// ViewKPIs is the KPI projector's name.
const ViewKPIs = "kpis"

func (s *Server) kpiRoutes() {
	rd := s.deps.KPIs
	if rd == nil {
		return
	}
	s.Handle(Route{
		Op: httpx.Operation{Path: "/v1/admin/kpis", ID: "getKPIs", Tag: "admin",
			Summary: "GMV, orders, average order value, cancellations and payment failure rate per UTC day and currency, and orders by status (?from, ?to as YYYY-MM-DD, default the last 30 days; ?currency)."},
		Roles: []auth.Role{auth.Admin, auth.SuperAdmin, auth.Auditor}, Views: []string{ViewKPIs},
		Read: func(ctx context.Context, c *Call) (any, error) {
			from, err := c.Day("from")
			if err != nil {
				return nil, err
			}
			to, err := c.Day("to")
			if err != nil {
				return nil, err
			}
			if to.IsZero() {
				to = time.Now().UTC()
			}
			if from.IsZero() {
				from = to.AddDate(0, 0, -29)
			}
			cur := c.Query.Get("currency")
			if cur != "" {
				if _, err := domain.ParseCurrency(cur); err != nil {
					return nil, &httpx.Error{Kind: httpx.KindInvalid, Code: CodeBadParameter, Detail: "currency must be one souq trades in (AED, SAR, KWD, BHD, OMR)", Err: err}
				}
			}
			rep, err := rd.Report(ctx, from, to, cur)
			if errors.Is(err, kpiq.ErrBadQuery) {
				return nil, &httpx.Error{Kind: httpx.KindInvalid, Code: CodeBadParameter, Detail: err.Error(), Err: err}
			}
			return rep, err
		},
	})
}

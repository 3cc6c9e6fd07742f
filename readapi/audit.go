package readapi

import (
	"context"
	"errors"
	"time"

	"github.com/souq-market/souq/internal/auth"
	"github.com/souq-market/souq/internal/httpx"
	"github.com/souq-market/souq/projections/audit/auditq"
)

// ViewAudit is the audit-log projector's name.
const ViewAudit = "audit"

func (s *Server) auditRoutes() {
	rd := s.deps.Audit
	if rd == nil {
		return
	}
	s.Handle(Route{
		Op: httpx.Operation{Path: "/v1/audit/events", ID: "listAuditEvents", Tag: "audit",
			Summary: "Every stored event with the command and actor behind it, newest first (?actor, ?stream, ?command, ?from, ?to as RFC 3339 times, ?limit, ?cursor)."},
		Roles: []auth.Role{auth.Auditor, auth.Admin, auth.SuperAdmin}, Views: []string{ViewAudit},
		Read: func(ctx context.Context, c *Call) (any, error) {
			var q auditq.Query
			var err error
			for _, p := range []struct {
				name string
				to   *string
			}{{"actor", &q.Actor}, {"stream", &q.Stream}, {"command", &q.Command}} {
				if *p.to, err = c.Param(p.name); err != nil {
					return nil, err
				}
			}
			if q.From, err = c.Time("from"); err != nil {
				return nil, err
			}
			if q.To, err = c.Time("to"); err != nil {
				return nil, err
			}
			if q.Limit, err = c.Limit(auditq.DefaultLimit, auditq.MaxLimit); err != nil {
				return nil, err
			}
			if _, err := c.Cursor(&q.Cursor); err != nil {
				return nil, err
			}
			page, err := rd.Events(ctx, q)
			switch {
			case errors.Is(err, auditq.ErrBadCursor):
				return nil, &httpx.Error{Kind: httpx.KindInvalid, Code: CodeBadCursor, Detail: "cursor is not one this API handed out; start from the first page", Err: err}
			case errors.Is(err, auditq.ErrBadQuery):
				return nil, &httpx.Error{Kind: httpx.KindInvalid, Code: CodeBadParameter, Detail: err.Error(), Err: err}
			case err != nil:
				return nil, err
			}
			if page.Next == "" {
				return NewPage(c, page.Events, nil)
			}
			return NewPage(c, page.Events, page.Next)
		},
	})
}

// Time reads a query parameter in RFC 3339; absent is the zero time.
func (c *Call) Time(name string) (time.Time, error) {
	v := c.Query.Get(name)
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}, &httpx.Error{Kind: httpx.KindInvalid, Code: CodeBadParameter, Detail: name + " must be a time in RFC 3339, as 2025-03-01T12:00:00Z"}
	}
	return t, nil
}

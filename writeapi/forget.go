package writeapi

import (
	"context"

	"github.com/souq-market/souq/commands"
	usercmd "github.com/souq-market/souq/commands/user"
	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/user"
	"github.com/souq-market/souq/internal/httpx"
)

// CodeErasureUnsupported: the event store keeps personal data in plaintext
// (KurrentDB), so there is no key to destroy.
const CodeErasureUnsupported = "pii.erasure_unsupported"

type forgetReq struct {
	Reason string `json:"reason"`
}

func (r *forgetReq) validate(v *domain.Validation) { v.OptionalText("reason", r.Reason, 200) }

// forgetRoutes mounts the staff's erasure of a customer's personal data
// (crypto-shredding: usercmd.Forget). It needs no token issuer of souq's
// own, so it is served whichever issues the tokens.
func (s *server) forgetRoutes() {
	handle(s, route[*forgetReq]{
		op: httpx.Operation{Method: "POST", Path: "/v1/admin/customers/{id}/forget", ID: "forgetCustomer", Tag: "identity",
			Summary: "Erase a customer's personal data (name, phone, email, addresses) by destroying their data key (admins). History and read models then show it as [erased]; amounts are untouched. 503 when the event store cannot erase."},
		roles: staffRoles, body: func() *forgetReq { return &forgetReq{} },
		target: func(_ context.Context, c *call, _ *forgetReq) (string, error) {
			return usercmd.UserStream(user.ID(c.vars["id"]))
		},
		run: func(ctx context.Context, c *call, r *forgetReq) (commands.Result, error) {
			keys, ok := s.store.(usercmd.Shredder)
			if !ok {
				return commands.Result{}, domain.Errorf(domain.Unavailable, CodeErasureUnsupported, "this event store keeps personal data in plaintext; nothing can be erased")
			}
			return usercmd.Forget{Deps: usercmd.Deps{Exec: s.exec, Now: s.now}, Keys: keys}.Handle(ctx,
				usercmd.ForgetCmd{UserID: user.ID(c.vars["id"]), Reason: r.Reason}, c.meta)
		},
	})
}

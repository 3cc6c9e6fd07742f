package vendor

import (
	"context"
	"time"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/domain/vendor"
)

// SubmitKYC files the KYC documents (blob keys of licences, IDs, VAT certificates) for review, first or after a rejection.
type SubmitKYC struct{ Deps }

// Handle runs the command.
func (h SubmitKYC) Handle(ctx context.Context, cmd For[vendor.SubmitKYC], meta commands.Meta) (commands.Result, error) {
	return h.run(ctx, meta, cmd.VendorID, func(a *vendor.Vendor, now time.Time) error {
		return a.SubmitKYC(cmd.Cmd, now)
	})
}

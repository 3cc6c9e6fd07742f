package vendor

import (
	"context"
	"time"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/domain/vendor"
)

// Approve lets a vendor whose KYC was submitted sell, at a commission rate (staff only).
type Approve struct{ Deps }

// Handle runs the command.
func (h Approve) Handle(ctx context.Context, cmd For[vendor.Approve], meta commands.Meta) (commands.Result, error) {
	return h.run(ctx, meta, cmd.VendorID, func(a *vendor.Vendor, now time.Time) error {
		return a.Approve(cmd.Cmd, now)
	})
}

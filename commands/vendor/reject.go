package vendor

import (
	"context"
	"time"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/domain/vendor"
)

// Reject refuses a vendor's KYC with a reason; the vendor may submit again (staff only).
type Reject struct{ Deps }

// Handle runs the command.
func (h Reject) Handle(ctx context.Context, cmd For[vendor.Reject], meta commands.Meta) (commands.Result, error) {
	return h.run(ctx, meta, cmd.VendorID, func(a *vendor.Vendor, now time.Time) error {
		return a.Reject(cmd.Cmd, now)
	})
}

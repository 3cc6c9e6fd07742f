package vendor

import (
	"context"
	"time"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/domain/vendor"
)

// Suspend stops an approved vendor from selling and freezes its payouts (staff only).
type Suspend struct{ Deps }

// Handle runs the command.
func (h Suspend) Handle(ctx context.Context, cmd For[vendor.Suspend], meta commands.Meta) (commands.Result, error) {
	return h.run(ctx, meta, cmd.VendorID, func(a *vendor.Vendor, now time.Time) error {
		return a.Suspend(cmd.Cmd, now)
	})
}

package vendor

import (
	"context"
	"time"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/domain/vendor"
)

// RecordEarning books a delivered sub-order's earning (gross − commission), payable after the return window (the earnings process calls it).
type RecordEarning struct{ Deps }

// Handle runs the command.
func (h RecordEarning) Handle(ctx context.Context, cmd For[vendor.RecordEarning], meta commands.Meta) (commands.Result, error) {
	return h.run(ctx, meta, cmd.VendorID, func(a *vendor.Vendor, now time.Time) error {
		return a.RecordEarning(cmd.Cmd, now)
	})
}

package vendor

import (
	"context"
	"time"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/domain/vendor"
)

// ReverseEarning takes back part of an earning not yet payable, after a return or a cancellation.
type ReverseEarning struct{ Deps }

// Handle runs the command.
func (h ReverseEarning) Handle(ctx context.Context, cmd For[vendor.ReverseEarning], meta commands.Meta) (commands.Result, error) {
	return h.run(ctx, meta, cmd.VendorID, func(a *vendor.Vendor, now time.Time) error {
		return a.ReverseEarning(cmd.Cmd, now)
	})
}

package vendor

import (
	"context"
	"time"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/domain/vendor"
)

// RecordPayout records money sent to the vendor's payout account, never more than is payable; the same payout ID again is a no-op.
type RecordPayout struct{ Deps }

// Handle runs the command.
func (h RecordPayout) Handle(ctx context.Context, cmd For[vendor.PayOut], meta commands.Meta) (commands.Result, error) {
	return h.run(ctx, meta, cmd.VendorID, func(a *vendor.Vendor, now time.Time) error {
		return a.PayOut(cmd.Cmd, now)
	})
}

package vendor

import (
	"context"
	"time"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/domain/vendor"
)

// SetCommission changes the commission rate of an approved or suspended vendor (staff only); orders already placed keep theirs.
type SetCommission struct{ Deps }

// Handle runs the command.
func (h SetCommission) Handle(ctx context.Context, cmd For[vendor.ChangeCommission], meta commands.Meta) (commands.Result, error) {
	return h.run(ctx, meta, cmd.VendorID, func(a *vendor.Vendor, now time.Time) error {
		return a.ChangeCommission(cmd.Cmd, now)
	})
}

package vendor

import (
	"context"
	"time"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/domain/vendor"
)

// MakePayable makes an earning payable once its return window has passed.
type MakePayable struct{ Deps }

// Handle runs the command.
func (h MakePayable) Handle(ctx context.Context, cmd For[vendor.MakePayable], meta commands.Meta) (commands.Result, error) {
	return h.run(ctx, meta, cmd.VendorID, func(a *vendor.Vendor, now time.Time) error {
		return a.MakePayable(cmd.Cmd, now)
	})
}

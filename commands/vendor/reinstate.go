package vendor

import (
	"context"
	"time"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/domain/vendor"
)

// Reinstate lets a suspended vendor sell again (staff only).
type Reinstate struct{ Deps }

// Handle runs the command.
func (h Reinstate) Handle(ctx context.Context, cmd For[vendor.Reinstate], meta commands.Meta) (commands.Result, error) {
	return h.run(ctx, meta, cmd.VendorID, func(a *vendor.Vendor, now time.Time) error {
		return a.Reinstate(cmd.Cmd, now)
	})
}

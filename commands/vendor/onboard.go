package vendor

import (
	"context"
	"time"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/domain/vendor"
)

// Onboard registers a seller (name, country, contact email); its currency follows the country. Registering again with the same details is a no-op.
type Onboard struct{ Deps }

// Handle runs the command.
func (h Onboard) Handle(ctx context.Context, cmd For[vendor.Register], meta commands.Meta) (commands.Result, error) {
	return h.run(ctx, meta, cmd.VendorID, func(a *vendor.Vendor, now time.Time) error {
		return a.Register(cmd.Cmd, now)
	})
}

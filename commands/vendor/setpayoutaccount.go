package vendor

import (
	"context"
	"time"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/domain/vendor"
)

// SetPayoutAccount records the bank account payouts go to; the IBAN must be valid for the vendor's country.
type SetPayoutAccount struct{ Deps }

// Handle runs the command.
func (h SetPayoutAccount) Handle(ctx context.Context, cmd For[vendor.SetPayoutAccount], meta commands.Meta) (commands.Result, error) {
	return h.run(ctx, meta, cmd.VendorID, func(a *vendor.Vendor, now time.Time) error {
		return a.SetPayoutAccount(cmd.Cmd, now)
	})
}

package shipment

import (
	"context"
	"time"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/domain/shipment"
)

// Track applies one normalized carrier event (a webhook). Carriers resend
// and reorder: without a command ID of its own, the command takes one
// derived from the shipment and the carrier's event ID, so every delivery of
// the same carrier event is the same command and writes at most once.
type Track struct{ Deps }

// Handle runs the command.
func (h Track) Handle(ctx context.Context, cmd For[shipment.Track], meta commands.Meta) (commands.Result, error) {
	if meta.CommandID == "" {
		meta.CommandID = commands.DeriveID("carrier-event:"+string(cmd.ShipmentID), cmd.Cmd.CarrierEventID)
	}
	return h.run(ctx, meta, cmd.ShipmentID, func(a *shipment.Shipment, now time.Time) error {
		return a.Track(cmd.Cmd, now)
	})
}

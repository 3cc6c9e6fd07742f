package main

import (
	"log/slog"
	"time"

	"github.com/souq-market/souq/commands"
	shipcmd "github.com/souq-market/souq/commands/shipment"
	"github.com/souq-market/souq/internal/blob"
	"github.com/souq-market/souq/internal/config"
	"github.com/souq-market/souq/internal/sandbox"
)

// sandboxStep is the time between two of the sandbox carrier's scans: a
// demo order booked now is delivered four steps later.
const sandboxStep = 5 * time.Second

// sandboxCarrier is the embedded default's carrier: it books labels into
// the blob store (commands/shipment.Carrier) and, run as a process
// manager, moves every parcel it booked to delivered. No real carrier is
// booked from souq yet: parcels with a label bought elsewhere are recorded
// as they are and move with their carrier's webhooks.
func sandboxCarrier(exec *commands.Executor, blobs blob.Store, logger *slog.Logger) *sandbox.Carrier {
	return sandbox.NewCarrier(sandbox.CarrierOptions{Exec: exec, Blobs: blobs, Step: sandboxStep, Logger: logger})
}

// bookingCarrier is the carrier the write API books labels with: the
// sandbox in the embedded default only. A distributed deployment has no
// carrier booked from souq yet, so its clients record labels bought
// elsewhere; a sandbox there would "deliver" real orders.
func bookingCarrier(cfg config.Config, exec *commands.Executor, blobs blob.Store, logger *slog.Logger) shipcmd.Carrier {
	if cfg.EventStore != config.SQLite {
		return nil
	}
	return sandboxCarrier(exec, blobs, logger)
}

package sandbox

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/souq-market/souq/commands"
	shipcmd "github.com/souq-market/souq/commands/shipment"
	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/shipment"
	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/internal/blob"
)

// CarrierName is the sandbox carrier's checkpoint key.
const CarrierName = "sandbox.carrier"

// TrackingPrefix starts every tracking number the sandbox issues; it moves
// only the parcels it booked.
const TrackingPrefix = "SBX"

// journey is what the sandbox carrier reports, in order, one Step apart.
var journey = []struct {
	status shipment.Status
	words  string
	place  string
}{
	{shipment.PreTransit, "label created", "sandbox origin hub"},
	{shipment.InTransit, "picked up", "sandbox origin hub"},
	{shipment.OutForDelivery, "out for delivery", "sandbox destination hub"},
	{shipment.Delivered, "delivered", "consignee address"},
}

// CarrierOptions configure a Carrier; Exec and Blobs are required.
type CarrierOptions struct {
	Exec  *commands.Executor
	Blobs blob.Store
	Now   func() time.Time
	// Step is the time between two scans; default 2s.
	Step time.Duration
	// Attempts at recording a scan; default 20, backoff from 10ms to 1s.
	Attempts int
	Logger   *slog.Logger
}

// Carrier is the sandbox carrier: a shipment Carrier port that books at
// once, and a process manager that moves what it booked. Close it to stop
// pending scans.
type Carrier struct {
	opts    CarrierOptions
	ctx     context.Context
	stop    context.CancelFunc
	wg      sync.WaitGroup
	mu      sync.Mutex
	moving  map[string]bool // tracking numbers with a journey scheduled
	stopped bool
}

// NewCarrier returns a sandbox carrier issuing its scans through opts.Exec.
func NewCarrier(opts CarrierOptions) *Carrier {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Step <= 0 {
		opts.Step = 2 * time.Second
	}
	if opts.Attempts <= 0 {
		opts.Attempts = 20
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	ctx, stop := context.WithCancel(context.Background())
	return &Carrier{opts: opts, ctx: ctx, stop: stop, moving: map[string]bool{}}
}

// TrackingNumber is the sandbox's tracking number of a shipment: derived
// from its ID, so booking again answers the same number.
func TrackingNumber(id domain.ShipmentID) string {
	h := sha256.Sum256([]byte("sandbox-carrier\x00" + string(id)))
	return TrackingPrefix + strings.ToUpper(hex.EncodeToString(h[:6]))
}

// Book issues the label: a one-page PDF stored under labels/<vendor>/,
// content-addressed, so a retry stores the same blob under the same key.
// The sandbox stands in for whichever carrier the vendor chose.
func (c *Carrier) Book(ctx context.Context, req shipcmd.BookRequest) (shipcmd.Booking, error) {
	if req.ShipmentID == "" || req.VendorID == "" {
		return shipcmd.Booking{}, domain.Errorf(domain.Invalid, "sandbox.bad_booking", "a booking needs a shipment and a vendor")
	}
	tn := TrackingNumber(req.ShipmentID)
	lines := []string{tn, "SOUQ SANDBOX CARRIER (" + strings.ToUpper(string(req.Carrier)) + ")",
		"shipment " + string(req.ShipmentID), "order " + string(req.OrderID) + " / " + string(req.SubOrderID),
		"vendor " + string(req.VendorID)}
	if req.COD.IsPositive() {
		lines = append(lines, "COLLECT ON DELIVERY "+req.COD.String())
	}
	pdf := labelPDF(lines...)
	key, err := blob.PutContent(ctx, c.opts.Blobs, blob.Label, string(req.VendorID), blob.PDF, pdf)
	if err != nil {
		return shipcmd.Booking{}, fmt.Errorf("sandbox carrier: store the label: %w", err)
	}
	return shipcmd.Booking{TrackingNumber: tn, LabelKey: key}, nil
}

// Name is the checkpoint key.
func (c *Carrier) Name() string { return CarrierName }

// Handle schedules the journey of every shipment the sandbox booked. A
// redelivered creation schedules it again at most once per process, and
// its scans, whose carrier event IDs derive from the tracking number and
// the status, are then recorded at most once.
func (c *Carrier) Handle(_ context.Context, events []eventstore.RecordedEvent) error {
	for _, r := range events {
		if r.Type != shipment.TypeCreated {
			continue
		}
		var e shipment.Created
		if err := json.Unmarshal(r.Data, &e); err != nil {
			return fmt.Errorf("%s: %s at %d: %w", CarrierName, r.Type, r.Position, err)
		}
		if !strings.HasPrefix(e.TrackingNumber, TrackingPrefix) {
			continue
		}
		c.mu.Lock()
		start := !c.moving[e.TrackingNumber] && !c.stopped
		c.moving[e.TrackingNumber] = true
		c.mu.Unlock()
		if start {
			c.wg.Go(func() { c.move(r, e) })
		}
	}
	return nil
}

// Close stops pending scans and waits for them. A process stopped midway
// leaves its parcels where they were until the creation is delivered again
// (a reset of the checkpoint), as a payment sandbox's settlements do.
func (c *Carrier) Close() error {
	c.mu.Lock()
	c.stopped = true
	c.mu.Unlock()
	c.stop()
	c.wg.Wait()
	return nil
}

// move reports the journey, one scan per Step after the creation (or at
// once, for scans already due). Scan times are the creation's time plus
// i·Step, never the clock's, so a replay reports the same scans.
func (c *Carrier) move(cause eventstore.RecordedEvent, e shipment.Created) {
	deps := shipcmd.Deps{Exec: c.opts.Exec, Now: c.opts.Now}
	corr := cause.Metadata.CorrelationID
	if corr == "" {
		corr = cause.ID
	}
	meta := commands.Meta{CorrelationID: corr, CausationID: cause.ID,
		Actor: eventstore.Actor{UserID: "carrier:" + Provider, Role: "system"}}
	for i, j := range journey {
		at := e.At.Add(time.Duration(i+1) * c.opts.Step)
		if sleep(c.ctx, at.Sub(c.opts.Now())) != nil {
			return
		}
		cmd := shipment.Track{CarrierEventID: e.TrackingNumber + ":" + string(j.status), Status: j.status,
			CarrierStatus: strings.ToUpper(string(j.status)) + " " + j.words, Location: j.place, OccurredAt: at}
		if j.status == shipment.Delivered && e.CODAmount.IsPositive() {
			cmd.Collected = e.CODAmount
		}
		err := retry(c.ctx, c.opts.Attempts, func(ctx context.Context) error {
			_, err := shipcmd.Track{Deps: deps}.Handle(ctx, shipcmd.For[shipment.Track]{ShipmentID: e.ShipmentID, Cmd: cmd}, meta)
			return err
		}, func(err error) bool { return refusal(err) })
		if err != nil {
			if c.ctx.Err() == nil {
				c.opts.Logger.Warn("sandbox carrier stopped a journey", "shipment_id", e.ShipmentID,
					"tracking_number", e.TrackingNumber, "status", j.status, "err", err)
			}
			return
		}
	}
}

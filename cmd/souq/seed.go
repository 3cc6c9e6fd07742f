package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/souq-market/souq/commands"
	invcmd "github.com/souq-market/souq/commands/inventory"
	productcmd "github.com/souq-market/souq/commands/product"
	vendorcmd "github.com/souq-market/souq/commands/vendor"
	"github.com/souq-market/souq/domain/inventory"
	"github.com/souq-market/souq/domain/product"
	"github.com/souq-market/souq/domain/vendor"
	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/internal/config"
	"github.com/souq-market/souq/projections/search/catalog"
)

// Seeding defaults: the seed of `souq seed` and of the demo catalog, and
// the demo's size (small enough to seed in seconds on a laptop).
const (
	defaultSeed  = 42
	demoProducts = 200
	seedWorkers  = 4
)

const seedUsage = `Usage: souq seed --products N [--seed S] [flags]

Generates a catalog (projections/search/catalog: GCC vendors and brands, real
notes and accords, sizes, AED and SAR prices, stock at dxb-1 and ruh-1) and
writes it through the command handlers: onboard, KYC and approve every
vendor, list every product, receive its stock. The same seed gives the same
catalog, and every command ID derives from the seed, so a re-run replays
what is there and writes nothing twice.

`

// seedCLI runs `souq seed`.
func seedCLI(ctx context.Context, env environment, args []string) int {
	n, seed, rest, err := seedFlags(args)
	if err != nil {
		fmt.Fprintf(env.stderr, "souq seed: %v\n\n%s", err, seedUsage)
		return exitUsage
	}
	_, logger, store, code := openForCLI(ctx, env, "seed", seedUsage, rest)
	if store == nil {
		return code
	}
	defer func() { _ = store.Close() }()
	var bar io.Writer
	if env.terminal {
		bar = env.stderr
	}
	if err := seedCatalog(ctx, store, logger, bar, n, seed); err != nil {
		fmt.Fprintln(env.stderr, "souq seed:", err)
		return exitFailure
	}
	return exitOK
}

// seedFlags takes --products and --seed out of args (as -x, --x, with the
// value after = or as the next argument) and leaves the rest to config.
func seedFlags(args []string) (n int, seed uint64, rest []string, err error) {
	seed = defaultSeed
	var seenN bool
	for i := 0; i < len(args); i++ {
		name, value, hasValue := strings.Cut(strings.TrimLeft(args[i], "-"), "=")
		if !strings.HasPrefix(args[i], "-") || (name != "products" && name != "seed") {
			rest = append(rest, args[i])
			continue
		}
		if !hasValue {
			if i+1 == len(args) {
				return 0, 0, nil, fmt.Errorf("--%s needs a value", name)
			}
			i++
			value = args[i]
		}
		switch name {
		case "products":
			n, err = strconv.Atoi(value)
			if err != nil || n < 1 || n > 10_000_000 {
				return 0, 0, nil, fmt.Errorf("--products %q: want a count from 1 to 10,000,000", value)
			}
			seenN = true
		case "seed":
			if seed, err = strconv.ParseUint(value, 10, 64); err != nil {
				return 0, 0, nil, fmt.Errorf("--seed %q: want a non-negative integer", value)
			}
		}
	}
	if !seenN {
		return 0, 0, nil, errors.New("--products is required")
	}
	return n, seed, rest, nil
}

// seedCatalog writes the catalog of n products for seed through the
// command handlers: vendors first (onboard, KYC, approve), then products
// and their stock by a few workers (each product its own streams). bar,
// when set, is a terminal to draw a progress bar on; the log gets the rate.
func seedCatalog(ctx context.Context, store eventstore.Store, logger *slog.Logger, bar io.Writer, n int, seed uint64) error {
	log := logger.With(slog.String("component", "seed"))
	exec := commands.NewExecutor(store, commands.NewRegistry(), commands.Options{Logger: logger})
	now := func() time.Time { return time.Now().UTC() }
	parent := "seed:" + strconv.FormatUint(seed, 10)
	meta := func(purpose string) commands.Meta {
		return commands.Meta{CommandID: commands.DeriveID(parent, purpose), Actor: eventstore.Actor{UserID: "souq-seed", Role: "super_admin"}}
	}
	started := time.Now()

	vd := vendorcmd.Deps{Exec: exec, Now: now}
	for _, v := range catalog.Vendors() {
		steps := []func() (commands.Result, error){
			func() (commands.Result, error) {
				return vendorcmd.Onboard{Deps: vd}.Handle(ctx, vendorcmd.For[vendor.Register]{VendorID: v.ID,
					Cmd: vendor.Register{Name: v.Name, Country: v.Country, Email: v.Email}}, meta("onboard "+string(v.ID)))
			},
			func() (commands.Result, error) {
				return vendorcmd.SubmitKYC{Deps: vd}.Handle(ctx, vendorcmd.For[vendor.SubmitKYC]{VendorID: v.ID,
					Cmd: vendor.SubmitKYC{Documents: []vendor.Document{{Kind: vendor.TradeLicence, BlobKey: "kyc/" + string(v.ID) + "/trade-licence.pdf"}}}},
					meta("kyc "+string(v.ID)))
			},
			func() (commands.Result, error) {
				return vendorcmd.Approve{Deps: vd}.Handle(ctx, vendorcmd.For[vendor.Approve]{VendorID: v.ID,
					Cmd: vendor.Approve{CommissionRate: defaultCommission}}, meta("approve "+string(v.ID)))
			},
		}
		for _, step := range steps {
			if _, err := step(); err != nil {
				return fmt.Errorf("vendor %s: %w", v.ID, err)
			}
		}
	}

	items := catalog.Generate(seed, n)
	pd, id := productcmd.Deps{Exec: exec, Now: now}, invcmd.Deps{Exec: exec, Now: now}
	seedOne := func(it catalog.Item) error {
		_, err := productcmd.List{Deps: pd}.Handle(ctx, productcmd.For[product.List]{ProductID: it.ProductID,
			Cmd: product.List{VendorID: it.VendorID, Details: it.Details, Variants: it.Variants}}, meta("list "+string(it.ProductID)))
		if err != nil {
			return fmt.Errorf("product %s: %w", it.ProductID, err)
		}
		for _, sku := range slices.Sorted(maps.Keys(it.Stock)) {
			for _, loc := range slices.Sorted(maps.Keys(it.Stock[sku])) {
				q := it.Stock[sku][loc]
				if q <= 0 {
					continue
				}
				_, err := invcmd.Receive{Deps: id}.Handle(ctx, inventory.Receive{SKU: sku, Location: loc, Quantity: q},
					meta("receive "+string(sku)+"@"+string(loc)))
				if err != nil {
					return fmt.Errorf("stock of %s at %s: %w", sku, loc, err)
				}
			}
		}
		return nil
	}

	var (
		done atomic.Int64
		next atomic.Int64
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for range seedWorkers {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= len(items) || ctx.Err() != nil {
					return
				}
				if err := seedOne(items[i]); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
					cancel()
					return
				}
				done.Add(1)
			}
		})
	}
	finished := make(chan struct{})
	go func() { wg.Wait(); close(finished) }()
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	lastLog := time.Now()
	for running := true; running; {
		select {
		case <-finished:
			running = false
		case <-tick.C:
		}
		d, el := done.Load(), time.Since(started)
		rate := float64(d) / el.Seconds()
		if bar != nil {
			drawBar(bar, int(d), n, rate, !running)
		}
		if time.Since(lastLog) >= 5*time.Second && running {
			lastLog = time.Now()
			log.Info("seeding", slog.Int64("products", d), slog.Int("of", n), slog.Float64("products_per_s", round1(rate)))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	el := time.Since(started)
	log.Info("seeded", slog.Int("products", n), slog.Int("vendors", len(catalog.Vendors())), slog.Uint64("seed", seed),
		slog.Duration("took", el.Round(time.Millisecond)), slog.Float64("products_per_s", round1(float64(n)/el.Seconds())))
	return nil
}

func round1(f float64) float64 { return float64(int64(f*10+0.5)) / 10 }

// drawBar redraws one progress line: [#####     ] 120/200 products 45.0/s.
func drawBar(w io.Writer, done, total int, rate float64, last bool) {
	const width = 30
	filled := done * width / max(total, 1)
	end := ""
	if last {
		end = "\n"
	}
	fmt.Fprintf(w, "\r[%s%s] %d/%d products %.1f/s%s", strings.Repeat("#", filled), strings.Repeat(" ", width-filled), done, total, rate, end)
}

// seedDemo seeds the demo catalog when the event store is empty: `souq
// serve --demo` on a first start shows a working shop; later starts find
// the store written and leave it alone.
func seedDemo(ctx context.Context, cfg config.Config, logger *slog.Logger) error {
	store, err := openStore(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer func() { _ = store.Close() }()
	head, err := store.Head(ctx)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	if head > 0 {
		logger.Info("demo: the event store holds events; not seeding", slog.Uint64("head", uint64(head)))
		return nil
	}
	logger.Info("demo: seeding a catalog on first start", slog.Int("products", demoProducts))
	return seedCatalog(ctx, store, logger, nil, demoProducts, defaultSeed)
}

// demoFlag takes -demo / --demo out of serve's arguments.
func demoFlag(args []string) (rest []string, demo bool) {
	for _, a := range args {
		if a == "-demo" || a == "--demo" || a == "--demo=true" || a == "-demo=true" {
			demo = true
			continue
		}
		rest = append(rest, a)
	}
	return rest, demo
}

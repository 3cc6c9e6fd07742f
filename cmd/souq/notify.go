package main

import (
	"context"
	"fmt"
	"log/slog"
	"sync"

	"github.com/souq-market/souq/commands"
	usercmd "github.com/souq-market/souq/commands/user"
	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/internal/config"
	"github.com/souq-market/souq/internal/notify"
	"github.com/souq-market/souq/projections"
	"github.com/souq-market/souq/projections/notifications"
)

// notifySide is the notification projector and its own runner. It is not
// part of the read models' runner on purpose: an SMS or mail provider that
// is down makes this projector fail (and retry) for as long as it lasts,
// which must neither hold back the read models nor make the read API
// unready. Its lag and failures show in the metrics under
// runner="notify".
type notifySide struct {
	runner *projections.Runner
	log    *slog.Logger
}

// notifiers are the channels the configuration turns on; the log notifier
// when none is, so an embedded demo shows what customers would receive
// (and a configured one keeps customers' addresses and messages out of the
// logs).
func notifiers(cfg config.Config, logger *slog.Logger) ([]notify.Notifier, error) {
	var ns []notify.Notifier
	if cfg.SMTPURL != "" {
		n, err := notify.NewSMTP(cfg.SMTPURL, nil)
		if err != nil {
			return nil, err
		}
		ns = append(ns, n)
	}
	if cfg.SMSURL != "" {
		n, err := notify.NewSMS(cfg.SMSURL, cfg.SMSKey, nil)
		if err != nil {
			return nil, err
		}
		ns = append(ns, n)
	}
	if cfg.WhatsAppURL != "" {
		n, err := notify.NewWhatsApp(cfg.WhatsAppURL, cfg.WhatsAppKey, nil)
		if err != nil {
			return nil, err
		}
		ns = append(ns, n)
	}
	if len(ns) == 0 {
		ns = append(ns, notify.LogNotifier{Logger: logger})
	}
	return ns, nil
}

// openNotify builds the projector (creating its sent-log in the read-model
// database) and its runner over the read side's runner tables.
func openNotify(ctx context.Context, cfg config.Config, logger *slog.Logger, rs *readSide, reg *eventstore.Registry, store eventstore.Store) (*notifySide, error) {
	logger = logger.With(slog.String("component", "notify"))
	ns, err := notifiers(cfg, logger)
	if err != nil {
		return nil, fmt.Errorf("notifications: %w", err)
	}
	p, err := notifications.New(ctx, notifications.Deps{
		Store: store, Reg: reg, DB: rs.w, Dialect: rs.dialect, Notifiers: ns, Logger: logger,
		Streams: notifications.Streams{Order: commands.OrderStream, Shipment: commands.ShipmentStream, User: usercmd.UserStream},
	})
	if err != nil {
		return nil, err
	}
	runner, err := projections.New(ctx, projections.Options{DB: rs.w, Dialect: rs.dialect, Store: store, Logger: logger,
		Registerer: rs.metrics, Label: "notify"}, p)
	if err != nil {
		return nil, fmt.Errorf("notifications: %w", err)
	}
	return &notifySide{runner: runner, log: logger}, nil
}

// start runs the projector until the returned stop is called; stop waits
// for it to let go. A nil side does nothing.
func (n *notifySide) start() (stop func()) {
	if n == nil {
		return func() {}
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { _ = n.runner.Run(ctx) })
	n.log.Info("notifications running")
	var once sync.Once
	return func() { once.Do(func() { cancel(); wg.Wait() }) }
}

package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// listen keeps one dedicated connection LISTENing on the schema's channel and
// turns each notification into a wake-up of the subscribers. When the
// connection drops it reconnects with backoff, and wakes everybody once it is
// back, since notifications sent meanwhile are lost (the poll would catch up
// anyway; this only makes it sooner).
func (s *Store) listen(cfg *pgx.ConnConfig) {
	defer s.listener.Done()
	const maxBackoff = 5 * time.Second
	backoff := 100 * time.Millisecond
	for {
		start := time.Now()
		err := s.listenOnce(cfg)
		if s.ctx.Err() != nil {
			return
		}
		if time.Since(start) > maxBackoff {
			backoff = 100 * time.Millisecond // it was up for a while: retry soon
		}
		s.opts.Logger.Warn("eventstore/postgres: listener connection lost, reconnecting",
			"schema", s.opts.Schema, "err", err, "retry_in", backoff)
		select {
		case <-s.ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, maxBackoff)
	}
}

func (s *Store) listenOnce(cfg *pgx.ConnConfig) error {
	conn, err := pgx.ConnectConfig(s.ctx, cfg.Copy())
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = conn.Close(ctx)
	}()
	if _, err := conn.Exec(s.ctx, "LISTEN "+pgx.Identifier{s.channel}.Sanitize()); err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	s.signal.Notify()
	for {
		if _, err := conn.WaitForNotification(s.ctx); err != nil {
			return fmt.Errorf("wait for notification: %w", err)
		}
		s.signal.Notify()
	}
}

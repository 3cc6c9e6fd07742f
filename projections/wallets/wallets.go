package wallets

import (
	"context"
	"fmt"
	"strings"

	"github.com/souq-market/souq/domain/wallet"
	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/projections"
	"github.com/souq-market/souq/projections/wallets/walletq"
)

// Name is the projector's checkpoint key.
const Name = "wallets"

// Projector builds the wallets view.
type Projector struct{ reg *eventstore.Registry }

// New returns the projector; reg decodes (and upcasts) the events.
func New(reg *eventstore.Registry) *Projector { return &Projector{reg: reg} }

func (*Projector) Name() string { return Name }

func (*Projector) Tables() []projections.Table {
	return []projections.Table{
		{Name: walletq.TableWallets, DDL: []string{
			`CREATE TABLE {wallets} (wallet_id TEXT PRIMARY KEY, customer_id TEXT NOT NULL, currency TEXT NOT NULL,
				available BIGINT NOT NULL, held BIGINT NOT NULL, cashback_pending BIGINT NOT NULL,
				opened_at BIGINT NOT NULL, updated_at BIGINT NOT NULL)`,
		}},
		{Name: walletq.TableStatement, DDL: []string{
			`CREATE TABLE {wallet_statement} (wallet_id TEXT NOT NULL, revision BIGINT NOT NULL, at BIGINT NOT NULL,
				type TEXT NOT NULL, reference TEXT NOT NULL, amount BIGINT NOT NULL,
				available BIGINT NOT NULL, held BIGINT NOT NULL, cashback_pending BIGINT NOT NULL,
				PRIMARY KEY (wallet_id, revision))`,
		}},
	}
}

func (*Projector) Reset(ctx context.Context, tx *projections.Tx) error {
	if _, err := tx.Exec(ctx, `DELETE FROM {wallets}`); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `DELETE FROM {wallet_statement}`)
	return err
}

// HandleBatch applies wallet events; others pass.
func (p *Projector) HandleBatch(ctx context.Context, tx *projections.Tx, events []eventstore.RecordedEvent) error {
	for _, ev := range events {
		if !strings.HasPrefix(ev.Type, "wallet.") {
			continue
		}
		e, err := p.reg.DecodeRecorded(ev)
		if err != nil {
			return fmt.Errorf("decode %s at %d: %w", ev.Type, ev.Position, err)
		}
		if err := apply(ctx, tx, ev, e); err != nil {
			return fmt.Errorf("%s at %d: %w", ev.Type, ev.Position, err)
		}
	}
	return nil
}

func apply(ctx context.Context, tx *projections.Tx, ev eventstore.RecordedEvent, e any) error {
	id := strings.TrimPrefix(ev.StreamID, "wallet-")
	at := ev.Metadata.RecordedAt.UnixNano()
	var ref string
	var entries []wallet.Entry
	switch e := e.(type) {
	case wallet.Opened:
		_, err := tx.Exec(ctx, `INSERT INTO {wallets} (wallet_id, customer_id, currency, available, held, cashback_pending, opened_at, updated_at)
			VALUES (?, ?, ?, 0, 0, 0, ?, ?)`, id, string(e.CustomerID), string(e.Currency), at, at)
		return err
	case wallet.Credited:
		ref, entries = e.Reference, e.Entries
	case wallet.Debited:
		ref, entries = e.Reference, e.Entries
	case wallet.CashbackEarned:
		ref, entries = e.Reference, e.Entries
	case wallet.CashbackReleased:
		ref, entries = e.Reference, e.Entries
	case wallet.CashbackCancelled:
		ref, entries = e.Reference, e.Entries
	case wallet.HoldPlaced:
		ref, entries = string(e.HoldID), e.Entries
	case wallet.HoldPosted:
		ref, entries = string(e.HoldID), e.Entries
	case wallet.HoldVoided:
		ref, entries = string(e.HoldID), e.Entries
	default:
		return nil
	}
	// The customer's sides of the posting move the balances; souq's own
	// accounts are the other half of the books.
	var avail, held, pending int64
	for _, en := range entries {
		switch en.Account {
		case wallet.Available:
			avail += en.Amount.Amount()
		case wallet.Held:
			held += en.Amount.Amount()
		case wallet.CashbackPending:
			pending += en.Amount.Amount()
		}
	}
	if _, err := tx.Exec(ctx, `UPDATE {wallets} SET available = available + ?, held = held + ?, cashback_pending = cashback_pending + ?, updated_at = ?
		WHERE wallet_id = ?`, avail, held, pending, at, id); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `INSERT INTO {wallet_statement} (wallet_id, revision, at, type, reference, amount, available, held, cashback_pending)
		SELECT wallet_id, ?, ?, ?, ?, ?, available, held, cashback_pending FROM {wallets} WHERE wallet_id = ?`,
		int64(ev.StreamRevision), at, ev.Type, ref, avail, id)
	return err
}

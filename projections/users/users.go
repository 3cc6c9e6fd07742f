package users

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/souq-market/souq/domain/user"
	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/projections"
	"github.com/souq-market/souq/projections/users/userq"
)

// Name is the projector's checkpoint key.
const Name = "users"

// streamPrefix names accounts' streams (commands/user.UserStream); email
// claims and sessions live in streams of their own and are not read here.
const streamPrefix = "user-"

// Projector builds the users view.
type Projector struct{ reg *eventstore.Registry }

// New returns the projector; reg decodes (and upcasts) the events.
func New(reg *eventstore.Registry) *Projector { return &Projector{reg: reg} }

func (*Projector) Name() string { return Name }

func (*Projector) Tables() []projections.Table {
	return []projections.Table{
		{Name: userq.TableUsers, DDL: []string{
			`CREATE TABLE {users} (user_id TEXT PRIMARY KEY, revision BIGINT NOT NULL, email TEXT NOT NULL, role TEXT NOT NULL,
				vendor_id TEXT NOT NULL, name TEXT NOT NULL, phone TEXT NOT NULL, locale TEXT NOT NULL, default_address TEXT NOT NULL,
				forgotten BIGINT NOT NULL, registered_at BIGINT NOT NULL, updated_at BIGINT NOT NULL)`,
		}},
		{Name: userq.TableAddresses, DDL: []string{
			`CREATE TABLE {user_addresses} (user_id TEXT NOT NULL, address_id TEXT NOT NULL, added_revision BIGINT NOT NULL,
				label TEXT NOT NULL, recipient TEXT NOT NULL, phone TEXT NOT NULL, line1 TEXT NOT NULL, line2 TEXT NOT NULL,
				city TEXT NOT NULL, region TEXT NOT NULL, postal_code TEXT NOT NULL, country TEXT NOT NULL,
				PRIMARY KEY (user_id, address_id))`,
		}},
	}
}

func (*Projector) Reset(ctx context.Context, tx *projections.Tx) error {
	if _, err := tx.Exec(ctx, `DELETE FROM {users}`); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `DELETE FROM {user_addresses}`)
	return err
}

// HandleBatch applies the account events; others pass.
func (p *Projector) HandleBatch(ctx context.Context, tx *projections.Tx, events []eventstore.RecordedEvent) error {
	for _, ev := range events {
		if !strings.HasPrefix(ev.StreamID, streamPrefix) || !strings.HasPrefix(ev.Type, "user.") {
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

// apply runs one event once: the account's row keeps the last revision
// applied, and a revision not above it (a redelivery) changes nothing.
func apply(ctx context.Context, tx *projections.Tx, ev eventstore.RecordedEvent, e any) error {
	id := strings.TrimPrefix(ev.StreamID, streamPrefix)
	rev, at := int64(ev.StreamRevision), ev.Metadata.RecordedAt.UnixNano()
	if r, ok := e.(user.Registered); ok {
		_, err := tx.Exec(ctx, `INSERT INTO {users} (user_id, revision, email, role, vendor_id, name, phone, locale, default_address, forgotten, registered_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, '', 0, ?, ?) ON CONFLICT (user_id) DO NOTHING`,
			id, rev, r.Email, string(r.Role), string(r.VendorID), r.Profile.Name, r.Profile.Phone, r.Profile.Locale, at, at)
		return err
	}
	var stored, forgotten int64
	switch err := tx.QueryRow(ctx, `SELECT revision, forgotten FROM {users} WHERE user_id = ?`, id).Scan(&stored, &forgotten); {
	case errors.Is(err, sql.ErrNoRows):
		return nil // nothing before registration touches the view
	case err != nil:
		return err
	case rev <= stored, forgotten != 0: // a redelivery; nothing personal after a forget
		return nil
	}
	if err := change(ctx, tx, id, rev, e); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `UPDATE {users} SET revision = ?, updated_at = ? WHERE user_id = ?`, rev, at, id)
	return err
}

// change applies a fresh event after registration, as domain/user does.
func change(ctx context.Context, tx *projections.Tx, id string, rev int64, e any) error {
	var err error
	switch e := e.(type) {
	case user.ProfileUpdated:
		_, err = tx.Exec(ctx, `UPDATE {users} SET name = ?, phone = ?, locale = ? WHERE user_id = ?`, e.Profile.Name, e.Profile.Phone, e.Profile.Locale, id)
	case user.RoleChanged:
		_, err = tx.Exec(ctx, `UPDATE {users} SET role = ?, vendor_id = ? WHERE user_id = ?`, string(e.Role), string(e.VendorID), id)
	case user.AddressAdded:
		a := e.Address
		if _, err = tx.Exec(ctx, `INSERT INTO {user_addresses} (user_id, address_id, added_revision, label, recipient, phone, line1, line2, city, region, postal_code, country)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (user_id, address_id) DO UPDATE SET label = excluded.label, recipient = excluded.recipient,
			phone = excluded.phone, line1 = excluded.line1, line2 = excluded.line2, city = excluded.city, region = excluded.region,
			postal_code = excluded.postal_code, country = excluded.country`,
			id, string(e.AddressID), rev, a.Label, a.Recipient, a.Phone, a.Line1, a.Line2, a.City, a.Region, a.PostalCode, string(a.Country)); err == nil {
			// The first address becomes the default.
			_, err = tx.Exec(ctx, `UPDATE {users} SET default_address = ? WHERE user_id = ? AND default_address = ''`, string(e.AddressID), id)
		}
	case user.AddressRemoved:
		if _, err = tx.Exec(ctx, `DELETE FROM {user_addresses} WHERE user_id = ? AND address_id = ?`, id, string(e.AddressID)); err == nil {
			// A removed default passes to the oldest address left.
			_, err = tx.Exec(ctx, `UPDATE {users} SET default_address = COALESCE((SELECT address_id FROM {user_addresses}
				WHERE user_id = ? ORDER BY added_revision LIMIT 1), '') WHERE user_id = ? AND default_address = ?`, id, id, string(e.AddressID))
		}
	case user.DefaultAddressSet:
		_, err = tx.Exec(ctx, `UPDATE {users} SET default_address = ? WHERE user_id = ?`, string(e.AddressID), id)
	case user.Forgotten:
		if _, err = tx.Exec(ctx, `DELETE FROM {user_addresses} WHERE user_id = ?`, id); err == nil {
			_, err = tx.Exec(ctx, `UPDATE {users} SET email = '', name = '', phone = '', locale = '', default_address = '', forgotten = 1 WHERE user_id = ?`, id)
		}
	}
	return err
}

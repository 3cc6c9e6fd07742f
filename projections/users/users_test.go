package users_test

import (
	"context"
	"database/sql"
	"errors"
	"testing"

	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/user"
	"github.com/souq-market/souq/projections"
	"github.com/souq-market/souq/projections/users"
	"github.com/souq-market/souq/projections/users/userq"
	"github.com/souq-market/souq/projections/viewtest"
)

func address(recipient, city string) user.Address {
	return user.Address{Label: "home", Recipient: recipient, Phone: "+971500000001", Line1: "Villa 7", City: city, Country: domain.Country("AE")}
}

func TestUsersView(t *testing.T) {
	viewtest.Each(t, func(t *testing.T, db viewtest.DB) {
		reg := viewtest.Registry(user.Events())
		h := viewtest.NewHistory(t, reg)
		at := h.At()
		h.Add("user-u-1", user.Registered{UserID: "u-1", Email: "amal@example.ae", PasswordHash: "$2a$10$x", Role: user.Customer,
			Profile: user.Profile{Name: "Amal", Phone: "+971500000001", Locale: "ar"}, At: at})
		h.Add("user-u-2", user.Registered{UserID: "u-2", Email: "omar@example.sa", PasswordHash: "$2a$10$y", Role: user.Customer,
			Profile: user.Profile{Name: "Omar"}, At: at})
		h.Add("user_email-abc", user.EmailClaimed{Email: "amal@example.ae", UserID: "u-1", At: at}) // not an account stream
		h.Add("user-u-1", user.AddressAdded{AddressID: "a-1", Address: address("Amal", "Dubai"), At: at})
		h.Add("user-u-1", user.AddressAdded{AddressID: "a-2", Address: address("Amal", "Sharjah"), At: at})
		h.Add("user-u-1", user.AddressAdded{AddressID: "a-3", Address: address("Amal's office", "Abu Dhabi"), At: at})
		h.Add("user-u-2", user.AddressAdded{AddressID: "a-1", Address: address("Omar", "Riyadh"), At: at})
		h.Add("user-u-1", user.DefaultAddressSet{AddressID: "a-2", At: at})
		h.Add("user-u-1", user.AddressRemoved{AddressID: "a-2", At: at})                                   // the default: passes to a-1, the oldest left
		h.Add("user-u-1", user.AddressAdded{AddressID: "a-3", Address: address("Amal", "Al Ain"), At: at}) // edited in place
		h.Add("user-u-1", user.ProfileUpdated{Profile: user.Profile{Name: "Amal K.", Phone: "+971500000009", Locale: "en"}, At: at})
		h.Add("user-u-1", user.LoginFailed{Failures: 1, At: at})
		h.Add("user-u-2", user.RoleChanged{Role: user.Vendor, VendorID: "v-9", By: "admin-1", At: at})
		h.Add("user-u-2", user.Forgotten{Reason: "gdpr 2026-1", By: "admin-1", At: at})
		h.Add("user-u-2", user.AddressAdded{AddressID: "a-9", Address: address("late", "Jeddah"), At: at}) // never after a forget in life; ignored if it were

		viewtest.Prove(t, db, h.Store, func() projections.Projector { return users.New(reg) }, func(db viewtest.DB) string {
			return viewtest.Dump(t, db.R,
				`SELECT user_id, revision, email, role, vendor_id, name, phone, locale, default_address, forgotten, registered_at, updated_at FROM users ORDER BY user_id`,
				`SELECT user_id, address_id, added_revision, label, recipient, phone, line1, line2, city, region, postal_code, country FROM user_addresses ORDER BY user_id, address_id`)
		})

		rd := userq.New(db.R, db.Rebind)
		ctx := context.Background()
		me, err := rd.Get(ctx, "u-1")
		if err != nil {
			t.Fatal(err)
		}
		if me.Email != "amal@example.ae" || me.Role != "customer" || me.Profile != (userq.Profile{Name: "Amal K.", Phone: "+971500000009", Locale: "en"}) ||
			me.DefaultAddress != "a-1" || len(me.Addresses) != 2 {
			t.Fatalf("u-1: %+v", me)
		}
		if a := me.Addresses; a[0].AddressID != "a-1" || !a[0].Default || a[1].AddressID != "a-3" || a[1].City != "Al Ain" || a[1].Default {
			t.Fatalf("u-1's address book: %+v", a)
		}
		if _, err := rd.Get(ctx, "u-2"); !errors.Is(err, sql.ErrNoRows) {
			t.Fatalf("a forgotten account: %v, want no rows", err)
		}
		var leftover int
		if err := db.R.QueryRow(db.Rebind(`SELECT COUNT(*) FROM user_addresses WHERE user_id = ?`), "u-2").Scan(&leftover); err != nil || leftover != 0 {
			t.Fatalf("a forgotten account keeps %d addresses (%v)", leftover, err)
		}
		var name, email string
		if err := db.R.QueryRow(db.Rebind(`SELECT name, email FROM users WHERE user_id = ?`), "u-2").Scan(&name, &email); err != nil || name != "" || email != "" {
			t.Fatalf("a forgotten account's tombstone holds %q %q (%v)", name, email, err)
		}
		if _, err := rd.Get(ctx, "u-404"); !errors.Is(err, sql.ErrNoRows) {
			t.Fatalf("an unknown account: %v", err)
		}
	})
}

package shipment_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/domaintest"
	"github.com/souq-market/souq/domain/shipment"
)

var t0 = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)

func created(t testing.TB) shipment.Created {
	return shipment.Created{ShipmentID: "s-1", OrderID: "o-1", SubOrderID: "o-1:1", VendorID: "v-a", Carrier: shipment.Aramex, TrackingNumber: "AX123", LabelKey: "labels/s-1.pdf", CODAmount: domaintest.Money(t, 10000, domain.AED), At: t0}
}

func given(events ...domain.Event) *shipment.Shipment {
	s := shipment.New("s-1")
	for _, e := range events {
		s.Apply(e)
	}
	return s
}

func track(id string, st shipment.Status, h int) shipment.Track {
	return shipment.Track{CarrierEventID: id, Status: st, CarrierStatus: "raw-" + string(st), OccurredAt: t0.Add(time.Duration(h) * time.Hour)}
}

func changed(id string, st shipment.Status, h int) shipment.StatusChanged {
	return shipment.StatusChanged{CarrierEventID: id, Status: st, CarrierStatus: "raw-" + string(st), OccurredAt: t0.Add(time.Duration(h) * time.Hour), At: t0}
}

func TestCreate(t *testing.T) {
	cmd := shipment.Create{OrderID: "o-1", SubOrderID: "o-1:1", VendorID: "v-a", Carrier: shipment.Aramex, TrackingNumber: "AX123", LabelKey: "labels/s-1.pdf", CODAmount: domaintest.Money(t, 10000, domain.AED)}
	s := given()
	if err := s.Create(cmd, t0); err != nil {
		t.Fatal(err)
	}
	domaintest.Then(t, s.Changes(), created(t))
	s = given(created(t))
	if err := s.Create(cmd, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	domaintest.Then(t, s.Changes())
	cmd.TrackingNumber = "AX999"
	domaintest.Refused(t, s.Create(cmd, t0), s.Changes(), domain.Conflict, shipment.CodeAlreadyCreated)
	domaintest.Problems(t, given().Create(shipment.Create{Carrier: "pigeon"}, t0), "order_id", "sub_order_id", "vendor_id", "carrier", "tracking_number", "label_key")
}

func TestTrack(t *testing.T) {
	s := given(created(t))
	if err := s.Track(track("e1", shipment.InTransit, 1), t0); err != nil {
		t.Fatal(err)
	}
	domaintest.Then(t, s.Changes(), changed("e1", shipment.InTransit, 1))

	t.Run("duplicate changes nothing", func(t *testing.T) {
		s := given(created(t), changed("e1", shipment.InTransit, 1))
		if err := s.Track(track("e1", shipment.InTransit, 1), t0); err != nil {
			t.Fatal(err)
		}
		domaintest.Then(t, s.Changes())
	})
	t.Run("never backwards", func(t *testing.T) {
		s := given(created(t), changed("e2", shipment.OutForDelivery, 5))
		if err := s.Track(track("e1", shipment.InTransit, 1), t0); err != nil {
			t.Fatal(err)
		}
		if err := s.Track(track("e0", shipment.PreTransit, 0), t0); err != nil {
			t.Fatal(err)
		}
		domaintest.Then(t, s.Changes())
		if s.Status() != shipment.OutForDelivery {
			t.Fatal(s.Status())
		}
	})
	t.Run("failed attempt then a new attempt", func(t *testing.T) {
		s := given(created(t), changed("e2", shipment.OutForDelivery, 5), changed("e3", shipment.FailedAttempt, 8))
		if err := s.Track(track("e4", shipment.OutForDelivery, 30), t0); err != nil {
			t.Fatal(err)
		}
		domaintest.Then(t, s.Changes(), changed("e4", shipment.OutForDelivery, 30))
		// The older out-for-delivery resent late does not undo the failure.
		s = given(created(t), changed("e2", shipment.OutForDelivery, 5), changed("e3", shipment.FailedAttempt, 8))
		if err := s.Track(track("e2b", shipment.OutForDelivery, 5), t0); err != nil {
			t.Fatal(err)
		}
		domaintest.Then(t, s.Changes())
	})
	t.Run("exception and recovery", func(t *testing.T) {
		s := given(created(t), changed("e1", shipment.InTransit, 1))
		if err := s.Track(track("x", shipment.Exception, 2), t0); err != nil {
			t.Fatal(err)
		}
		if err := s.Track(track("e2", shipment.InTransit, 3), t0); err != nil {
			t.Fatal(err)
		}
		domaintest.Then(t, s.Changes(), changed("x", shipment.Exception, 2), changed("e2", shipment.InTransit, 3))
	})
	t.Run("final", func(t *testing.T) {
		d := changed("d", shipment.Delivered, 9)
		d.Collected = domaintest.Money(t, 10000, domain.AED)
		s := given(created(t), d)
		if err := s.Track(track("x", shipment.Exception, 20), t0); err != nil {
			t.Fatal(err)
		}
		if err := s.Track(track("r", shipment.ReturnedToSender, 20), t0); err != nil {
			t.Fatal(err)
		}
		domaintest.Then(t, s.Changes())
		if s.Status() != shipment.Delivered || s.Collected() != domaintest.Money(t, 10000, domain.AED) {
			t.Fatal(s.Status(), s.Collected())
		}
	})
	t.Run("refused", func(t *testing.T) {
		domaintest.Refused(t, given().Track(track("e", shipment.InTransit, 1), t0), nil, domain.NotFound, shipment.CodeNotCreated)
		bad := track("", "teleported", 0)
		bad.OccurredAt = time.Time{}
		bad.Collected = domaintest.Money(t, 5, domain.AED)
		domaintest.Problems(t, given(created(t)).Track(bad, t0), "carrier_event_id", "status", "occurred_at", "collected")
	})
}

// TestShuffledDuplicatedDelivery feeds the same carrier history many times,
// shuffled and duplicated, and checks the parcel ends where the history
// ends and its status never went backwards on the way.
func TestShuffledDuplicatedDelivery(t *testing.T) {
	history := []shipment.Track{
		track("1", shipment.PreTransit, 0), track("2", shipment.InTransit, 2), track("3", shipment.Exception, 3),
		track("4", shipment.InTransit, 4), track("5", shipment.OutForDelivery, 6), track("6", shipment.FailedAttempt, 7),
		track("7", shipment.OutForDelivery, 30), track("8", shipment.Delivered, 31),
	}
	rank := map[shipment.Status]int{shipment.StatusCreated: 0, shipment.PreTransit: 1, shipment.InTransit: 2, shipment.OutForDelivery: 3, shipment.FailedAttempt: 3, shipment.Delivered: 4}
	for seed := range uint64(200) {
		r := rand.New(rand.NewPCG(seed, 1))
		var feed []shipment.Track
		for range 3 {
			feed = append(feed, history...)
		}
		r.Shuffle(len(feed), func(i, j int) { feed[i], feed[j] = feed[j], feed[i] })
		s := given(created(t))
		high := 0
		for _, cmd := range feed {
			if err := s.Track(cmd, t0); err != nil {
				t.Fatal(err)
			}
			if s.Status() == shipment.Exception {
				continue // a side state: it does not measure progress
			}
			if rank[s.Status()] < high {
				t.Fatalf("seed %d: went back to %s", seed, s.Status())
			}
			high = rank[s.Status()]
		}
		if s.Status() != shipment.Delivered {
			t.Fatalf("seed %d: ended %s", seed, s.Status())
		}
		ids := map[string]bool{}
		for _, e := range s.Changes() {
			id := e.(shipment.StatusChanged).CarrierEventID
			if ids[id] {
				t.Fatalf("seed %d: %s applied twice", seed, id)
			}
			ids[id] = true
		}
	}
}

func TestGolden(t *testing.T) {
	d := changed("aramex-991", shipment.Delivered, 30)
	d.Location = "Dubai Marina"
	d.Collected = domaintest.Money(t, 10000, domain.AED)
	samples := []domain.Event{created(t), d}
	domaintest.Covers(t, shipment.Events(), samples)
	domaintest.Golden(t, samples...)
}

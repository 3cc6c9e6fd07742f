package shipments_test

import (
	"context"
	"testing"
	"time"

	"github.com/souq-market/souq/domain/shipment"
	"github.com/souq-market/souq/projections"
	"github.com/souq-market/souq/projections/shipments"
	"github.com/souq-market/souq/projections/shipments/shipmentq"
	"github.com/souq-market/souq/projections/viewtest"
)

func TestShipmentsView(t *testing.T) {
	viewtest.Each(t, func(t *testing.T, db viewtest.DB) {
		reg := viewtest.Registry(shipment.Events())
		h := viewtest.NewHistory(t, reg)
		at := h.At()
		h.Add("shipment-sh-1", shipment.Created{ShipmentID: "sh-1", OrderID: "o-1", SubOrderID: "o-1-s1", VendorID: "v-1", Carrier: shipment.Aramex, TrackingNumber: "TRK1", LabelKey: "labels/v-1/l1.pdf", At: at})
		h.Add("shipment-sh-2", shipment.Created{ShipmentID: "sh-2", OrderID: "o-2", SubOrderID: "o-2-s1", VendorID: "v-2", Carrier: shipment.SMSA, TrackingNumber: "TRK1", LabelKey: "labels/v-2/l2.pdf", At: at.Add(time.Minute)})
		// Webhooks arrive out of order: the timeline follows when things
		// happened. An exception with a word souq has no mapping for keeps it.
		h.Add("shipment-sh-1", shipment.StatusChanged{CarrierEventID: "a2", Status: shipment.OutForDelivery, CarrierStatus: "WC", Location: "Dubai", OccurredAt: at.Add(3 * time.Hour), At: at})
		h.Add("shipment-sh-1", shipment.StatusChanged{CarrierEventID: "a3", Status: shipment.Exception, CarrierStatus: "HELD_AT_CUSTOMS_X9", Location: "Jebel Ali", OccurredAt: at.Add(4 * time.Hour), At: at})
		h.Add("shipment-sh-1", shipment.StatusChanged{CarrierEventID: "a1", Status: shipment.InTransit, CarrierStatus: "SH014", Location: "Riyadh", OccurredAt: at.Add(time.Hour), At: at})
		h.Add("shipment-sh-2", shipment.StatusChanged{CarrierEventID: "s1", Status: shipment.Delivered, CarrierStatus: "DLV", OccurredAt: at.Add(2 * time.Hour), At: at})

		viewtest.Prove(t, db, h.Store, func() projections.Projector { return shipments.New(reg) }, func(db viewtest.DB) string {
			return viewtest.Dump(t, db.R,
				`SELECT shipment_id, carrier, tracking_number, order_id, sub_order_id, vendor_id, status, carrier_status, label_key, created_at, updated_at FROM `+shipmentq.TableShipments+` ORDER BY shipment_id`,
				`SELECT shipment_id, event_id, occurred_at, status, carrier_status, location FROM `+shipmentq.TableEvents+` ORDER BY shipment_id, event_id`)
		})

		rd := shipmentq.New(db.R, db.Rebind)
		ctx := context.Background()
		tr, err := rd.ByTracking(ctx, "TRK1", "aramex")
		if err != nil {
			t.Fatal(err)
		}
		var words []string
		for _, s := range tr.Timeline {
			words = append(words, s.CarrierStatus)
		}
		if tr.ShipmentID != "sh-1" || tr.LabelKey != "labels/v-1/l1.pdf" || tr.Status != "exception" || tr.CarrierStatus != "HELD_AT_CUSTOMS_X9" || len(tr.Timeline) != 4 || words[1] != "SH014" || words[2] != "WC" || words[3] != "HELD_AT_CUSTOMS_X9" ||
			tr.Timeline[3].Status != "exception" || tr.Timeline[0].Status != "created" {
			t.Fatalf("TRK1 at aramex: %+v", tr)
		}
		if tr, err := rd.ByTracking(ctx, "TRK1", ""); err != nil || tr.ShipmentID != "sh-2" || tr.LabelKey != "labels/v-2/l2.pdf" || tr.Status != "delivered" {
			t.Fatalf("TRK1 of any carrier is the newest parcel: %+v %v", tr, err)
		}
		if _, err := rd.ByTracking(ctx, "TRK1", "dhl"); err == nil {
			t.Fatal("TRK1 found at dhl")
		}
	})
}

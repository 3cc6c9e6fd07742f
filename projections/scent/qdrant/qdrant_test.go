package qdrant_test

import (
	"context"
	"net/url"
	"os"
	"strings"
	"testing"

	qc "github.com/qdrant/go-client/qdrant"

	"github.com/souq-market/souq/projections/scent"
	"github.com/souq-market/souq/projections/scent/qdrant"
	"github.com/souq-market/souq/projections/scent/scenttest"
)

// Against a real Qdrant when SOUQ_TEST_QDRANT_URL is set (the gRPC
// endpoint, http://localhost:6334), each run in collections of its own.
func TestAcceptanceRealServer(t *testing.T) {
	raw := os.Getenv("SOUQ_TEST_QDRANT_URL")
	if raw == "" {
		t.Skip("SOUQ_TEST_QDRANT_URL is not set: the Qdrant suite runs on the fake gRPC server only (TestAcceptanceFake)")
	}
	n := 0
	scenttest.Run(t, func(t *testing.T) scent.Index {
		n++
		name := "souq_test_" + strings.ToLower(strings.NewReplacer("/", "_", " ", "_").Replace(t.Name()))
		ix, err := qdrant.Open(context.Background(), raw, name, scent.Dim)
		if err != nil {
			t.Fatal(err)
		}
		if err := ix.Reset(context.Background()); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = ix.Reset(context.Background()); _ = ix.Close() })
		return ix
	})
}

// The same suite over the fake server, which speaks the real wire.
func TestAcceptanceFake(t *testing.T) {
	scenttest.Run(t, func(t *testing.T) scent.Index {
		_, addr := serve(t)
		ix, err := qdrant.Open(context.Background(), (&url.URL{Scheme: "http", Host: addr}).String(), qdrant.Collection(scent.VectorVersion), scent.Dim)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = ix.Close() })
		return ix
	})
}

// The requests the adapter makes, pinned.
func TestRequests(t *testing.T) {
	f, addr := serve(t)
	ctx := context.Background()
	ix, err := qdrant.Open(ctx, "http://"+addr, "souq_scent_v1", scent.Dim)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if err := ix.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	if len(f.created) != 2 || f.created[0].GetCollectionName() != "souq_scent_v1" || f.created[0].GetVectorsConfig().GetParams().GetSize() != scent.Dim ||
		f.created[1].GetCollectionName() != "souq_scent_v1_state" || f.created[1].GetVectorsConfig().GetParams().GetSize() != 1 {
		t.Fatalf("collections: %v", f.created)
	}
	want := map[string]qc.FieldType{"category": qc.FieldType_FieldTypeKeyword, "gender": qc.FieldType_FieldTypeKeyword, "brand": qc.FieldType_FieldTypeKeyword,
		"top_norm": qc.FieldType_FieldTypeKeyword, "in_stock": qc.FieldType_FieldTypeBool, "deleted": qc.FieldType_FieldTypeBool, "revision": qc.FieldType_FieldTypeInteger}
	for _, fi := range f.fieldIndex {
		if want[fi.GetFieldName()] != fi.GetFieldType() || fi.GetCollectionName() != "souq_scent_v1" {
			t.Fatalf("field index %v", fi)
		}
		delete(want, fi.GetFieldName())
	}
	if len(want) != 0 {
		t.Fatalf("field indexes missing: %v", want)
	}
	// Opening again creates nothing.
	if _, err := qdrant.Open(ctx, "http://"+addr, "souq_scent_v1", scent.Dim); err != nil || len(f.created) != 2 {
		t.Fatalf("reopen: %v, %d created", err, len(f.created))
	}

	p := scent.Point{ID: "p-1", Revision: 7, Vector: scent.Vectorize(scent.Profile{Top: []string{"Pink Pepper"}}),
		Payload: scent.Payload{Brand: "Dar Al Oud", Category: "oud", Top: []string{"Pink Pepper"}, Prices: map[string]int64{"AED": 24900}, InStock: true}}
	if err := ix.Upsert(ctx, []scent.Point{p, {ID: "p-2", Revision: 3, Deleted: true}}); err != nil {
		t.Fatal(err)
	}
	b := f.batches[len(f.batches)-1]
	if len(b.GetOperations()) != 2 || !b.GetWait() {
		t.Fatalf("one batch of two waited upserts: %v", b)
	}
	op := b.GetOperations()[0].GetUpsert()
	pt := op.GetPoints()[0]
	r := op.GetUpdateFilter().GetMust()[0].GetField()
	if r.GetKey() != "revision" || r.GetRange().Lte == nil || *r.GetRange().Lte != 7 {
		t.Fatalf("conditional upsert: %v", op.GetUpdateFilter())
	}
	if pt.GetId().GetUuid() != qdrant.PointID("p-1") || pt.GetPayload()["id"].GetStringValue() != "p-1" ||
		pt.GetPayload()["top_norm"].GetListValue().GetValues()[0].GetStringValue() != "pink pepper" ||
		pt.GetPayload()["prices"].GetStructValue().GetFields()["AED"].GetIntegerValue() != 24900 {
		t.Fatalf("point %v", pt)
	}
	if d := b.GetOperations()[1].GetUpsert().GetPoints()[0].GetPayload()["deleted"]; !d.GetBoolValue() {
		t.Fatalf("tombstone %v", d)
	}
	if _, err := ix.Search(ctx, scent.Query{Vector: p.Vector, K: 5, Filter: scent.Filter{InStock: true, TopAny: []string{"pink-pepper"}, Exclude: []string{"p-9"}}}); err != nil {
		t.Fatal(err)
	}
	q := f.queries[len(f.queries)-1]
	if q.GetLimit() != 5 || len(q.GetQuery().GetNearest().GetDense().GetData()) != scent.Dim ||
		q.GetFilter().GetMustNot()[0].GetField().GetKey() != "deleted" || q.GetFilter().GetMustNot()[1].GetHasId().GetHasId()[0].GetUuid() != qdrant.PointID("p-9") ||
		q.GetFilter().GetMust()[1].GetField().GetMatch().GetKeywords().GetStrings()[0] != "pink pepper" {
		t.Fatalf("query %v", q)
	}
}

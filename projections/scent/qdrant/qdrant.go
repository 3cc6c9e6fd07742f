package qdrant

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strconv"

	"github.com/google/uuid"
	qc "github.com/qdrant/go-client/qdrant"

	"github.com/souq-market/souq/projections/scent"
)

// Collection is the name of the collection of a vector layout version.
func Collection(version int) string { return "souq_scent_v" + strconv.Itoa(version) }

// ImageCollection is the collection of product image embeddings of
// scent.ImageVersion version: a collection of its own rather than a named
// vector beside the scent one, so the image projector keeps its own
// checkpoint and state, and a new image model rebuilds only its vectors.
func ImageCollection(version int) string { return "souq_images_v" + strconv.Itoa(version) }

// namespace of the UUIDv5 point IDs (fixed for ever: IDs are stored).
var namespace = uuid.MustParse("6f1c2d1e-8a57-4a43-9c1f-0b0e5e1f7a11")

// Index is a scent.Index in a Qdrant collection.
type Index struct {
	client     *qc.Client
	collection string
	state      string
	dim        int
}

var _ scent.Index = (*Index)(nil)

// Open connects to the gRPC endpoint at rawURL (http://host:6334, https
// for TLS) and makes sure the collections exist.
func Open(ctx context.Context, rawURL, collection string, dim int) (*Index, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("qdrant: %w", err)
	}
	port := 6334
	if p := u.Port(); p != "" {
		if port, err = strconv.Atoi(p); err != nil {
			return nil, fmt.Errorf("qdrant: port %q: %w", p, err)
		}
	}
	cfg := &qc.Config{Host: u.Hostname(), Port: port, UseTLS: u.Scheme == "https", PoolSize: 1, SkipCompatibilityCheck: true}
	if pw, ok := u.User.Password(); ok {
		cfg.APIKey = pw
	}
	client, err := qc.NewClient(cfg)
	if err != nil {
		return nil, fmt.Errorf("qdrant: %w", err)
	}
	ix, err := New(ctx, client, collection, dim)
	if err != nil {
		_ = client.Close()
		return nil, err
	}
	return ix, nil
}

// New uses client, creating the collections when they do not exist.
func New(ctx context.Context, client *qc.Client, collection string, dim int) (*Index, error) {
	ix := &Index{client: client, collection: collection, state: collection + "_state", dim: dim}
	if err := ix.ensure(ctx); err != nil {
		return nil, err
	}
	return ix, nil
}

// Close closes the client.
func (ix *Index) Close() error { return ix.client.Close() }

func (ix *Index) ensure(ctx context.Context) error {
	for _, c := range []struct {
		name string
		dim  int
	}{{ix.collection, ix.dim}, {ix.state, 1}} {
		ok, err := ix.client.CollectionExists(ctx, c.name)
		if err != nil {
			return fmt.Errorf("qdrant: collection %s: %w", c.name, err)
		}
		if ok {
			continue
		}
		err = ix.client.CreateCollection(ctx, &qc.CreateCollection{CollectionName: c.name,
			VectorsConfig: qc.NewVectorsConfig(&qc.VectorParams{Size: uint64(c.dim), Distance: qc.Distance_Cosine})})
		if err != nil {
			return fmt.Errorf("qdrant: create %s: %w", c.name, err)
		}
	}
	fields := []struct {
		name string
		t    qc.FieldType
	}{{"category", qc.FieldType_FieldTypeKeyword}, {"gender", qc.FieldType_FieldTypeKeyword}, {"brand", qc.FieldType_FieldTypeKeyword},
		{"top_norm", qc.FieldType_FieldTypeKeyword}, {"in_stock", qc.FieldType_FieldTypeBool}, {"deleted", qc.FieldType_FieldTypeBool},
		{"revision", qc.FieldType_FieldTypeInteger}}
	for _, f := range fields {
		// Creating an index that exists is a no-op on the server.
		_, err := ix.client.CreateFieldIndex(ctx, &qc.CreateFieldIndexCollection{CollectionName: ix.collection,
			FieldName: f.name, FieldType: qc.PtrOf(f.t), Wait: qc.PtrOf(true)})
		if err != nil {
			return fmt.Errorf("qdrant: index %s.%s: %w", ix.collection, f.name, err)
		}
	}
	return nil
}

// PointID is the Qdrant ID of a product (or state key).
func PointID(id string) string { return uuid.NewSHA1(namespace, []byte(id)).String() }

// Upsert writes points in one batch, each only over an older revision.
func (ix *Index) Upsert(ctx context.Context, points []scent.Point) error {
	if len(points) == 0 {
		return nil
	}
	ops := make([]*qc.PointsUpdateOperation, 0, len(points))
	for _, p := range points {
		vec := p.Vector
		if p.Deleted {
			vec = make(scent.Vector, ix.dim)
			vec[0] = 1 // a tombstone still needs a vector; queries exclude it
		}
		if len(vec) != ix.dim {
			return fmt.Errorf("qdrant: point %s: %w: %d, want %d", p.ID, scent.ErrDimension, len(vec), ix.dim)
		}
		payload, err := encode(p)
		if err != nil {
			return fmt.Errorf("qdrant: point %s: %w", p.ID, err)
		}
		ops = append(ops, qc.NewPointsUpdateUpsert(&qc.PointsUpdateOperation_PointStructList{
			Points: []*qc.PointStruct{{Id: qc.NewID(PointID(p.ID)), Vectors: qc.NewVectorsDense(vec), Payload: payload}},
			// The revision rule, on the server: an existing point is
			// replaced only when its revision is not newer.
			UpdateFilter: &qc.Filter{Must: []*qc.Condition{qc.NewRange("revision", &qc.Range{Lte: qc.PtrOf(float64(p.Revision))})}},
		}))
	}
	_, err := ix.client.UpdateBatch(ctx, &qc.UpdateBatchPoints{CollectionName: ix.collection, Wait: qc.PtrOf(true), Operations: ops})
	if err != nil {
		return fmt.Errorf("qdrant: upsert: %w", err)
	}
	return nil
}

func encode(p scent.Point) (map[string]*qc.Value, error) {
	top, norm := []any{}, []any{}
	for _, n := range p.Payload.Top {
		top = append(top, n)
		norm = append(norm, scent.Normalize(n))
	}
	prices := map[string]any{}
	for c, v := range p.Payload.Prices {
		prices[c] = v
	}
	return qc.TryValueMap(map[string]any{
		"id": p.ID, "revision": int64(p.Revision), "deleted": p.Deleted,
		"vendor": p.Payload.Vendor, "brand": p.Payload.Brand, "category": p.Payload.Category, "gender": p.Payload.Gender,
		"top": top, "top_norm": norm, "prices": prices, "in_stock": p.Payload.InStock,
	})
}

func decode(payload map[string]*qc.Value, vec []float32) scent.Point {
	s := func(k string) string { return payload[k].GetStringValue() }
	p := scent.Point{ID: s("id"), Revision: uint64(payload["revision"].GetIntegerValue()), Deleted: payload["deleted"].GetBoolValue(), Vector: vec,
		Payload: scent.Payload{Vendor: s("vendor"), Brand: s("brand"), Category: s("category"), Gender: s("gender"),
			InStock: payload["in_stock"].GetBoolValue(), Prices: map[string]int64{}}}
	for _, v := range payload["top"].GetListValue().GetValues() {
		p.Payload.Top = append(p.Payload.Top, v.GetStringValue())
	}
	for c, v := range payload["prices"].GetStructValue().GetFields() {
		p.Payload.Prices[c] = v.GetIntegerValue()
	}
	return p
}

func ids(list []string) []*qc.PointId {
	out := make([]*qc.PointId, 0, len(list))
	for _, id := range list {
		out = append(out, qc.NewID(PointID(id)))
	}
	return out
}

// Get returns the live points among ids.
func (ix *Index) Get(ctx context.Context, list []string) (map[string]scent.Point, error) {
	out := map[string]scent.Point{}
	if len(list) == 0 {
		return out, nil
	}
	got, err := ix.client.Get(ctx, &qc.GetPoints{CollectionName: ix.collection, Ids: ids(list),
		WithPayload: qc.NewWithPayload(true), WithVectors: qc.NewWithVectors(true)})
	if err != nil {
		return nil, fmt.Errorf("qdrant: get: %w", err)
	}
	for _, r := range got {
		p := decode(r.GetPayload(), r.GetVectors().GetVector().GetDenseVector().GetData())
		if !p.Deleted && p.ID != "" {
			out[p.ID] = p
		}
	}
	return out, nil
}

// Search is Qdrant's query by the dense vector with the filter.
func (ix *Index) Search(ctx context.Context, q scent.Query) ([]scent.Hit, error) {
	if len(q.Vector) != ix.dim {
		return nil, fmt.Errorf("qdrant: query: %w: %d, want %d", scent.ErrDimension, len(q.Vector), ix.dim)
	}
	if q.K <= 0 {
		return []scent.Hit{}, nil
	}
	got, err := ix.client.Query(ctx, &qc.QueryPoints{CollectionName: ix.collection, Query: qc.NewQueryDense(q.Vector),
		Filter: Filter(q.Filter), Limit: qc.PtrOf(uint64(q.K)),
		WithPayload: qc.NewWithPayload(true), WithVectors: qc.NewWithVectors(true)})
	if err != nil {
		return nil, fmt.Errorf("qdrant: query: %w", err)
	}
	out := make([]scent.Hit, 0, len(got))
	for _, sp := range got {
		out = append(out, scent.Hit{Point: decode(sp.GetPayload(), sp.GetVectors().GetVector().GetDenseVector().GetData()), Score: float64(sp.GetScore())})
	}
	// Qdrant orders by score; equal scores by ID here, as the port says.
	slices.SortStableFunc(out, func(a, b scent.Hit) int {
		if c := cmp.Compare(b.Score, a.Score); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return out, nil
}

// Filter is the Qdrant filter of a scent filter; tombstones never pass.
func Filter(f scent.Filter) *qc.Filter {
	out := &qc.Filter{MustNot: []*qc.Condition{qc.NewMatchBool("deleted", true)}}
	for _, kv := range [][2]string{{"category", f.Category}, {"gender", f.Gender}, {"brand", f.Brand}} {
		if kv[1] != "" {
			out.Must = append(out.Must, qc.NewMatchKeyword(kv[0], kv[1]))
		}
	}
	if f.InStock {
		out.Must = append(out.Must, qc.NewMatchBool("in_stock", true))
	}
	if len(f.TopAny) > 0 {
		var norm []string
		for _, n := range f.TopAny {
			norm = append(norm, scent.Normalize(n))
		}
		out.Must = append(out.Must, qc.NewMatchKeywords("top_norm", norm...))
	}
	if len(f.Exclude) > 0 {
		out.MustNot = append(out.MustNot, qc.NewHasID(ids(f.Exclude)...))
	}
	return out
}

// LoadState reads records from the state collection.
func (ix *Index) LoadState(ctx context.Context, keys []string) (map[string][]byte, error) {
	out := map[string][]byte{}
	if len(keys) == 0 {
		return out, nil
	}
	got, err := ix.client.Get(ctx, &qc.GetPoints{CollectionName: ix.state, Ids: ids(keys), WithPayload: qc.NewWithPayload(true)})
	if err != nil {
		return nil, fmt.Errorf("qdrant: load state: %w", err)
	}
	for _, r := range got {
		p := r.GetPayload()
		out[p["key"].GetStringValue()] = []byte(p["record"].GetStringValue())
	}
	return out, nil
}

// SaveState writes records to the state collection in one upsert.
func (ix *Index) SaveState(ctx context.Context, records map[string][]byte) error {
	if len(records) == 0 {
		return nil
	}
	points := make([]*qc.PointStruct, 0, len(records))
	for _, k := range slices.Sorted(maps.Keys(records)) {
		payload, err := qc.TryValueMap(map[string]any{"key": k, "record": string(records[k])})
		if err != nil {
			return fmt.Errorf("qdrant: state %s: %w", k, err)
		}
		points = append(points, &qc.PointStruct{Id: qc.NewID(PointID(k)), Vectors: qc.NewVectorsDense([]float32{1}), Payload: payload})
	}
	_, err := ix.client.Upsert(ctx, &qc.UpsertPoints{CollectionName: ix.state, Wait: qc.PtrOf(true), Points: points})
	if err != nil {
		return fmt.Errorf("qdrant: save state: %w", err)
	}
	return nil
}

// Reset drops both collections and creates them again.
func (ix *Index) Reset(ctx context.Context) error {
	var errs []error
	for _, c := range []string{ix.collection, ix.state} {
		if err := ix.client.DeleteCollection(ctx, c); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("qdrant: reset: %w", err)
	}
	return ix.ensure(ctx)
}

// Ping asks the server's health.
func (ix *Index) Ping(ctx context.Context) error {
	_, err := ix.client.HealthCheck(ctx)
	return err
}

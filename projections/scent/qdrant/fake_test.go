package qdrant_test

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"net"
	"slices"
	"sync"
	"testing"

	qc "github.com/qdrant/go-client/qdrant"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// fake is a Qdrant server of the gRPC calls the adapter makes, with the
// documented semantics (cosine, filters, conditional upsert): the suite
// runs over the client's real requests and the wire's real encoding, and
// the test reads the requests it recorded.
type fake struct {
	qc.UnimplementedPointsServer
	qc.UnimplementedQdrantServer

	mu          sync.Mutex
	collections map[string]*collection
	created     []*qc.CreateCollection
	fieldIndex  []*qc.CreateFieldIndexCollection
	batches     []*qc.UpdateBatchPoints
	queries     []*qc.QueryPoints
}

// colls serves the collections service over the same state (its method
// names clash with the points service's).
type colls struct {
	qc.UnimplementedCollectionsServer
	f *fake
}

type collection struct {
	dim    int
	points map[string]*qc.PointStruct
}

func serve(t *testing.T) (*fake, string) {
	f := &fake{collections: map[string]*collection{}}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := grpc.NewServer()
	qc.RegisterPointsServer(s, f)
	qc.RegisterCollectionsServer(s, colls{f: f})
	qc.RegisterQdrantServer(s, f)
	go func() { _ = s.Serve(lis) }()
	t.Cleanup(s.Stop)
	return f, lis.Addr().String()
}

func (f *fake) HealthCheck(context.Context, *qc.HealthCheckRequest) (*qc.HealthCheckReply, error) {
	return &qc.HealthCheckReply{Title: "qdrant fake", Version: "1.16.0"}, nil
}

func (c colls) CollectionExists(_ context.Context, r *qc.CollectionExistsRequest) (*qc.CollectionExistsResponse, error) {
	c.f.mu.Lock()
	defer c.f.mu.Unlock()
	_, ok := c.f.collections[r.GetCollectionName()]
	return &qc.CollectionExistsResponse{Result: &qc.CollectionExists{Exists: ok}}, nil
}

func (c colls) Create(_ context.Context, r *qc.CreateCollection) (*qc.CollectionOperationResponse, error) {
	c.f.mu.Lock()
	defer c.f.mu.Unlock()
	p := r.GetVectorsConfig().GetParams()
	if p == nil || p.GetDistance() != qc.Distance_Cosine {
		return nil, status.Error(codes.InvalidArgument, "want one cosine vector")
	}
	c.f.created = append(c.f.created, r)
	c.f.collections[r.GetCollectionName()] = &collection{dim: int(p.GetSize()), points: map[string]*qc.PointStruct{}}
	return &qc.CollectionOperationResponse{Result: true}, nil
}

func (c colls) Delete(_ context.Context, r *qc.DeleteCollection) (*qc.CollectionOperationResponse, error) {
	c.f.mu.Lock()
	defer c.f.mu.Unlock()
	delete(c.f.collections, r.GetCollectionName())
	return &qc.CollectionOperationResponse{Result: true}, nil
}

func (f *fake) CreateFieldIndex(_ context.Context, r *qc.CreateFieldIndexCollection) (*qc.PointsOperationResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fieldIndex = append(f.fieldIndex, r)
	return &qc.PointsOperationResponse{Result: &qc.UpdateResult{Status: qc.UpdateStatus_Completed}}, nil
}

func (f *fake) coll(name string) (*collection, error) {
	c, ok := f.collections[name]
	if !ok {
		return nil, status.Errorf(codes.NotFound, "Collection `%s` doesn't exist!", name)
	}
	return c, nil
}

func (f *fake) upsert(c *collection, points []*qc.PointStruct, cond *qc.Filter) error {
	for _, p := range points {
		v := p.GetVectors().GetVector().GetDense().GetData()
		if len(v) == 0 {
			v = p.GetVectors().GetVector().GetData()
		}
		if len(v) != c.dim {
			return status.Errorf(codes.InvalidArgument, "Wrong input: Vector dimension error: expected dim: %d, got %d", c.dim, len(v))
		}
		id := p.GetId().GetUuid()
		if old, ok := c.points[id]; ok && cond != nil && !matches(cond, old) {
			continue // Qdrant: existing points not matching update_filter keep their state
		}
		c.points[id] = p
	}
	return nil
}

func (f *fake) Upsert(_ context.Context, r *qc.UpsertPoints) (*qc.PointsOperationResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, err := f.coll(r.GetCollectionName())
	if err == nil {
		err = f.upsert(c, r.GetPoints(), r.GetUpdateFilter())
	}
	if err != nil {
		return nil, err
	}
	return &qc.PointsOperationResponse{Result: &qc.UpdateResult{Status: qc.UpdateStatus_Completed}}, nil
}

func (f *fake) UpdateBatch(_ context.Context, r *qc.UpdateBatchPoints) (*qc.UpdateBatchResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.batches = append(f.batches, r)
	c, err := f.coll(r.GetCollectionName())
	if err != nil {
		return nil, err
	}
	var out []*qc.UpdateResult
	for _, op := range r.GetOperations() {
		u := op.GetUpsert()
		if u == nil {
			return nil, status.Error(codes.Unimplemented, "the fake takes upserts only")
		}
		if err := f.upsert(c, u.GetPoints(), u.GetUpdateFilter()); err != nil {
			return nil, err
		}
		out = append(out, &qc.UpdateResult{Status: qc.UpdateStatus_Completed})
	}
	return &qc.UpdateBatchResponse{Result: out}, nil
}

func vectorOut(p *qc.PointStruct) *qc.VectorsOutput {
	v := p.GetVectors().GetVector().GetDense().GetData()
	return &qc.VectorsOutput{VectorsOptions: &qc.VectorsOutput_Vector{Vector: &qc.VectorOutput{Vector: &qc.VectorOutput_Dense{Dense: &qc.DenseVector{Data: v}}}}}
}

func (f *fake) Get(_ context.Context, r *qc.GetPoints) (*qc.GetResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, err := f.coll(r.GetCollectionName())
	if err != nil {
		return nil, err
	}
	var out []*qc.RetrievedPoint
	for _, id := range r.GetIds() {
		if p, ok := c.points[id.GetUuid()]; ok {
			rp := &qc.RetrievedPoint{Id: p.GetId(), Payload: p.GetPayload()}
			if r.GetWithVectors().GetEnable() {
				rp.Vectors = vectorOut(p)
			}
			out = append(out, rp)
		}
	}
	return &qc.GetResponse{Result: out}, nil
}

func (f *fake) Query(_ context.Context, r *qc.QueryPoints) (*qc.QueryResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.queries = append(f.queries, r)
	c, err := f.coll(r.GetCollectionName())
	if err != nil {
		return nil, err
	}
	q := r.GetQuery().GetNearest().GetDense().GetData()
	if len(q) != c.dim {
		return nil, status.Errorf(codes.InvalidArgument, "Wrong input: Vector dimension error: expected dim: %d, got %d", c.dim, len(q))
	}
	var out []*qc.ScoredPoint
	for _, p := range c.points {
		if r.GetFilter() != nil && !matches(r.GetFilter(), p) {
			continue
		}
		out = append(out, &qc.ScoredPoint{Id: p.GetId(), Payload: p.GetPayload(), Score: cosine(q, p.GetVectors().GetVector().GetDense().GetData()), Vectors: vectorOut(p)})
	}
	slices.SortFunc(out, func(a, b *qc.ScoredPoint) int {
		if c := cmp.Compare(b.Score, a.Score); c != 0 {
			return c
		}
		return cmp.Compare(a.GetId().GetUuid(), b.GetId().GetUuid())
	})
	return &qc.QueryResponse{Result: out[:min(len(out), int(r.GetLimit()))]}, nil
}

func cosine(a, b []float32) float32 {
	var dot, na, nb float64
	for i := range a {
		dot += float64(a[i]) * float64(b[i])
		na += float64(a[i]) * float64(a[i])
		nb += float64(b[i]) * float64(b[i])
	}
	if na == 0 || nb == 0 {
		return 0
	}
	return float32(dot / math.Sqrt(na*nb))
}

// matches evaluates the filter conditions the adapter uses, as Qdrant
// documents them: must all, must_not none; a keyword match on a list
// field matches any element.
func matches(f *qc.Filter, p *qc.PointStruct) bool {
	for _, c := range f.GetMust() {
		if !cond(c, p) {
			return false
		}
	}
	for _, c := range f.GetMustNot() {
		if cond(c, p) {
			return false
		}
	}
	return true
}

func cond(c *qc.Condition, p *qc.PointStruct) bool {
	if h := c.GetHasId(); h != nil {
		return slices.ContainsFunc(h.GetHasId(), func(id *qc.PointId) bool { return id.GetUuid() == p.GetId().GetUuid() })
	}
	fc := c.GetField()
	if fc == nil {
		panic(fmt.Sprintf("the fake does not know condition %v", c))
	}
	v := p.GetPayload()[fc.GetKey()]
	values := []*qc.Value{v}
	if l := v.GetListValue(); l != nil {
		values = l.GetValues()
	}
	if r := fc.GetRange(); r != nil {
		x := float64(v.GetIntegerValue())
		return v != nil && (r.Lte == nil || x <= *r.Lte) && (r.Gte == nil || x >= *r.Gte) && (r.Lt == nil || x < *r.Lt) && (r.Gt == nil || x > *r.Gt)
	}
	switch m := fc.GetMatch().GetMatchValue().(type) {
	case *qc.Match_Keyword:
		return slices.ContainsFunc(values, func(x *qc.Value) bool { return x.GetStringValue() == m.Keyword })
	case *qc.Match_Keywords:
		return slices.ContainsFunc(values, func(x *qc.Value) bool { return slices.Contains(m.Keywords.GetStrings(), x.GetStringValue()) })
	case *qc.Match_Boolean:
		return v != nil && v.GetBoolValue() == m.Boolean
	}
	panic(fmt.Sprintf("the fake does not know match %v", fc))
}

package elastic_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/internal/testenv"
	"github.com/souq-market/souq/projections/search"
	"github.com/souq-market/souq/projections/search/elastic"
	"github.com/souq-market/souq/projections/search/searchtest"
)

var update = flag.Bool("update", false, "rewrite the golden request files")

// request is one request the adapter sent.
type request struct {
	Method, Target string
	Body           []byte
}

// fake answers as Elasticsearch documents its answers, from canned bodies
// by "METHOD /path"; it records every request.
type fake struct {
	t       *testing.T
	mu      sync.Mutex
	got     []request
	answers map[string]answer
	product string // X-Elastic-Product; "Elasticsearch" unless a test says
}

type answer struct {
	status int
	body   string
}

func newFake(t *testing.T, answers map[string]answer) (*fake, *httptest.Server) {
	f := &fake{t: t, answers: answers, product: "Elasticsearch"}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

func (f *fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.got = append(f.got, request{Method: r.Method, Target: r.URL.RequestURI(), Body: body})
	f.mu.Unlock()
	w.Header().Set("X-Elastic-Product", f.product)
	w.Header().Set("Content-Type", "application/json")
	a, ok := f.answers[r.Method+" "+r.URL.Path]
	if !ok {
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprintf(w, `{"error":{"type":"index_not_found_exception","reason":"no such index [%s]"},"status":404}`, r.URL.Path)
		return
	}
	w.WriteHeader(a.status)
	io.WriteString(w, a.body)
}

func (f *fake) requests() []request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]request(nil), f.got...)
}

// golden compares body with testdata/name: JSON indented, NDJSON line by
// line as sent. -update rewrites the file.
func golden(t *testing.T, name string, body []byte) {
	t.Helper()
	got := body
	if strings.HasSuffix(name, ".json") {
		var b bytes.Buffer
		if err := json.Indent(&b, body, "", "  "); err != nil {
			t.Fatalf("%s: the body is not JSON: %v\n%s", name, err, body)
		}
		b.WriteByte('\n')
		got = b.Bytes()
	}
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update once to write it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s: the request body changed:\n%s\nwant\n%s", name, got, want)
	}
}

const ack = `{"acknowledged":true}`

func created(index string) answer {
	return answer{200, `{"acknowledged":true,"shards_acknowledged":true,"index":"` + index + `"}`}
}

func open(t *testing.T, srv *httptest.Server) *elastic.Index {
	t.Helper()
	ix, err := elastic.Open(context.Background(), elastic.Options{URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	return ix
}

// A first start creates the versioned indexes with the engine's mapping
// and points the alias at them.
func TestOpenCreatesIndexesAndAlias(t *testing.T) {
	f, srv := newFake(t, map[string]answer{
		"PUT /souq-products-v1":         created("souq-products-v1"),
		"PUT /souq-products-records-v1": created("souq-products-records-v1"),
		"POST /_aliases":                {200, ack},
	})
	ix := open(t, srv)
	if ix.Pending() {
		t.Error("nothing older serves reads, yet pending")
	}
	got := f.requests()
	want := []string{"PUT /souq-products-v1", "PUT /souq-products-records-v1", "GET /_alias/souq-products", "POST /_aliases"}
	if len(got) != len(want) {
		t.Fatalf("requests %v, want %v", got, want)
	}
	for i, r := range got {
		if r.Method+" "+r.Target != want[i] {
			t.Errorf("request %d: %s %s, want %s", i, r.Method, r.Target, want[i])
		}
	}
	golden(t, "create_index.json", got[0].Body)
	golden(t, "create_records.json", got[1].Body)
	golden(t, "alias_add.json", got[3].Body)
}

// The analyzer is generated from search.ArabicMappings: every rune of
// every rule appears in a mapping char filter of the created index.
func TestAnalyzerFromArabicMappings(t *testing.T) {
	f, srv := newFake(t, map[string]answer{"PUT /souq-products-v1": created("souq-products-v1"),
		"PUT /souq-products-records-v1": created("x"), "POST /_aliases": {200, ack}})
	open(t, srv)
	var body struct {
		Settings struct {
			Analysis struct {
				CharFilter map[string]struct{ Mappings []string } `json:"char_filter"`
				Analyzer   map[string]struct {
					CharFilter []string `json:"char_filter"`
					Filter     []string `json:"filter"`
				}
			}
		}
	}
	if err := json.Unmarshal(f.requests()[0].Body, &body); err != nil {
		t.Fatal(err)
	}
	a := body.Settings.Analysis
	for _, m := range search.ArabicMappings() {
		rules := a.CharFilter["souq_ar_"+m.Name].Mappings
		if len(rules) != len(m.From) {
			t.Errorf("%s: %d rules, want %d", m.Name, len(rules), len(m.From))
		}
		for i, r := range m.From {
			if want := fmt.Sprintf(`\u%04X =>`, r); i < len(rules) && !strings.HasPrefix(rules[i], want) {
				t.Errorf("%s: rule %q, want it to start %q", m.Name, rules[i], want)
			}
		}
	}
	if got := a.Analyzer["souq_text"]; len(got.CharFilter) != len(search.ArabicMappings()) || got.Filter[len(got.Filter)-1] != "arabic_normalization" {
		t.Errorf("analyzer %+v", got)
	}
}

// An alias pointing at an older version keeps serving until Promote, which
// swaps it and drops the old index in one atomic request, then the old
// records.
func TestPromoteSwapsAliasAtomically(t *testing.T) {
	f, srv := newFake(t, map[string]answer{
		"PUT /souq-products-v1":            created("souq-products-v1"),
		"PUT /souq-products-records-v1":    created("souq-products-records-v1"),
		"GET /_alias/souq-products":        {200, `{"souq-products-v0":{"aliases":{"souq-products":{}}}}`},
		"POST /_aliases":                   {200, ack},
		"DELETE /souq-products-records-v0": {200, ack},
	})
	ix := open(t, srv)
	if !ix.Pending() {
		t.Fatal("the alias points at v0: pending expected")
	}
	if n := len(f.requests()); n != 3 {
		t.Fatalf("Open touched the alias while v0 serves: %v", f.requests())
	}
	if err := ix.Promote(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := f.requests()[3:]
	if len(got) != 2 || got[0].Method+" "+got[0].Target != "POST /_aliases" || got[1].Method+" "+got[1].Target != "DELETE /souq-products-records-v0" {
		t.Fatalf("promote sent %v", got)
	}
	golden(t, "alias_swap.json", got[0].Body)
	if ix.Pending() {
		t.Error("still pending after promote")
	}
}

// The product check of the v8 client: a server that is not Elasticsearch
// is refused.
func TestRefusesAnotherProduct(t *testing.T) {
	f, srv := newFake(t, map[string]answer{"PUT /souq-products-v1": created("souq-products-v1")})
	f.product = ""
	if _, err := elastic.Open(context.Background(), elastic.Options{URL: srv.URL}); err == nil || !strings.Contains(err.Error(), "not Elasticsearch") {
		t.Fatalf("open against another product: %v", err)
	}
}

func opened(t *testing.T, extra map[string]answer) (*fake, *elastic.Index) {
	answers := map[string]answer{
		"PUT /souq-products-v1":         created("souq-products-v1"),
		"PUT /souq-products-records-v1": created("souq-products-records-v1"),
		"GET /_alias/souq-products":     {200, `{"souq-products-v1":{"aliases":{"souq-products":{}}}}`},
	}
	for k, v := range extra {
		answers[k] = v
	}
	f, srv := newFake(t, answers)
	ix := open(t, srv)
	f.mu.Lock()
	f.got = nil
	f.mu.Unlock()
	return f, ix
}

func records() []search.Record {
	listed := time.Date(2025, 3, 1, 9, 30, 0, 0, time.UTC)
	on := &search.ProductState{Seen: true, Revision: 4, Listed: true, Doc: search.Document{
		Vendor: "v-deira-attar", NameEN: "Royal Oud Al Ameer", NameAR: "عود ملكي الأمير", Brand: "Dar Al Oud",
		Category: "oud", Concentration: "extrait", Gender: "unisex", Type: "original",
		Top: []string{"saffron"}, Heart: []string{"taif rose"}, Base: []string{"oud", "amber"}, Accords: []string{"oud", "woody"},
		OudType: "cambodi", Seasons: []string{"winter"}, Occasions: []string{"evening"}, Longevity: "long_lasting", Sillage: "strong",
		ListedAt: listed,
	},
		Variants: map[string]search.Variant{"SKU-1": {SizeML: 50, Prices: map[string]int64{"AED": 45000, "SAR": 46000}}},
		Stock:    map[string]int64{"SKU-1": 7},
		Reviews:  map[string]search.ReviewMark{"r1": {Rating: 5, Approved: true}, "r2": {Rating: 4, Approved: true}},
		Sales:    map[string]int64{"o1": 2},
	}
	off := &search.ProductState{Seen: true, Revision: 9, Listed: true, Delisted: true}
	return []search.Record{
		{Key: search.ProductKey("p-1"), Product: on},
		{Key: search.ProductKey("p-2"), Product: off},
		{Key: search.SKUKey("SKU-1"), SKU: &search.SKUState{Product: "p-1", Locations: map[string]search.LocationStock{"dxb-1": {Revision: 2, OnHand: 9, Reserved: 2}}}},
	}
}

// Save: one _bulk, refresh=wait_for, records beside documents, documents
// versioned external_gte by their product revision, a delisted product
// deleted under the same guard.
func TestSaveBulk(t *testing.T) {
	f, ix := opened(t, map[string]answer{"POST /_bulk": {200, `{"took":7,"errors":false,"items":[` +
		`{"index":{"_index":"souq-products-records-v1","_id":"product:p-1","_version":1,"result":"created","status":201}},` +
		`{"index":{"_index":"souq-products-v1","_id":"p-1","_version":4,"result":"created","status":201}},` +
		`{"index":{"_index":"souq-products-records-v1","_id":"product:p-2","_version":1,"result":"created","status":201}},` +
		`{"delete":{"_index":"souq-products-v1","_id":"p-2","_version":9,"result":"not_found","status":404}},` +
		`{"index":{"_index":"souq-products-records-v1","_id":"sku:SKU-1","_version":1,"result":"created","status":201}}]}`}})
	if err := ix.Save(context.Background(), records()); err != nil {
		t.Fatal(err)
	}
	got := f.requests()
	if len(got) != 1 || got[0].Target != "/_bulk?refresh=wait_for" {
		t.Fatalf("requests %v", got)
	}
	golden(t, "bulk.ndjson", got[0].Body)
}

// A stale document write (409 version conflict) is skipped; any other
// failed item fails the Save so the runner retries the batch.
func TestSaveBulkItemErrors(t *testing.T) {
	conflict := `{"took":3,"errors":true,"items":[` +
		`{"index":{"_index":"souq-products-records-v1","_id":"product:p-1","status":200,"result":"updated"}},` +
		`{"index":{"_index":"souq-products-v1","_id":"p-1","status":409,"error":{"type":"version_conflict_engine_exception","reason":"[p-1]: version conflict, current version [5] is higher than the one provided [4]"}}}]}`
	_, ix := opened(t, map[string]answer{"POST /_bulk": {200, conflict}})
	if err := ix.Save(context.Background(), records()[:1]); err != nil {
		t.Fatalf("a stale write must be skipped: %v", err)
	}
	rejected := `{"took":3,"errors":true,"items":[` +
		`{"index":{"_index":"souq-products-records-v1","_id":"product:p-1","status":429,"error":{"type":"es_rejected_execution_exception","reason":"rejected execution"}}},` +
		`{"index":{"_index":"souq-products-v1","_id":"p-1","status":201,"result":"created"}}]}`
	_, ix = opened(t, map[string]answer{"POST /_bulk": {200, rejected}})
	if err := ix.Save(context.Background(), records()[:1]); err == nil || !strings.Contains(err.Error(), "es_rejected_execution_exception") {
		t.Fatalf("a rejected record must fail the save: %v", err)
	}
}

// Load: _mget on the records' index; absent keys are absent.
func TestLoad(t *testing.T) {
	rec, _ := json.Marshal(records()[2])
	f, ix := opened(t, map[string]answer{"POST /souq-products-records-v1/_mget": {200, `{"docs":[` +
		`{"_index":"souq-products-records-v1","_id":"sku:SKU-1","_version":1,"_seq_no":0,"_primary_term":1,"found":true,"_source":` + string(rec) + `},` +
		`{"_index":"souq-products-records-v1","_id":"sku:SKU-9","found":false}]}`}})
	got, err := ix.Load(context.Background(), []string{"sku:SKU-1", "sku:SKU-9"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got["sku:SKU-1"].SKU.Available() != 7 {
		t.Fatalf("loaded %+v", got)
	}
	golden(t, "mget.json", f.requests()[0].Body)
}

// searchAnswer is a documented _search answer: hits with _source and sort
// values, terms and range aggregations (boolean keys 1/0 with
// key_as_string; empty range buckets present).
const searchAnswer = `{"took":4,"timed_out":false,"_shards":{"total":1,"successful":1,"skipped":0,"failed":0},
"hits":{"total":{"value":31,"relation":"eq"},"max_score":7.25,"hits":[
 {"_index":"souq-products-v1","_id":"p-1","_score":7.25,"_source":{"doc":{"id":"p-1","vendor":"v-deira-attar","name_en":"Royal Oud","name_ar":"عود ملكي","brand":"Dar Al Oud","category":"oud","gender":"unisex","type":"original","sizes":[50],"prices":{"AED":45000},"stock":7,"in_stock":true,"rating":4.5,"ratings":2,"sold":2,"listed_at":"2025-03-01T09:30:00Z","revision":4}},"sort":[7.25,"p-1"]},
 {"_index":"souq-products-v1","_id":"p-7","_score":6.5,"_source":{"doc":{"id":"p-7","vendor":"v-olaya-oud","name_en":"Black Oud","name_ar":"عود أسود","brand":"Oud Al Majd","category":"oud","gender":"men","type":"original","sizes":[100],"prices":{"AED":32000},"stock":3,"in_stock":true,"rating":0,"ratings":0,"sold":0,"listed_at":"2025-02-01T00:00:00Z","revision":1}},"sort":[6.5,"p-7"]}]},
"aggregations":{
 "category":{"doc_count_error_upper_bound":0,"sum_other_doc_count":0,"buckets":[{"key":"oud","doc_count":31}]},
 "brand":{"doc_count_error_upper_bound":0,"sum_other_doc_count":0,"buckets":[{"key":"Oud Al Majd","doc_count":12},{"key":"Dar Al Oud","doc_count":19}]},
 "size":{"doc_count_error_upper_bound":0,"sum_other_doc_count":0,"buckets":[]},
 "in_stock":{"doc_count_error_upper_bound":0,"sum_other_doc_count":0,"buckets":[{"key":1,"key_as_string":"true","doc_count":31}]},
 "price":{"buckets":[{"key":"under_100","to":10000.0,"doc_count":0},{"key":"100_250","from":10000.0,"to":25000.0,"doc_count":4},{"key":"250_500","from":25000.0,"to":50000.0,"doc_count":27},{"key":"500_1000","from":50000.0,"to":100000.0,"doc_count":0},{"key":"1000_plus","from":100000.0,"doc_count":0}]},
 "rating":{"buckets":[{"key":"4_up","from":4.0,"doc_count":9},{"key":"3_up","from":3.0,"doc_count":14},{"key":"2_up","from":2.0,"doc_count":15},{"key":"1_up","from":1.0,"doc_count":15}]}}}`

func parse(t *testing.T, raw string) search.Query {
	t.Helper()
	v, _ := url.ParseQuery(raw)
	q, err := search.Parse(v)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

// Search: text with fuzziness per term, filters, every facet as an
// aggregation, the answer mapped into the query model, and the next page
// asked with search_after from the cursor.
func TestSearch(t *testing.T) {
	f, ix := opened(t, map[string]answer{"POST /souq-products/_search": {200, searchAnswer}})
	q := parse(t, "q=royal+oud&category=oud,attar&in_stock=true&price_max=500&limit=2")
	page, err := ix.Search(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "search.json", f.requests()[0].Body)
	if page.Total != 31 || len(page.Hits) != 2 || page.Hits[0].ID != "p-1" || page.Hits[0].Score != 7.25 || page.Hits[1].Prices["AED"] != 32000 {
		t.Fatalf("page %+v", page)
	}
	want := map[string][]search.Bucket{
		"category": {{Value: "oud", Count: 31}},
		"brand":    {{Value: "Dar Al Oud", Count: 19}, {Value: "Oud Al Majd", Count: 12}},
		"in_stock": {{Value: "true", Count: 31}},
		"price":    {{Value: "100_250", Count: 4}, {Value: "250_500", Count: 27}},
		"rating":   {{Value: "4_up", Count: 9}, {Value: "3_up", Count: 14}, {Value: "2_up", Count: 15}, {Value: "1_up", Count: 15}},
	}
	if g, w := fmt.Sprint(page.Facets), fmt.Sprint(want); g != w {
		t.Errorf("facets\n%s\nwant\n%s", g, w)
	}
	if page.Next == "" {
		t.Fatal("a full page has a next cursor")
	}
	v, _ := url.ParseQuery("q=royal+oud&category=oud,attar&in_stock=true&price_max=500&limit=2")
	v.Set("cursor", page.Next)
	next, err := search.Parse(v)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ix.Search(context.Background(), next); err != nil {
		t.Fatal(err)
	}
	var body struct {
		SearchAfter []json.RawMessage `json:"search_after"`
	}
	if err := json.Unmarshal(f.requests()[1].Body, &body); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprintf("%s", body.SearchAfter) != `[6.5 "p-7"]` {
		t.Errorf("search_after %s, want the last hit's sort values", body.SearchAfter)
	}
}

// Sorts: price in the query's currency (only products sold in it), ID last.
func TestSearchSortedByPrice(t *testing.T) {
	f, ix := opened(t, map[string]answer{"POST /souq-products/_search": {200, `{"hits":{"total":{"value":0},"hits":[]}}`}})
	if _, err := ix.Search(context.Background(), parse(t, "sort=price_desc&currency=SAR&rating_min=4&type=inspired_by")); err != nil {
		t.Fatal(err)
	}
	golden(t, "search_price_desc.json", f.requests()[0].Body)
}

// A cursor whose length does not fit the sort is refused as invalid.
func TestSearchForeignCursor(t *testing.T) {
	_, ix := opened(t, nil)
	q := parse(t, "sort=rating")
	q.After = []json.RawMessage{json.RawMessage(`"p-1"`)}
	if _, err := ix.Search(context.Background(), q); domain.KindOf(err) != domain.Invalid {
		t.Fatalf("a cursor of another sort: %v", err)
	}
}

// Suggest: exact terms then a prefix on the prefixed fields, best sellers
// first; the names come back in the prefix's script.
func TestSuggest(t *testing.T) {
	f, ix := opened(t, map[string]answer{"POST /souq-products/_search": {200, searchAnswer}})
	s, err := search.ParseSuggest(url.Values{"prefix": {"دهن الع"}, "limit": {"5"}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := ix.Suggest(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "suggest.json", f.requests()[0].Body)
	if len(got) != 2 || got[0].Text != "عود ملكي" || got[0].ProductID != "p-1" {
		t.Fatalf("suggestions %+v", got)
	}
}

// Acceptance: the suite every search backend passes, against a real
// Elasticsearch at SOUQ_TEST_ELASTICSEARCH_URL (docker-compose starts one).
func TestAcceptance(t *testing.T) {
	addr := testenv.URL(t, testenv.Service{Name: "elasticsearch", EnvVar: "SOUQ_TEST_ELASTICSEARCH_URL"})
	searchtest.Run(t, func(t *testing.T) search.Index {
		alias := fmt.Sprintf("souq-test-%d", time.Now().UnixNano())
		ix, err := elastic.Open(context.Background(), elastic.Options{URL: addr, Alias: alias})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			for _, name := range []string{alias + "-v1", alias + "-records-v1"} {
				req, _ := http.NewRequest(http.MethodDelete, strings.TrimRight(addr, "/")+"/"+name, nil)
				if res, err := http.DefaultClient.Do(req); err == nil {
					res.Body.Close()
				}
			}
			ix.Close()
		})
		return ix
	})
}

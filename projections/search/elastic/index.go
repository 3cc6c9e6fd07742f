package elastic

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/elastic/go-elasticsearch/v8"

	"github.com/souq-market/souq/projections/search"
)

// DefaultAlias is the alias reads go through unless Options say otherwise.
const DefaultAlias = "souq-products"

// Options configure Open.
type Options struct {
	// URL of a node (http://elasticsearch:9200); user and password in it
	// are sent as basic auth.
	URL string
	// Alias reads go through; the indexes are named after it. Several
	// deployments can share a cluster under different aliases.
	Alias string
	// Transport replaces the HTTP transport (tests).
	Transport http.RoundTripper
}

// Index is the Elasticsearch search.Index.
type Index struct {
	es      *elasticsearch.Client
	alias   string
	docs    string // the documents' index of search.MappingVersion: writes go here
	records string // its records' index

	mu  sync.RWMutex
	old []string // indexes the alias still points at, older versions, until Promote
}

var _ search.Index = (*Index)(nil)

// Names of the indexes of version v under alias.
func docsIndex(alias string, v int) string    { return alias + "-v" + strconv.Itoa(v) }
func recordsIndex(alias string, v int) string { return alias + "-records-v" + strconv.Itoa(v) }

// Open connects, creates the indexes of search.MappingVersion when they are
// missing, and points the alias at them when it points nowhere. When the
// alias points at an older version, that one keeps serving reads until
// Promote.
func Open(ctx context.Context, opts Options) (*Index, error) {
	if opts.Alias == "" {
		opts.Alias = DefaultAlias
	}
	u, err := url.Parse(opts.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("elastic: %q is not an http(s) URL of a node", opts.URL)
	}
	cfg := elasticsearch.Config{Addresses: []string{opts.URL}, Transport: opts.Transport, DisableMetaHeader: true}
	if u.User != nil {
		cfg.Username = u.User.Username()
		cfg.Password, _ = u.User.Password()
		u.User = nil
		cfg.Addresses = []string{u.String()}
	}
	es, err := elasticsearch.NewClient(cfg)
	if err != nil {
		return nil, fmt.Errorf("elastic: client: %w", err)
	}
	ix := &Index{es: es, alias: opts.Alias,
		docs: docsIndex(opts.Alias, search.MappingVersion), records: recordsIndex(opts.Alias, search.MappingVersion)}
	if err := ix.create(ctx); err != nil {
		return nil, err
	}
	current, err := ix.aliased(ctx)
	if err != nil {
		return nil, err
	}
	switch {
	case len(current) == 0:
		if err := ix.aliases(ctx, []obj{{"add": obj{"index": ix.docs, "alias": ix.alias}}}); err != nil {
			return nil, err
		}
	case !slices.Contains(current, ix.docs):
		ix.old = current
	}
	return ix, nil
}

// create makes both indexes of the current version unless they exist.
func (ix *Index) create(ctx context.Context) error {
	for _, c := range []struct {
		name string
		body obj
	}{{ix.docs, indexBody()}, {ix.records, recordsBody()}} {
		status, raw, err := ix.do(ctx, http.MethodPut, "/"+c.name, nil, c.body)
		if err != nil {
			return err
		}
		if status >= 300 && !(status == http.StatusBadRequest && errorType(raw) == "resource_already_exists_exception") {
			return fmt.Errorf("elastic: create index %s: %w", c.name, answer(status, raw))
		}
	}
	return nil
}

// aliased lists the indexes the alias points at.
func (ix *Index) aliased(ctx context.Context) ([]string, error) {
	status, raw, err := ix.do(ctx, http.MethodGet, "/_alias/"+ix.alias, nil, nil)
	if err != nil {
		return nil, err
	}
	if status == http.StatusNotFound {
		return nil, nil
	}
	if status >= 300 {
		return nil, fmt.Errorf("elastic: alias %s: %w", ix.alias, answer(status, raw))
	}
	var got map[string]json.RawMessage
	if err := json.Unmarshal(raw, &got); err != nil {
		return nil, fmt.Errorf("elastic: alias %s: %w", ix.alias, err)
	}
	out := make([]string, 0, len(got))
	for name := range got {
		out = append(out, name)
	}
	slices.Sort(out)
	return out, nil
}

// aliases runs one atomic _aliases request.
func (ix *Index) aliases(ctx context.Context, actions []obj) error {
	status, raw, err := ix.do(ctx, http.MethodPost, "/_aliases", nil, obj{"actions": actions})
	if err != nil {
		return err
	}
	if status >= 300 {
		return fmt.Errorf("elastic: aliases: %w", answer(status, raw))
	}
	return nil
}

// Pending reports whether an older version still serves reads.
func (ix *Index) Pending() bool {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return len(ix.old) > 0
}

// Promote points the alias at the current version and deletes the older
// indexes, in one atomic _aliases request (remove_index), then drops their
// records. Call it once the projector of the current version caught up.
func (ix *Index) Promote(ctx context.Context) error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if len(ix.old) == 0 {
		return nil
	}
	actions := []obj{{"add": obj{"index": ix.docs, "alias": ix.alias}}}
	for _, o := range ix.old {
		actions = append(actions, obj{"remove_index": obj{"index": o}})
	}
	if err := ix.aliases(ctx, actions); err != nil {
		return err
	}
	var errs []error
	for _, o := range ix.old {
		// A-vN's records are A-records-vN.
		if i := strings.LastIndex(o, "-v"); i > 0 {
			errs = append(errs, ix.drop(ctx, o[:i]+"-records"+o[i:]))
		}
	}
	ix.old = nil
	return errors.Join(errs...)
}

func (ix *Index) drop(ctx context.Context, name string) error {
	status, raw, err := ix.do(ctx, http.MethodDelete, "/"+name, nil, nil)
	if err != nil {
		return err
	}
	if status >= 300 && status != http.StatusNotFound {
		return fmt.Errorf("elastic: delete index %s: %w", name, answer(status, raw))
	}
	return nil
}

// Reset deletes and recreates the current version's indexes; the alias
// follows when it pointed at them.
func (ix *Index) Reset(ctx context.Context) error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if err := errors.Join(ix.drop(ctx, ix.docs), ix.drop(ctx, ix.records)); err != nil {
		return err
	}
	if err := ix.create(ctx); err != nil {
		return err
	}
	if len(ix.old) == 0 {
		return ix.aliases(ctx, []obj{{"add": obj{"index": ix.docs, "alias": ix.alias}}})
	}
	return nil
}

// Ping asks the alias's indexes for their health: green or yellow answers,
// red or missing does not.
func (ix *Index) Ping(ctx context.Context) error {
	status, raw, err := ix.do(ctx, http.MethodGet, "/_cluster/health/"+ix.alias, url.Values{"timeout": {"1s"}}, nil)
	if err != nil {
		return err
	}
	var h struct {
		Status string `json:"status"`
	}
	if status >= 300 || json.Unmarshal(raw, &h) != nil {
		return fmt.Errorf("elastic: health: %w", answer(status, raw))
	}
	if h.Status != "green" && h.Status != "yellow" {
		return fmt.Errorf("elastic: index %s is %s", ix.alias, h.Status)
	}
	return nil
}

// Load reads records by key (_mget reads in real time, without a refresh).
func (ix *Index) Load(ctx context.Context, keys []string) (map[string]search.Record, error) {
	out := make(map[string]search.Record, len(keys))
	if len(keys) == 0 {
		return out, nil
	}
	status, raw, err := ix.do(ctx, http.MethodPost, "/"+ix.records+"/_mget", nil, obj{"ids": keys})
	if err != nil {
		return nil, err
	}
	if status >= 300 {
		return nil, fmt.Errorf("elastic: load: %w", answer(status, raw))
	}
	var res struct {
		Docs []struct {
			ID     string          `json:"_id"`
			Found  bool            `json:"found"`
			Source json.RawMessage `json:"_source"`
			Error  json.RawMessage `json:"error"`
		} `json:"docs"`
	}
	if err := json.Unmarshal(raw, &res); err != nil {
		return nil, fmt.Errorf("elastic: load: %w", err)
	}
	for _, d := range res.Docs {
		if d.Error != nil {
			return nil, fmt.Errorf("elastic: load %s: %s", d.ID, d.Error)
		}
		if !d.Found {
			continue
		}
		var r search.Record
		if err := json.Unmarshal(d.Source, &r); err != nil {
			return nil, fmt.Errorf("elastic: load %s: %w", d.ID, err)
		}
		out[d.ID] = r
	}
	return out, nil
}

// Save writes records and documents in one _bulk request; see the package
// doc for the stale-write guard.
func (ix *Index) Save(ctx context.Context, records []search.Record) error {
	if len(records) == 0 {
		return nil
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	var body bytes.Buffer
	line := func(v any) error {
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		body.Write(b)
		body.WriteByte('\n')
		return nil
	}
	for _, r := range records {
		if err := errors.Join(line(obj{"index": obj{"_index": ix.records, "_id": r.Key}}), line(r)); err != nil {
			return fmt.Errorf("elastic: save %s: %w", r.Key, err)
		}
		if r.Product == nil {
			continue
		}
		id := strings.TrimPrefix(r.Key, search.ProductKey(""))
		meta := obj{"_index": ix.docs, "_id": id, "version": r.Product.Revision, "version_type": "external_gte"}
		var err error
		if r.Searchable() {
			d := r.Product.Document()
			d.ID = id
			err = errors.Join(line(obj{"index": meta}), line(source(d)))
		} else {
			err = line(obj{"delete": meta})
		}
		if err != nil {
			return fmt.Errorf("elastic: save %s: %w", r.Key, err)
		}
	}
	status, raw, err := ix.doRaw(ctx, http.MethodPost, "/_bulk", url.Values{"refresh": {"wait_for"}}, body.Bytes(), "application/x-ndjson")
	if err != nil {
		return err
	}
	if status >= 300 {
		return fmt.Errorf("elastic: bulk: %w", answer(status, raw))
	}
	return bulkErrors(raw, ix.docs)
}

// bulkErrors reads a _bulk answer: a version conflict on a document is a
// stale write, skipped; deleting what is absent is done; anything else
// fails the Save, and the runner retries the batch.
func bulkErrors(raw []byte, docs string) error {
	var res struct {
		Errors bool                         `json:"errors"`
		Items  []map[string]json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal(raw, &res); err != nil {
		return fmt.Errorf("elastic: bulk answer: %w", err)
	}
	if !res.Errors {
		return nil
	}
	var errs []error
	for _, item := range res.Items {
		for op, rawItem := range item {
			var it struct {
				Index  string          `json:"_index"`
				ID     string          `json:"_id"`
				Status int             `json:"status"`
				Error  json.RawMessage `json:"error"`
			}
			if err := json.Unmarshal(rawItem, &it); err != nil {
				return fmt.Errorf("elastic: bulk answer: %w", err)
			}
			switch {
			case it.Status < 300:
			case it.Index == docs && it.Status == http.StatusConflict:
			case op == "delete" && it.Status == http.StatusNotFound:
			default:
				errs = append(errs, fmt.Errorf("%s %s/%s: %d %s", op, it.Index, it.ID, it.Status, it.Error))
			}
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("elastic: bulk: %w", errors.Join(errs...))
	}
	return nil
}

// Close releases the client's idle connections.
func (ix *Index) Close() error { return ix.es.Close(context.Background()) }

// do sends a JSON request and returns the status and body.
func (ix *Index) do(ctx context.Context, method, path string, query url.Values, body any) (int, []byte, error) {
	var b []byte
	if body != nil {
		var err error
		if b, err = json.Marshal(body); err != nil {
			return 0, nil, fmt.Errorf("elastic: %s %s: %w", method, path, err)
		}
	}
	return ix.doRaw(ctx, method, path, query, b, "application/json")
}

func (ix *Index) doRaw(ctx context.Context, method, path string, query url.Values, body []byte, contentType string) (int, []byte, error) {
	target := path
	if len(query) > 0 {
		target += "?" + query.Encode()
	}
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, r)
	if err != nil {
		return 0, nil, fmt.Errorf("elastic: %s %s: %w", method, path, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Accept", "application/json")
	res, err := ix.es.Perform(req)
	if err != nil {
		return 0, nil, fmt.Errorf("elastic: %s %s: %w", method, path, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(res.Body, 64<<20))
	if err != nil {
		return 0, nil, fmt.Errorf("elastic: %s %s: %w", method, path, err)
	}
	return res.StatusCode, raw, nil
}

// answer is an error of a non-2xx answer, with Elasticsearch's reason.
func answer(status int, raw []byte) error {
	var e struct {
		Error struct {
			Type   string `json:"type"`
			Reason string `json:"reason"`
		} `json:"error"`
	}
	if json.Unmarshal(raw, &e) == nil && e.Error.Type != "" {
		return fmt.Errorf("%d %s: %s", status, e.Error.Type, e.Error.Reason)
	}
	if len(raw) > 200 {
		raw = raw[:200]
	}
	return fmt.Errorf("%d %s", status, raw)
}

func errorType(raw []byte) string {
	var e struct {
		Error struct {
			Type string `json:"type"`
		} `json:"error"`
	}
	_ = json.Unmarshal(raw, &e)
	return e.Error.Type
}

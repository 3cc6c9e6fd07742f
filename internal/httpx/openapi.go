package httpx

import (
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/gorilla/mux"
)

// Operation is one route and what its document says about it.
type Operation struct {
	Method  string
	Path    string // mux template, such as /v1/orders/{id}
	ID      string // operationId, unique per API
	Summary string
	Tag     string
	// ContentType of a successful answer; application/json when empty.
	ContentType string
	// Success status; 200 when zero.
	Status int
	// Errors lists the problem statuses worth naming; every operation also
	// documents a default problem answer.
	Errors []int
}

// Document is an OpenAPI 3.1 document, built with maps so it marshals to
// exactly the members written.
type Document = map[string]any

var pathParam = regexp.MustCompile(`\{([^}:]+)(:[^}]*)?\}`)

// OpenAPIPath turns a mux template into an OpenAPI path: {id:[0-9]+} → {id}.
func OpenAPIPath(tmpl string) string {
	return pathParam.ReplaceAllString(tmpl, "{$1}")
}

// Document builds the OpenAPI 3.1 document of every registered operation.
func (a *API) Document() Document {
	a.mu.Lock()
	ops := append([]Operation(nil), a.ops...)
	a.mu.Unlock()

	problem := map[string]any{"$ref": "#/components/responses/Problem"}
	paths := map[string]any{}
	for _, op := range ops {
		path := OpenAPIPath(op.Path)
		item, _ := paths[path].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[path] = item
		}
		ct := op.ContentType
		if ct == "" {
			ct = "application/json"
		}
		status := op.Status
		if status == 0 {
			status = http.StatusOK
		}
		responses := map[string]any{
			strconv.Itoa(status): map[string]any{
				"description": http.StatusText(status),
				"content":     map[string]any{ct: map[string]any{}},
			},
			"default": problem,
		}
		for _, s := range op.Errors {
			responses[strconv.Itoa(s)] = problem
		}
		o := map[string]any{"operationId": op.ID, "summary": op.Summary, "responses": responses}
		if op.Tag != "" {
			o["tags"] = []string{op.Tag}
		}
		var params []any
		for _, m := range pathParam.FindAllStringSubmatch(op.Path, -1) {
			params = append(params, map[string]any{
				"name": m[1], "in": "path", "required": true, "schema": map[string]any{"type": "string"},
			})
		}
		if params != nil {
			o["parameters"] = params
		}
		item[strings.ToLower(op.Method)] = o
	}
	return Document{
		"openapi": "3.1.0",
		"info":    map[string]any{"title": a.opts.Title, "version": a.opts.Version},
		"paths":   paths,
		"components": map[string]any{
			"responses": map[string]any{"Problem": map[string]any{
				"description": "An RFC 9457 problem.",
				"content": map[string]any{ContentType: map[string]any{
					"schema": map[string]any{"$ref": "#/components/schemas/Problem"},
				}},
			}},
			"schemas": map[string]any{"Problem": map[string]any{
				"type":     "object",
				"required": []string{"type", "title", "status", "code", "error_id"},
				"properties": map[string]any{
					"type":     map[string]any{"type": "string", "format": "uri-reference"},
					"title":    map[string]any{"type": "string"},
					"status":   map[string]any{"type": "integer"},
					"code":     map[string]any{"type": "string", "description": "stable slug, such as inventory.insufficient_stock"},
					"detail":   map[string]any{"type": "string"},
					"error_id": map[string]any{"type": "string", "description": "also in the server's log line of the request"},
				},
			}},
		},
	}
}

// Mismatches compares a router's routes with an OpenAPI document (as served,
// decoded from JSON) and lists every route missing from the document and
// every documented operation no route serves. Tests of each API call it, so
// a route registered around Handle, or a document entry without a route,
// fails the build.
func Mismatches(r *mux.Router, doc map[string]any) []string {
	routed := map[string]bool{}
	var out []string
	_ = r.Walk(func(route *mux.Route, _ *mux.Router, _ []*mux.Route) error {
		tmpl, err := route.GetPathTemplate()
		if err != nil {
			return nil // a subrouter without a path of its own
		}
		methods, err := route.GetMethods()
		if err != nil || len(methods) == 0 {
			out = append(out, "route "+tmpl+" accepts any method; give it one")
			return nil
		}
		for _, m := range methods {
			routed[strings.ToLower(m)+" "+OpenAPIPath(tmpl)] = true
		}
		return nil
	})
	documented := map[string]bool{}
	paths, _ := doc["paths"].(map[string]any)
	for path, item := range paths {
		ops, _ := item.(map[string]any)
		for method := range ops {
			documented[method+" "+path] = true
		}
	}
	for k := range routed {
		if !documented[k] {
			out = append(out, "route not in the document: "+k)
		}
	}
	for k := range documented {
		if !routed[k] {
			out = append(out, "documented but not routed: "+k)
		}
	}
	slices.Sort(out)
	return out
}

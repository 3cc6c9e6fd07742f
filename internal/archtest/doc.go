// Package archtest holds the architecture test: it reads the module's
// import graph with `go list -deps -json ./...` and fails when a dependency
// points the wrong way (DESIGN.md §3). Rules are data, checked over the
// transitive dependencies of each package, so an arrow hidden behind an
// intermediate package is caught too.
//
// It may import only the standard library; it has no importers.
package archtest

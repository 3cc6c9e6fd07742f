// Command souq is the one binary of the engine. Its subcommands run the
// roles: serve (every role in one process: write API, read API, projectors
// and process managers), write (the write API), read (the read API), project
// (the projectors and process managers alone, with health, readiness and
// metrics on their own address); projections (the operators' tool: list,
// rebuild, pause, resume, reset, parked, replay-parked), health (the
// container's probe), version and help. All wiring is here and explicit:
// configuration, logger, event store, read-model database, metrics
// registries, HTTP servers, graceful shutdown.
//
// It may import every package of the module; nothing imports it.
package main

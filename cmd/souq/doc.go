// Command souq is the one binary of the engine. Its subcommands run the
// roles: serve (every role in one process), write (the write API), read (the
// read API), plus version and help; project and others arrive with later
// issues. All wiring is here and explicit: configuration, logger, event
// store, metrics registries, HTTP servers, graceful shutdown.
//
// It may import every package of the module; nothing imports it.
package main

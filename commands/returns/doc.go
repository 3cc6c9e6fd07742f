// Package returns holds the commands on the return aggregate of
// domain/returns, one handler per file: request (priced from the order,
// within its return window), approve or reject, receive, refund. Each loads
// its stream through commands.Execute, lets the aggregate decide at the
// injected clock's now, and appends what it raised.
//
// It may import commands, domain and the eventstore port; never a driver.
package returns

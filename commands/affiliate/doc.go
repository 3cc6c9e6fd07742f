// Package affiliate holds the commands on the affiliate aggregate of
// domain/affiliate (an influencer's links, clicks and commissions), one
// handler per file: each loads its stream through commands.Execute, lets
// the aggregate decide at the injected clock's now, and appends what it
// raised. AttributeOrder reads the order it credits, so the commission's
// base and due date come from the order, never from the caller.
//
// It may import commands, domain and the eventstore port; never a driver.
package affiliate

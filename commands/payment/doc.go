// Package payment holds the commands on the payment aggregate of domain/payment, one
// handler per file: each loads its stream through commands.Execute, lets the
// aggregate decide at the injected clock's now, and appends what it raised.
//
// It may import commands, domain and the eventstore port; never a driver.
package payment

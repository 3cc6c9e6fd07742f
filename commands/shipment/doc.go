// Package shipment holds the commands on the shipment aggregate of domain/shipment, one
// handler per file: each loads its stream through commands.Execute, lets the
// aggregate decide at the injected clock's now, and appends what it raised.
// Book (carrier.go) first asks the Carrier port for the tracking number and
// the stored label, then creates the shipment with them.
//
// It may import commands, domain and the eventstore port; never a driver.
package shipment

// Package review holds the commands on the review aggregate of
// domain/review, one handler per file: a customer whose order was delivered
// rates and reviews a product once (the review's ID is the product and the
// customer), and staff moderate. Each loads its stream through
// commands.Execute, lets the aggregate decide at the injected clock's now,
// and appends what it raised.
//
// It may import commands, domain and the eventstore port; never a driver.
package review

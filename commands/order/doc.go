// Package order holds the commands on the order aggregate of domain/order, one
// handler per file: each loads its stream through commands.Execute, lets the
// aggregate decide at the injected clock's now, and appends what it raised.
// Checkout also reads the customer's account (commands/user's stream of the
// user aggregate) for the address the order ships to.
//
// It may import commands, commands/user (for the user stream's name),
// domain and the eventstore port; never a driver.
package order

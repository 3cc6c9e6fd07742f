// Package product holds the commands on the product aggregate of
// domain/product, one handler per file: each loads its stream through
// commands.Execute, lets the aggregate decide at the injected clock's now,
// and appends what it raised. Only the owning vendor changes a product;
// staff act in its name (For.Staff). A vendor lists only once approved.
//
// It may import commands, domain and the eventstore port; never a driver.
package product

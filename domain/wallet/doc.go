// Package wallet owns a customer's wallet: a double-entry ledger in one
// currency. Every event carries its posting, whose entries sum to zero, so
// the books of all accounts always sum to zero. The customer's accounts
// (available, held, cashback pending) never go negative: holds at checkout
// move money from available to held and end posted or voided; cashback
// waits in cashback pending until its spendable time (delivery plus the
// return window) and only then becomes available.
//
// It may import the standard library and the domain kernel only.
package wallet

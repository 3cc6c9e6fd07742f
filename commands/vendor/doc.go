// Package vendor holds the commands on the vendor aggregate of
// domain/vendor, one handler per file: onboarding (register, KYC documents,
// approve or reject), suspension, commission, payout account, and the
// earnings ledger (record, reverse, make payable, pay out). Each loads its
// stream through commands.Execute, lets the aggregate decide at the
// injected clock's now, and appends what it raised. Who may call which is
// the write API's concern (approval and commission are staff's).
//
// It may import commands, domain and the eventstore port; never a driver.
package vendor

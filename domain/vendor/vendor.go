package vendor

import (
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/souq-market/souq/domain"
)

// Status of the vendor.
type Status string

const (
	StatusNone         Status = ""
	StatusPendingKYC   Status = "pending_kyc"
	StatusKYCSubmitted Status = "kyc_submitted"
	StatusApproved     Status = "approved"
	StatusRejected     Status = "rejected"
	StatusSuspended    Status = "suspended"
)

// DocumentKind of a KYC document.
type DocumentKind string

const (
	TradeLicence           DocumentKind = "trade_licence"
	EmiratesID             DocumentKind = "emirates_id"
	Passport               DocumentKind = "passport"
	VATCert                DocumentKind = "vat_certificate"
	CommercialRegistration DocumentKind = "commercial_registration" // Saudi CR
)

func (k DocumentKind) valid() bool {
	switch k {
	case TradeLicence, EmiratesID, Passport, VATCert, CommercialRegistration:
		return true
	}
	return false
}

// Document is one uploaded KYC file.
type Document struct {
	Kind    DocumentKind `json:"kind"`
	BlobKey string       `json:"blob_key"`
}

// PayoutAccount is a bank account in the vendor's country.
type PayoutAccount struct {
	HolderName string `json:"holder_name"`
	BankName   string `json:"bank_name"`
	IBAN       string `json:"iban"`
}

// Error codes.
const (
	CodeNotRegistered     = "vendor.not_registered"
	CodeAlreadyRegistered = "vendor.already_registered"
	CodeWrongStatus       = "vendor.wrong_status"
	CodeNoPayoutAccount   = "vendor.no_payout_account"
	CodeEarningExists     = "vendor.earning_exists"
	CodeEarningNotFound   = "vendor.earning_not_found"
	CodeEarningNotDue     = "vendor.earning_not_payable_yet"
	CodeEarningSettled    = "vendor.earning_settled"
	CodeOverReversal      = "vendor.reversal_exceeds_earning"
	CodeInsufficient      = "vendor.insufficient_payable"
	CodePayoutReused      = "vendor.payout_id_reused"
)

type earning struct {
	booked    EarningRecorded
	amount    int64 // what is left after reversals
	payableAt time.Time
	payable   bool
}

// Vendor is one seller.
type Vendor struct {
	root       domain.Root
	id         domain.VendorID
	reg        Registered
	status     Status
	commission domain.BasisPoints
	account    PayoutAccount
	documents  []Document
	earnings   map[domain.SubOrderID]*earning
	pending    int64
	payable    int64
	paid       int64
	payouts    map[string]int64
}

// New returns the vendor with this ID before any event.
func New(id domain.VendorID) *Vendor {
	return &Vendor{id: id, earnings: map[domain.SubOrderID]*earning{}, payouts: map[string]int64{}}
}

func (v *Vendor) ID() domain.VendorID                { return v.id }
func (v *Vendor) Status() Status                     { return v.status }
func (v *Vendor) CommissionRate() domain.BasisPoints { return v.commission }
func (v *Vendor) CanSell() bool                      { return v.status == StatusApproved }
func (v *Vendor) Pending() domain.Money              { return v.money(v.pending) }
func (v *Vendor) Payable() domain.Money              { return v.money(v.payable) }
func (v *Vendor) PaidOut() domain.Money              { return v.money(v.paid) }
func (v *Vendor) Version() uint64                    { return v.root.Version() }
func (v *Vendor) Changes() []domain.Event            { return v.root.Changes() }
func (v *Vendor) money(n int64) domain.Money         { m, _ := domain.New(n, v.reg.Currency); return m }

// Register starts onboarding.
type Register struct {
	Name    string
	Country domain.Country
	Email   string
}

func (v *Vendor) Register(cmd Register, now time.Time) error {
	var p domain.Validation
	p.Text("name", cmd.Name, 200)
	cur, err := cmd.Country.Currency()
	p.Check(err == nil, "country", domain.ProblemInvalid, "souq does not sell in %q", cmd.Country)
	if p.Text("email", cmd.Email, 254) {
		local, host, ok := strings.Cut(cmd.Email, "@")
		p.Check(ok && local != "" && strings.Contains(host, ".") && !strings.ContainsAny(cmd.Email, " \t\r\n"), "email", domain.ProblemInvalid, "is not an email address")
	}
	if err := p.Err(); err != nil {
		return err
	}
	e := Registered{VendorID: v.id, Name: cmd.Name, Country: cmd.Country, Currency: cur, Email: cmd.Email, At: now}
	if v.status != StatusNone {
		same := v.reg
		same.At = now
		if same == e {
			return nil
		}
		return domain.Errorf(domain.Conflict, CodeAlreadyRegistered, "vendor %s is registered", v.id)
	}
	v.raise(e)
	return nil
}

// SubmitKYC uploads documents for review (again after a rejection).
type SubmitKYC struct {
	Documents []Document
}

func (v *Vendor) SubmitKYC(cmd SubmitKYC, now time.Time) error {
	var p domain.Validation
	if p.Check(len(cmd.Documents) > 0 && len(cmd.Documents) <= 20, "documents", domain.ProblemRange, "1–20 documents") {
		for i, d := range cmd.Documents {
			f := "documents[" + strconv.Itoa(i) + "]"
			p.Check(d.Kind.valid(), f+".kind", domain.ProblemInvalid, "unknown document kind %q", d.Kind)
			p.Text(f+".blob_key", d.BlobKey, 512)
		}
	}
	if err := p.Err(); err != nil {
		return err
	}
	if err := v.in(StatusPendingKYC, StatusRejected); err != nil {
		return err
	}
	v.raise(KYCSubmitted{Documents: cmd.Documents, At: now})
	return nil
}

// Approve accepts the KYC and sets the commission rate.
type Approve struct {
	CommissionRate domain.BasisPoints
}

func (v *Vendor) Approve(cmd Approve, now time.Time) error {
	if err := checkRate(cmd.CommissionRate); err != nil {
		return err
	}
	if v.status == StatusApproved && v.commission == cmd.CommissionRate {
		return nil
	}
	if err := v.in(StatusKYCSubmitted); err != nil {
		return err
	}
	v.raise(Approved{CommissionRate: cmd.CommissionRate, At: now})
	return nil
}

// Reject refuses the KYC.
type Reject struct{ Reason string }

func (v *Vendor) Reject(cmd Reject, now time.Time) error {
	if err := reason(cmd.Reason); err != nil {
		return err
	}
	if err := v.in(StatusKYCSubmitted); err != nil {
		return err
	}
	v.raise(Rejected{Reason: cmd.Reason, At: now})
	return nil
}

// Suspend stops selling and payouts.
type Suspend struct{ Reason string }

func (v *Vendor) Suspend(cmd Suspend, now time.Time) error {
	if err := reason(cmd.Reason); err != nil {
		return err
	}
	if v.status == StatusSuspended {
		return nil
	}
	if err := v.in(StatusApproved); err != nil {
		return err
	}
	v.raise(Suspended{Reason: cmd.Reason, At: now})
	return nil
}

// Reinstate ends a suspension.
type Reinstate struct{}

func (v *Vendor) Reinstate(_ Reinstate, now time.Time) error {
	if v.status == StatusApproved {
		return nil
	}
	if err := v.in(StatusSuspended); err != nil {
		return err
	}
	v.raise(Reinstated{At: now})
	return nil
}

// ChangeCommission sets the rate for future orders.
type ChangeCommission struct {
	CommissionRate domain.BasisPoints
}

func (v *Vendor) ChangeCommission(cmd ChangeCommission, now time.Time) error {
	if err := checkRate(cmd.CommissionRate); err != nil {
		return err
	}
	if err := v.in(StatusApproved, StatusSuspended); err != nil {
		return err
	}
	if cmd.CommissionRate == v.commission {
		return nil
	}
	v.raise(CommissionChanged{CommissionRate: cmd.CommissionRate, At: now})
	return nil
}

// SetPayoutAccount records where payouts go; the IBAN must be of the
// vendor's country and pass its check digits.
type SetPayoutAccount struct {
	Account PayoutAccount
}

func (v *Vendor) SetPayoutAccount(cmd SetPayoutAccount, now time.Time) error {
	if err := v.exists(); err != nil {
		return err
	}
	var p domain.Validation
	p.Text("account.holder_name", cmd.Account.HolderName, 200)
	p.Text("account.bank_name", cmd.Account.BankName, 200)
	if p.Text("account.iban", cmd.Account.IBAN, 34) {
		p.Check(ValidIBAN(cmd.Account.IBAN, v.reg.Country), "account.iban", domain.ProblemInvalid, "is not a valid %s IBAN", v.reg.Country)
	}
	if err := p.Err(); err != nil {
		return err
	}
	if cmd.Account == v.account {
		return nil
	}
	v.raise(PayoutAccountSet{Account: cmd.Account, At: now})
	return nil
}

// ValidIBAN checks an IBAN's country, length (AE 23, SA 24) and ISO 7064
// mod-97 check digits. No spaces: the client normalizes.
func ValidIBAN(iban string, c domain.Country) bool {
	want := map[domain.Country]int{domain.UAE: 23, domain.SaudiArabia: 24}[c]
	if want == 0 || len(iban) != want || iban[:2] != string(c) {
		return false
	}
	var digits strings.Builder
	for _, r := range iban[4:] + iban[:4] {
		switch {
		case r >= '0' && r <= '9':
			digits.WriteRune(r)
		case r >= 'A' && r <= 'Z':
			digits.WriteString(strconv.Itoa(int(r-'A') + 10))
		default:
			return false
		}
	}
	n, ok := new(big.Int).SetString(digits.String(), 10)
	return ok && new(big.Int).Mod(n, big.NewInt(97)).Int64() == 1
}

// RecordEarning books what a delivered sub-order earned.
type RecordEarning struct {
	SubOrderID domain.SubOrderID
	OrderID    domain.OrderID
	Gross      domain.Money // goods after discount
	Commission domain.Money
	PayableAt  time.Time
}

func (v *Vendor) RecordEarning(cmd RecordEarning, now time.Time) error {
	if err := v.exists(); err != nil {
		return err
	}
	var p domain.Validation
	p.ID("sub_order_id", string(cmd.SubOrderID))
	p.ID("order_id", string(cmd.OrderID))
	p.Money("gross", cmd.Gross, v.reg.Currency)
	p.Money("commission", cmd.Commission, v.reg.Currency)
	p.Check(!cmd.PayableAt.IsZero(), "payable_at", domain.ProblemRequired, "is required")
	if err := p.Err(); err != nil {
		return err
	}
	amount, err := cmd.Gross.Sub(cmd.Commission)
	if err != nil {
		return err
	}
	if amount.IsNegative() {
		return domain.Errorf(domain.Invalid, CodeOverReversal, "commission %v exceeds gross %v", cmd.Commission, cmd.Gross)
	}
	e := EarningRecorded{SubOrderID: cmd.SubOrderID, OrderID: cmd.OrderID, Gross: cmd.Gross, Commission: cmd.Commission, Amount: amount, PayableAt: cmd.PayableAt, At: now}
	if x, ok := v.earnings[cmd.SubOrderID]; ok {
		// A retry is harmless; a different booking for the same part is not.
		same := x.booked
		same.At = now
		if same == e {
			return nil
		}
		return domain.Errorf(domain.Conflict, CodeEarningExists, "sub-order %s is booked", cmd.SubOrderID)
	}
	v.raise(e)
	return nil
}

// ReverseEarning takes back part of a pending earning (a return).
type ReverseEarning struct {
	SubOrderID domain.SubOrderID
	Amount     domain.Money
	Reason     string
}

func (v *Vendor) ReverseEarning(cmd ReverseEarning, now time.Time) error {
	if err := v.exists(); err != nil {
		return err
	}
	var p domain.Validation
	p.PositiveMoney("amount", cmd.Amount, v.reg.Currency)
	p.Text("reason", cmd.Reason, 500)
	if err := p.Err(); err != nil {
		return err
	}
	e, err := v.earning(cmd.SubOrderID)
	if err != nil {
		return err
	}
	switch {
	case e.payable:
		return domain.Errorf(domain.Conflict, CodeEarningSettled, "earning of %s is already payable", cmd.SubOrderID)
	case cmd.Amount.Amount() > e.amount:
		return domain.Errorf(domain.Conflict, CodeOverReversal, "reversing %v of %v", cmd.Amount, v.money(e.amount))
	}
	v.raise(EarningReversed{SubOrderID: cmd.SubOrderID, Amount: cmd.Amount, Reason: cmd.Reason, At: now})
	return nil
}

// MakePayable releases an earning once its return window closed.
type MakePayable struct{ SubOrderID domain.SubOrderID }

func (v *Vendor) MakePayable(cmd MakePayable, now time.Time) error {
	if err := v.exists(); err != nil {
		return err
	}
	e, err := v.earning(cmd.SubOrderID)
	if err != nil || e.payable {
		return err
	}
	if now.Before(e.payableAt) {
		return domain.Errorf(domain.Conflict, CodeEarningNotDue, "earning of %s is payable from %s", cmd.SubOrderID, e.payableAt.Format(time.RFC3339))
	}
	v.raise(EarningPayable{SubOrderID: cmd.SubOrderID, Amount: v.money(e.amount), At: now})
	return nil
}

// PayOut sends payable money to the payout account.
type PayOut struct {
	PayoutID string
	Amount   domain.Money
}

func (v *Vendor) PayOut(cmd PayOut, now time.Time) error {
	if err := v.exists(); err != nil {
		return err
	}
	var p domain.Validation
	p.ID("payout_id", cmd.PayoutID)
	p.PositiveMoney("amount", cmd.Amount, v.reg.Currency)
	if err := p.Err(); err != nil {
		return err
	}
	if prev, ok := v.payouts[cmd.PayoutID]; ok {
		if prev == cmd.Amount.Amount() {
			return nil
		}
		return domain.Errorf(domain.Conflict, CodePayoutReused, "payout %s was %v", cmd.PayoutID, v.money(prev))
	}
	switch {
	case v.status != StatusApproved:
		return domain.Errorf(domain.Conflict, CodeWrongStatus, "vendor %s is %s; payouts are frozen", v.id, v.status)
	case v.account == PayoutAccount{}:
		return domain.Errorf(domain.Precondition, CodeNoPayoutAccount, "vendor %s has no payout account", v.id)
	case cmd.Amount.Amount() > v.payable:
		return domain.Errorf(domain.Conflict, CodeInsufficient, "paying %v, %v payable", cmd.Amount, v.Payable())
	}
	v.raise(PaidOut{PayoutID: cmd.PayoutID, Amount: cmd.Amount, Account: v.account, At: now})
	return nil
}

func (v *Vendor) exists() error {
	if v.status == StatusNone {
		return domain.Errorf(domain.NotFound, CodeNotRegistered, "vendor %s is not registered", v.id)
	}
	return nil
}

func (v *Vendor) in(allowed ...Status) error {
	if err := v.exists(); err != nil {
		return err
	}
	for _, s := range allowed {
		if v.status == s {
			return nil
		}
	}
	return domain.Errorf(domain.Conflict, CodeWrongStatus, "vendor %s is %s", v.id, v.status)
}

func (v *Vendor) earning(id domain.SubOrderID) (*earning, error) {
	e, ok := v.earnings[id]
	if !ok {
		return nil, domain.Errorf(domain.NotFound, CodeEarningNotFound, "no earning for %s", id)
	}
	return e, nil
}

func checkRate(r domain.BasisPoints) error {
	var p domain.Validation
	p.Check(r >= 0 && r <= 10000, "commission_rate", domain.ProblemRange, "must be 0–10000 basis points")
	return p.Err()
}

func reason(s string) error {
	var p domain.Validation
	p.Text("reason", s, 500)
	return p.Err()
}

// Apply replays a stored event. It never fails.
func (v *Vendor) Apply(e domain.Event) {
	v.apply(e)
	v.root.Loaded()
}

func (v *Vendor) raise(e domain.Event) {
	v.apply(e)
	v.root.Record(e)
}

func (v *Vendor) apply(e domain.Event) {
	switch e := e.(type) {
	case Registered:
		v.reg, v.status = e, StatusPendingKYC
	case KYCSubmitted:
		v.documents, v.status = e.Documents, StatusKYCSubmitted
	case Approved:
		v.commission, v.status = e.CommissionRate, StatusApproved
	case Rejected:
		v.status = StatusRejected
	case Suspended:
		v.status = StatusSuspended
	case Reinstated:
		v.status = StatusApproved
	case CommissionChanged:
		v.commission = e.CommissionRate
	case PayoutAccountSet:
		v.account = e.Account
	case EarningRecorded:
		v.earnings[e.SubOrderID] = &earning{booked: e, amount: e.Amount.Amount(), payableAt: e.PayableAt}
		v.pending += e.Amount.Amount()
	case EarningReversed:
		if x := v.earnings[e.SubOrderID]; x != nil {
			x.amount -= e.Amount.Amount()
		}
		v.pending -= e.Amount.Amount()
	case EarningPayable:
		if x := v.earnings[e.SubOrderID]; x != nil {
			x.payable = true
		}
		v.pending -= e.Amount.Amount()
		v.payable += e.Amount.Amount()
	case PaidOut:
		v.payouts[e.PayoutID] = e.Amount.Amount()
		v.payable -= e.Amount.Amount()
		v.paid += e.Amount.Amount()
	}
}

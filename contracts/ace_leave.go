package contracts

import (
	"github.com/ratifyhq/ratify/errs"
)

// maxLeaveDays bounds leave balances (no one accrues 10,000 days).
const maxLeaveDays = 10000

// rateInput is a per diem given directly or as a range, step and year.
type rateInput struct {
	PerDiem *Money `json:"per_diem"`
	Range   string `json:"range,omitempty"`
	Step    string `json:"step,omitempty"`
	Year    string `json:"year,omitempty"`
}

// rate resolves a per diem input, adding its working. required says
// whether a missing rate is an error (otherwise it returns 0).
func (a *ACE) rate(in rateInput, required bool, r *result) (Money, error) {
	switch {
	case in.PerDiem != nil:
		if *in.PerDiem <= 0 || *in.PerDiem > 1000000 {
			return 0, errs.Field("per_diem", "a per diem must be more than 0 and at most $10,000.00")
		}
		r.line("Per diem: %s", in.PerDiem.Display())
		return *in.PerDiem, nil
	case in.Range != "" || in.Step != "" || in.Year != "":
		year, err := a.year("year", in.Year)
		if err != nil {
			return 0, err
		}
		rng, err := a.rangeOf("range", in.Range)
		if err != nil {
			return 0, err
		}
		pd, err := a.perDiem(year, rng, "step", in.Step)
		if err != nil {
			return 0, err
		}
		r.line("Per diem, Range %s step %s, %s schedule: %s (%s)", rng, normStep(in.Step), year, pd.Display(), a.scheduleCite(year))
		r.cite(a.scheduleCite(year))
		return pd, nil
	case required:
		return 0, errs.Field("per_diem", "required: a per diem, or a range, step and year")
	}
	return 0, nil
}

// leaveDays reads a non-negative number of days with up to three decimals,
// in thousandths.
func leaveDays(field string, n Number) (int64, error) {
	if !n.IsSet() {
		return 0, errs.Field(field, "required: a number of days")
	}
	v, err := n.scaled(field, 3)
	if err != nil {
		return 0, err
	}
	if v < 0 || v > maxLeaveDays*1000 {
		return 0, errs.Field(field, "must be between 0 and %d days, not %s", maxLeaveDays, n.raw)
	}
	return v, nil
}

// SickLeaveAccrualInput is the input of the sick leave accrual calculator.
type SickLeaveAccrualInput struct {
	Months Number `json:"months"`
	FTE    Number `json:"fte"`
}

// SickLeaveAccrualResult is the sick leave accrued.
type SickLeaveAccrualResult struct {
	MonthsCounted int     `json:"months_counted"`
	FTE           Decimal `json:"fte"`
	DaysAccrued   Decimal `json:"days_accrued"`
	HoursAccrued  Decimal `json:"hours_accrued"`
	result
}

// SickLeaveAccrual computes the sick leave accrued: one and one-third days
// for each calendar month or major fraction of one in pay status, in
// proportion to FTE.
func (a *ACE) SickLeaveAccrual(in SickLeaveAccrualInput) (SickLeaveAccrualResult, error) {
	var out SickLeaveAccrualResult
	if !in.Months.IsSet() {
		return out, errs.Field("months", "required: calendar months in pay status")
	}
	m, err := in.Months.scaled("months", 2)
	if err != nil {
		return out, err
	}
	if m < 0 || m > 1200*100 {
		return out, errs.Field("months", "must be between 0 and 1200, not %s", in.Months.raw)
	}
	f, err := fte(in.FTE)
	if err != nil {
		return out, err
	}
	cite := a.rules.sickAccrual.Cite
	out.cite(cite)
	months := m / 100
	if frac := m % 100; frac > 50 {
		months++
		out.line("%s months: the part month is a major fraction (more than half) and counts (%s)", in.Months.raw, cite)
	} else if frac > 0 {
		out.line("%s months: the part month is not a major fraction and does not count (%s)", in.Months.raw, cite)
	}
	out.MonthsCounted, out.FTE = int(months), Decimal{Value: f, Places: 4}
	// days in ten-thousandths: months × 4/3 × FTE
	days := divRound(months*4*f, 3)
	out.DaysAccrued = Decimal{Value: days, Places: 4}
	out.HoursAccrued = Decimal{Value: divRound(months*4*f*int64(a.rules.fullDay.number(0)), 3), Places: 4}
	out.line("Days = %d months × 1 1/3 days × FTE %s = %s days (to four decimals) (%s)", months, out.FTE, out.DaysAccrued, cite)
	out.line("Hours = days × %d hours = %s hours (to four decimals) (%s)", a.rules.fullDay.number(0), out.HoursAccrued, a.rules.fullDay.Cite)
	out.cite(a.rules.fullDay.Cite)
	return out, nil
}

// SickLeaveCashoutInput is the input of the retirement sick leave cash-out
// calculator: days accumulated and a per diem (or range, step and year).
type SickLeaveCashoutInput struct {
	Days Number `json:"days"`
	rateInput
}

// CashoutTier is one band of the cash-out.
type CashoutTier struct {
	Band    string  `json:"band"`
	Days    Decimal `json:"days"`
	Percent Decimal `json:"percent"`
	Amount  Money   `json:"amount"`
}

// SickLeaveCashoutResult is the cash-out at PERS retirement.
type SickLeaveCashoutResult struct {
	Days    Decimal       `json:"days"`
	PerDiem Money         `json:"per_diem"`
	Tiers   []CashoutTier `json:"tiers"`
	Amount  Money         `json:"amount"`
	result
}

// SickLeaveCashout computes the cash-out of accumulated sick leave at PERS
// retirement: each band of days is paid at its percentage of per diem. The
// bands are summed exactly and the total rounded once to the cent.
func (a *ACE) SickLeaveCashout(in SickLeaveCashoutInput) (SickLeaveCashoutResult, error) {
	var out SickLeaveCashoutResult
	days, err := leaveDays("days", in.Days)
	if err != nil {
		return out, err
	}
	pd, err := a.rate(in.rateInput, true, &out.result)
	if err != nil {
		return out, err
	}
	out.Days, out.PerDiem = Decimal{Value: days, Places: 3}, pd
	out.cite(a.tierCite)
	var total int64 // in 1/10,000,000 of a cent: cents × thousandths of a day × hundredths of a percent
	const scale = 1000 * 10000
	for _, t := range a.tiers {
		lo, hi := int64(t.From)*1000, int64(t.To)*1000
		if days <= lo {
			break
		}
		in := days - lo
		if t.To != 0 && days > hi {
			in = hi - lo
		}
		num := int64(pd) * in * t.Pct
		total += num
		ct := CashoutTier{Band: t.Label, Days: Decimal{Value: in, Places: 3}, Percent: Decimal{Value: t.Pct, Places: 2}, Amount: Money(divRound(num, scale))}
		out.Tiers = append(out.Tiers, ct)
		out.line("%s: %s days × %s%% × %s = %s", t.Label, ct.Days, ct.Percent, pd.Display(), ct.Amount.Display())
	}
	out.Amount = Money(divRound(total, scale))
	out.line("Cash-out = sum of the bands = %s, rounded once to the cent (%s)", out.Amount.Display(), a.tierCite)
	if out.Tiers == nil {
		out.Tiers = []CashoutTier{}
	}
	return out, nil
}

// AnnualLeaveInput is the input of the annual leave calculator.
type AnnualLeaveInput struct {
	WorkDays    Number `json:"work_days"`
	BalanceDays Number `json:"balance_days"`
	rateInput
}

// AnnualLeaveResult is the annual leave credited and cashed out.
type AnnualLeaveResult struct {
	WorkDays          int     `json:"work_days"`
	CreditedDays      int     `json:"credited_days"`
	BalanceDays       Decimal `json:"balance_days"`
	CapDays           int     `json:"cap_days"`
	CashoutDays       Decimal `json:"cashout_days"`
	PerDiem           Money   `json:"per_diem,omitempty"`
	CashoutAmount     Money   `json:"cashout_amount"`
	BalanceAfterJuly1 Decimal `json:"balance_after_july_1"`
	result
}

// AnnualLeave computes the days credited at the start of a year for its
// length of work year, and the balance over the cap cashed out in July at
// the per diem in effect on June 30.
func (a *ACE) AnnualLeave(in AnnualLeaveInput) (AnnualLeaveResult, error) {
	var out AnnualLeaveResult
	if !in.WorkDays.IsSet() {
		return out, errs.Field("work_days", "required: the days of the work year")
	}
	wd, err := wholeDays("work_days", in.WorkDays, maxWorkDays)
	if err != nil {
		return out, err
	}
	top := a.leave[len(a.leave)-1]
	if wd > top.Max {
		return out, errs.Field("work_days", "the agreement credits work years of up to %d days, not %d (%s)", top.Max, wd, top.Cite)
	}
	out.WorkDays = wd
	for _, b := range a.leave {
		if wd >= b.Min && wd <= b.Max {
			out.CreditedDays = b.Days
			out.line("A work year of %d days is credited %d days at the start of the year (%s)", wd, b.Days, b.Cite)
			out.cite(b.Cite)
		}
	}
	bal := int64(0)
	if in.BalanceDays.IsSet() {
		if bal, err = leaveDays("balance_days", in.BalanceDays); err != nil {
			return out, err
		}
	}
	capDays := int64(a.rules.capDays) * 1000
	out.BalanceDays, out.CapDays = Decimal{Value: bal, Places: 3}, a.rules.capDays
	over := bal - capDays
	if over < 0 {
		over = 0
	}
	out.CashoutDays = Decimal{Value: over, Places: 3}
	cite := a.rules.annualCap.Cite
	out.cite(cite)
	out.line("Balance on June 30: %s days; the cap is %d days (%s)", out.BalanceDays, a.rules.capDays, cite)
	pd, err := a.rate(in.rateInput, over > 0, &out.result)
	if err != nil {
		return out, err
	}
	out.PerDiem = pd
	if over > 0 {
		num := int64(pd) * over
		out.CashoutAmount = Money(divRound(num, 1000))
		out.line("Cashed out in July: %s days over the cap × %s = %s%s (%s)", out.CashoutDays, pd.Display(), out.CashoutAmount.Display(), roundedNote(num, 1000), cite)
	} else {
		out.line("Nothing over the cap to cash out (%s)", cite)
	}
	after := bal - over + int64(out.CreditedDays)*1000
	out.BalanceAfterJuly1 = Decimal{Value: after, Places: 3}
	out.line("Balance after the July cash-out and the new year's credit: %s days", out.BalanceAfterJuly1)
	return out, nil
}

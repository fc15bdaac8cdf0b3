package contracts

import (
	"fmt"

	"github.com/ratifyhq/ratify/errs"
)

// weekdays names the days of the overtime week, Monday first.
var weekdays = []string{"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}

// CallBack is a call-back to work outside the scheduled shift: the day of
// the week (1 = Monday … 7 = Sunday) and the hours actually worked.
type CallBack struct {
	Day   int    `json:"day"`
	Hours Number `json:"hours"`
}

// OvertimeInput is the input of the overtime calculator.
type OvertimeInput struct {
	Range            string     `json:"range"`
	Step             string     `json:"step"`
	Year             string     `json:"year"`
	Hours            []Number   `json:"hours"`       // hours worked each day, Monday first
	SeventhDay       bool       `json:"seventh_day"` // the last day is the seventh day of the scheduled workweek
	CallBacks        []CallBack `json:"call_backs"`
	CompTime         bool       `json:"comp_time"` // take compensatory time instead of overtime pay
	CompBalanceHours Number     `json:"comp_balance_hours"`
}

// OvertimeDay is how one day's hours are paid.
type OvertimeDay struct {
	Day      string  `json:"day"`
	Hours    Decimal `json:"hours"`
	Straight Decimal `json:"straight"`
	Overtime Decimal `json:"overtime"` // at one and one-half times
	Double   Decimal `json:"double"`   // at two times
}

// OvertimeResult is a week's pay for the hours worked.
type OvertimeResult struct {
	Range            string        `json:"range"`
	Step             string        `json:"step"`
	Year             string        `json:"year"`
	PerDiem          Money         `json:"per_diem"`
	HourlyRate       Decimal       `json:"hourly_rate"`
	Days             []OvertimeDay `json:"days"`
	StraightHours    Decimal       `json:"straight_hours"`
	OvertimeHours    Decimal       `json:"overtime_hours"`
	DoubleHours      Decimal       `json:"double_hours"`
	CallBackHours    Decimal       `json:"call_back_hours"`
	StraightPay      Money         `json:"straight_pay"`
	OvertimePay      Money         `json:"overtime_pay"`
	DoubleTimePay    Money         `json:"double_time_pay"`
	CallBackPay      Money         `json:"call_back_pay"`
	CompHoursEarned  Decimal       `json:"comp_hours_earned"`
	CompBalanceAfter Decimal       `json:"comp_balance_after"`
	TotalPay         Money         `json:"total_pay"`
	result
}

// hoursOf reads hours with up to two decimals, in hundredths.
func hoursOf(field string, n Number) (int64, error) {
	if !n.IsSet() {
		return 0, errs.Field(field, "required: a number of hours")
	}
	v, err := n.scaled(field, 2)
	if err != nil {
		return 0, err
	}
	if v < 0 {
		return 0, errs.Field(field, "hours cannot be negative, not %s", n.raw)
	}
	if v > 2400 {
		return 0, errs.Field(field, "a day has 24 hours, not %s", n.raw)
	}
	return v, nil
}

// Overtime computes a week's straight and overtime pay for a position in
// an overtime-eligible range. Every hour is paid once, at its highest
// rate: hours beyond the daily limit are paid one and one-half times, and
// two times beyond the continuous limit or on the seventh day; straight
// hours beyond the weekly limit are paid one and one-half times; a
// call-back is paid one and one-half times for at least the minimum hours.
func (a *ACE) Overtime(in OvertimeInput) (OvertimeResult, error) {
	var out OvertimeResult
	r := a.rules
	year, err := a.year("year", in.Year)
	if err != nil {
		return out, err
	}
	rng, err := a.rangeOf("range", in.Range)
	if err != nil {
		return out, err
	}
	if !contains(r.otRanges, rng) {
		return out, errs.Field("range", "range %s is not overtime eligible: overtime applies to Ranges %s-%s (%s)", rng, r.otRanges[0], r.otRanges[len(r.otRanges)-1], r.overtime.Cite)
	}
	pd, err := a.perDiem(year, rng, "step", in.Step)
	if err != nil {
		return out, err
	}
	if len(in.Hours) != 7 {
		return out, errs.Field("hours", "give the hours of the 7 days of the week, Monday first (got %d)", len(in.Hours))
	}
	out.Range, out.Step, out.Year, out.PerDiem = rng, normStep(in.Step), year, pd
	day := int64(r.fullDay.number(0))
	out.HourlyRate = Decimal{Value: int64(pd) * 100000 / 100 / day, Places: 5}
	out.line("Per diem, Range %s step %s, %s schedule: %s (%s)", rng, out.Step, year, pd.Display(), a.scheduleCite(year))
	out.line("Hourly rate = per diem ÷ %d hours = %s (%s)", day, "$"+out.HourlyRate.String(), r.fullDay.Cite)
	out.cite(a.scheduleCite(year), r.fullDay.Cite, r.overtime.Cite)
	daily, cont, weekly := int64(r.dailyHours)*100, int64(r.continuousHours)*100, int64(r.weekHours)*100
	var straight, ot, dbl, weekStraight int64
	for i, n := range in.Hours {
		h, err := hoursOf(fmt.Sprintf("hours[%d]", i), n)
		if err != nil {
			return out, err
		}
		d := OvertimeDay{Day: weekdays[i], Hours: hundredths(h)}
		var s, o, w int64
		if in.SeventhDay && i == 6 {
			w = h
			if h > 0 {
				out.line("%s: %s hours on the seventh day of the scheduled workweek, all at two times (%s)", weekdays[i], hundredths(h), r.overtime.Cite)
			}
		} else {
			s = min64(h, daily)
			o = min64(max64(h-daily, 0), cont-daily)
			w = max64(h-cont, 0)
			if room := max64(weekly-weekStraight, 0); s > room {
				o += s - room
				out.line("%s: %s straight hours pass %d hours in the week; they are paid at one and one-half times (%s)", weekdays[i], hundredths(s-room), r.weekHours, r.overtime.Cite)
				s = room
			}
			weekStraight += s
			if h > daily {
				out.line("%s: %s hours: %s straight, %s beyond %d hours at one and one-half times, %s beyond %d continuous hours at two times (%s)",
					weekdays[i], hundredths(h), hundredths(min64(h, daily)), hundredths(min64(h-daily, cont-daily)), r.dailyHours, hundredths(max64(h-cont, 0)), r.continuousHours, r.overtime.Cite)
			}
		}
		d.Straight, d.Overtime, d.Double = hundredths(s), hundredths(o), hundredths(w)
		out.Days = append(out.Days, d)
		straight, ot, dbl = straight+s, ot+o, dbl+w
	}
	var cb, cbPay, cbHalves int64 // call-back paid hours (hundredths), pay numerator, premium half-hours (hundredths)
	for k, c := range in.CallBacks {
		if c.Day < 1 || c.Day > 7 {
			return out, errs.Field(fmt.Sprintf("call_backs[%d].day", k), "day is 1 (Monday) to 7 (Sunday), not %d", c.Day)
		}
		h, err := hoursOf(fmt.Sprintf("call_backs[%d].hours", k), c.Hours)
		if err != nil {
			return out, err
		}
		paid := max64(h, int64(r.callMin)*100)
		mult, word := int64(3), "one and one-half times"
		if in.SeventhDay && c.Day == 7 {
			mult, word = 4, "two times (seventh day)"
		}
		cb += paid
		cbPay += paid * int64(pd) * mult
		cbHalves += paid * mult
		out.line("Call-back on %s: %s hours worked, paid as %s hours at %s (minimum %d hours) (%s)", weekdays[c.Day-1], hundredths(h), hundredths(paid), word, r.callMin, r.otCallBack.Cite)
		out.cite(r.otCallBack.Cite)
	}
	out.StraightHours, out.OvertimeHours, out.DoubleHours, out.CallBackHours = hundredths(straight), hundredths(ot), hundredths(dbl), hundredths(cb)
	// pay numerators over 1600: hours (hundredths) × per diem (cents) × (2, 3 or 4 halves) ÷ (8 hours × 100 × 2)
	den := day * 100 * 2
	out.StraightPay = Money(divRound(straight*int64(pd)*2, den))
	otNum, dblNum := ot*int64(pd)*3, dbl*int64(pd)*4
	out.line("Straight: %s hours × %s = %s", out.StraightHours, "$"+out.HourlyRate.String(), out.StraightPay.Display())
	if in.CompTime {
		if err := a.compTime(in, &out, ot*3+dbl*4+cbHalves, den); err != nil {
			return out, err
		}
	} else {
		out.OvertimePay, out.DoubleTimePay, out.CallBackPay = Money(divRound(otNum, den)), Money(divRound(dblNum, den)), Money(divRound(cbPay, den))
		out.CompBalanceAfter = Decimal{Places: 2}
	}
	out.CompHoursEarned.Places = 2
	out.line("Overtime at one and one-half times: %s hours = %s", out.OvertimeHours, out.OvertimePay.Display())
	out.line("Double time: %s hours = %s", out.DoubleHours, out.DoubleTimePay.Display())
	if cb > 0 {
		out.line("Call-back pay: %s", out.CallBackPay.Display())
	}
	out.TotalPay = out.StraightPay + out.OvertimePay + out.DoubleTimePay + out.CallBackPay
	out.line("Total pay = %s", out.TotalPay.Display())
	return out, nil
}

// compTime converts the week's premium hours into compensatory time up to
// the cap; premium hours beyond the cap are paid.
func (a *ACE) compTime(in OvertimeInput, out *OvertimeResult, halves, den int64) error {
	r := a.rules
	bal := int64(0)
	if in.CompBalanceHours.IsSet() {
		v, err := in.CompBalanceHours.scaled("comp_balance_hours", 2)
		if err != nil {
			return err
		}
		if v < 0 || v > int64(r.compCap)*100 {
			return errs.Field("comp_balance_hours", "the balance is between 0 and %d hours, not %s", r.compCap, in.CompBalanceHours.raw)
		}
		bal = v
	}
	// premium hours in hundredths, each hour counted at its rate
	earned := divRound(halves, 2)
	room := int64(r.compCap)*100 - bal
	take := min64(earned, room)
	out.CompHoursEarned = hundredths(take)
	out.CompBalanceAfter = hundredths(bal + take)
	out.line("Compensatory time instead of overtime pay, computed the same way: %s hours earned; balance %s of %d hours (%s)", hundredths(earned), hundredths(bal+take), r.compCap, r.otComp.Cite)
	out.cite(r.otComp.Cite)
	if excess := earned - take; excess > 0 {
		pay := Money(divRound(excess*int64(out.PerDiem)*2, den))
		out.OvertimePay = pay
		out.line("%s hours beyond the %d-hour cap are paid: %s (%s)", hundredths(excess), r.compCap, pay.Display(), r.otComp.Cite)
	}
	return nil
}

// hundredths makes a Decimal of hundredths.
func hundredths(v int64) Decimal { return Decimal{Value: v, Places: 2} }

func min64(a, b int64) int64 {
	if a < b {
		return a
	}
	return b
}

func max64(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}

package ballot

import "testing"

func TestPercentOneDecimalHalfUp(t *testing.T) {
	cases := []struct {
		part, whole int
		want        float64
	}{
		{926, 1000, 92.6},
		{25, 27, 92.6}, // 92.592… rounds up
		{1, 8, 12.5},   // exactly 12.5
		{1, 16, 6.3},   // 6.25 rounds half up
		{2, 3, 66.7},
		{0, 0, 0},
		{3, 3, 100},
	}
	for _, c := range cases {
		if got := percent(c.part, c.whole); got != c.want {
			t.Errorf("percent(%d, %d) = %v, want %v", c.part, c.whole, got, c.want)
		}
	}
}

func TestOutcome(t *testing.T) {
	cases := []struct {
		name                string
		rule                string
		quorum              float64
		eligible, cast, yes int
		want                string
	}{
		{"MajorityRatified", Majority, 0, 100, 27, 25, Ratified},
		{"MajorityTieRejected", Majority, 0, 100, 10, 5, Rejected},
		{"MajorityOneOverHalf", Majority, 0, 100, 11, 6, Ratified},
		{"TwoThirdsExactlyRatified", TwoThirds, 0, 100, 30, 20, Ratified},
		{"TwoThirdsJustUnderRejected", TwoThirds, 0, 100, 31, 20, Rejected},
		{"QuorumNotMet", Majority, 50, 100, 49, 49, QuorumNotMet},
		{"QuorumExactlyMet", Majority, 50, 100, 50, 26, Ratified},
		{"QuorumMetButRejected", TwoThirds, 25, 100, 40, 20, Rejected},
		{"NoBallotsRejected", Majority, 0, 100, 0, 0, Rejected},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := outcome(c.rule, c.quorum, c.eligible, c.cast, c.yes); got != c.want {
				t.Fatalf("outcome = %s, want %s", got, c.want)
			}
		})
	}
}

func TestCommitmentIsOverSortedLines(t *testing.T) {
	a := commitment([]string{"AAAAA-AAAAA,Yes", "BBBBB-BBBBB,No"})
	b := commitment([]string{"AAAAA-AAAAA,Yes", "BBBBB-BBBBB,Yes"})
	if a == b || len(a) != 64 {
		t.Fatalf("commitment does not depend on the choices: %s %s", a, b)
	}
}

package ballot

import (
	"context"
	"fmt"
	"testing"

	"github.com/ratifyhq/ratify/storetest"
	"go.mongodb.org/mongo-driver/v2/bson"
)

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

// TestJSONStringReadsStoredBallots: the tally's field reader gets back, from
// the embedded store's own JSON, exactly the strings that were written,
// escapes and all, and ignores the type schema and look-alike text.
func TestJSONStringReadsStoredBallots(t *testing.T) {
	st := storetest.Open(t)
	ctx := context.Background()
	choices := []string{"Yes", `Sí, "ratify" \ it`, "<No> & ✓", `"choice":"x"`, "tab\tnew\nline", ""}
	for i, c := range choices {
		doc := bson.D{{Key: "_id", Value: fmt.Sprintf("b%d", i)}, {Key: "vote", Value: "v1"}, {Key: "choice", Value: c}, {Key: "receipt", Value: fmt.Sprintf("R%d", i)}}
		if _, err := st.DB.Collection("vote_ballots").InsertOne(ctx, doc); err != nil {
			t.Fatal(err)
		}
	}
	got := map[string]string{}
	err := st.Scan(ctx, "vote_ballots", func(raw []byte) error {
		if v, err := jsonString(raw, "vote"); err != nil || v != "v1" {
			t.Fatalf("vote %q %v in %s", v, err, raw)
		}
		c, err := jsonString(raw, "choice")
		if err != nil {
			return err
		}
		r, err := jsonString(raw, "receipt")
		got[r] = c
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range choices {
		if got[fmt.Sprintf("R%d", i)] != c {
			t.Errorf("receipt R%d: read %q, stored %q", i, got[fmt.Sprintf("R%d", i)], c)
		}
	}
	if v, err := jsonString([]byte(`{"$s":{"p":{"choice":{"t":"string"}}}}`), "choice"); v != "" || err != nil {
		t.Fatalf("absent key read as %q %v", v, err)
	}
	if _, err := jsonString([]byte(`{"choice":"unterminated`), "choice"); err == nil {
		t.Fatal("unterminated string accepted")
	}
}

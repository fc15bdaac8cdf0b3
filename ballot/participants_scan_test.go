package ballot_test

import (
	"context"
	"reflect"
	"sort"
	"testing"

	"github.com/ratifyhq/ratify/ballot"
)

// TestParticipantsSameThroughScanAndDriver: who was eligible and who voted
// reads the same through the embedded store's direct scan (the default
// wiring) as through the driver, for one vote beside another.
func TestParticipantsSameThroughScanAndDriver(t *testing.T) {
	e := newEnv(t, 30)
	ctx := context.Background()
	other := e.openVote(t, nil)
	v := e.openVote(t, nil)
	castFirst(t, e, 5)
	driver := e.serviceWith("b", func(d *ballot.Deps) { d.Scan = nil })
	byID := func(ps []ballot.Participant) []ballot.Participant {
		sort.Slice(ps, func(i, j int) bool { return ps[i].EmployeeID < ps[j].EmployeeID })
		return ps
	}
	voted := 0
	for _, id := range []string{other.ID, v.ID} {
		scans := e.scans.Load()
		viaScan, err := e.svc.Participants(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if e.scans.Load() == scans {
			t.Fatal("Participants did not use the direct scan")
		}
		viaDriver, err := driver.Participants(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if len(viaScan) != 30 || !reflect.DeepEqual(byID(viaScan), byID(viaDriver)) {
			t.Fatalf("vote %s: %d participants through the scan, %d through the driver, or they differ:\n%+v\n%+v", id, len(viaScan), len(viaDriver), viaScan, viaDriver)
		}
		for _, p := range viaScan {
			if p.Voted {
				voted++
				if p.VotedOn == "" {
					t.Errorf("%s voted with no date", p.EmployeeID)
				}
			}
		}
	}
	if voted != 5 {
		t.Errorf("%d voted over the two votes, want the 5 cast", voted)
	}
}

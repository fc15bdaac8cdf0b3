package contracts

import (
	"context"
	"testing"

	"github.com/ratifyhq/ratify/errs"
)

func TestContractFor(t *testing.T) {
	l := mustLib(t)
	title, sha, url, err := l.ContractFor(context.Background(), "aea-2021-2024")
	d, _ := l.Get("aea-2021-2024")
	if err != nil || title != d.Title || sha != d.SHA256 || url != "/contracts/aea-2021-2024/changes" {
		t.Errorf("ContractFor = %q %q %q %v", title, sha, url, err)
	}
	if _, _, _, err := l.ContractFor(context.Background(), "nope-2020"); errs.CodeOf(err) != errs.NotFound {
		t.Errorf("unknown id: %v, want NotFound", err)
	}
}

func TestCitations(t *testing.T) {
	l := mustLib(t)
	tests := []struct {
		doc, cite, anchor string
	}{
		{"ace-2021-2024", "Article 801 B", "801-B"},
		{"ace-2021-2024", "Article 807", "807"},
		{"ace-2021-2024", "Article 404 A.2", "404-A-2"},
		{"ace-2021-2024", "Appendix I, Article II, Section 7", "appendix-I-II-7"},
		{"ace-2021-2024", "Salary Schedules 2021-2024 (2022-23)", "salary-2022-23-a-k"},
		{"aea-2021-2024", "Article 105 (2023-24)", "aea-2023-24"},
		{"aea-2021-2024", "Article 470 B", "470-B"},
		{"ace-2021-2024", "Article 999 Z", ""},
		{"nope-2020", "Article 801 B", ""},
	}
	for _, tt := range tests {
		t.Run(tt.cite, func(t *testing.T) {
			got := l.Citations(tt.doc, []string{tt.cite})
			if len(got) != 1 || got[0].Text != tt.cite || got[0].Anchor != tt.anchor {
				t.Errorf("Citations = %+v, want anchor %q", got, tt.anchor)
			}
		})
	}
	// every citation a calculator lists links somewhere
	for _, id := range []string{"ace-2021-2024", "aea-2021-2024"} {
		cs, _ := l.Calculators(id)
		for _, c := range cs {
			for _, ct := range l.Citations(id, c.Citations) {
				if ct.Anchor == "" {
					t.Errorf("%s %s: citation %q links nowhere", id, c.Name, ct.Text)
				}
			}
		}
	}
}

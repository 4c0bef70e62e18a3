package hardening

import "testing"

func TestCatalogueLoads(t *testing.T) {
	c, err := load()
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Rules) < 40 {
		t.Errorf("the baseline has %d rules, want at least 40", len(c.Rules))
	}
	for _, r := range c.Rules {
		t.Logf("%-32s %-8s %s", r.ID, r.Severity, r.Title)
	}
}

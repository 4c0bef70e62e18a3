package seal

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/goldenami/packer-plugin-golden/internal/family"
)

// applyRetention retires older images of the family in every region just
// sealed: it runs once the new images are sealed and the sources removed.
// Nothing it does rolls back the seal: a failure is reported, and the next
// run's retention takes it up again.
func (r *run) applyRetention(ctx context.Context) {
	ret := r.cfg.Retention
	if ret == nil {
		return
	}
	now := time.Now()
	// AWS takes deprecation times to the minute, and not in the past.
	deprecateAt := now.Add(2 * time.Minute).Truncate(time.Minute).UTC()
	plans := make([]retentionPlan, len(r.copies))
	var wg sync.WaitGroup
	for i, cp := range r.copies {
		wg.Go(func() {
			plans[i] = r.planRetention(ctx, cp.Region, cp.Image.ID, now)
			if plans[i].err == nil && !ret.DryRun {
				r.apply(ctx, &plans[i], deprecateAt)
			}
		})
	}
	wg.Wait()
	r.ui.Say(retentionReport(r.cfg.Family, ret, plans))
	for _, p := range plans {
		if p.err != nil {
			r.ui.Error(fmt.Sprintf("Warning: retention in %s: %v", p.region, p.err))
		}
	}
}

// retentionReport says, region by region, what was kept and why, and what
// was deprecated and removed (or would be, under dry_run).
func retentionReport(name string, ret *RetentionConfig, plans []retentionPlan) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Retention of family %q (%s)", name, policyString(ret))
	if ret.DryRun {
		b.WriteString(", dry_run: nothing is changed")
	}
	b.WriteString(":\n")
	for _, p := range plans {
		fmt.Fprintf(&b, "%s:\n", p.region)
		for _, d := range p.decisions {
			action := string(d.Action)
			if ret.DryRun && d.Action != family.ActionKeep {
				action = "would " + action
			}
			fmt.Fprintf(&b, "  %-16s %s: %s\n", action, d.Image, d.Reason)
		}
		for _, res := range p.results {
			fmt.Fprintf(&b, "  => %s\n", res)
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

func policyString(ret *RetentionConfig) string {
	var parts []string
	if ret.KeepLatest > 0 {
		parts = append(parts, fmt.Sprintf("keep_latest = %d", ret.KeepLatest))
	}
	if ret.MaxAge != "" {
		parts = append(parts, "max_age = "+ret.MaxAge)
	}
	if ret.DeprecateSuperseded {
		parts = append(parts, "deprecate_superseded")
	}
	return strings.Join(parts, ", ")
}

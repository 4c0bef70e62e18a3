package family

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Policy is how many images of a family to keep in each region.
type Policy struct {
	// KeepLatest keeps the newest images, the one just sealed included,
	// in use or not; 0 leaves it to MaxAge.
	KeepLatest int
	// MaxAge keeps images younger than this; 0 leaves it to KeepLatest.
	// With both, an image is removed when neither keeps it.
	MaxAge time.Duration
	// DeprecateSuperseded deprecates every kept image but the newest.
	DeprecateSuperseded bool
}

// ErrBadPolicy is returned for a retention policy that keeps nothing or everything.
var ErrBadPolicy = errors.New("not a retention policy")

// Validate checks that the policy says what to keep.
func (p Policy) Validate() error {
	switch {
	case p.KeepLatest < 0:
		return fmt.Errorf("%w: keep_latest is %d: use 1 or more", ErrBadPolicy, p.KeepLatest)
	case p.MaxAge < 0:
		return fmt.Errorf("%w: max_age is negative", ErrBadPolicy)
	case p.KeepLatest == 0 && p.MaxAge == 0:
		return fmt.Errorf("%w: set keep_latest, max_age or both: without them retention would keep every image", ErrBadPolicy)
	}
	return nil
}

// Member is an image of the family in one region, with what Plan must know
// beyond the image.
type Member struct {
	Image
	// Current marks the image this run sealed: always kept, never deprecated.
	Current bool
	// Uses say what uses the image ("instance i-… (running)"); an image in
	// use is never touched.
	Uses []string
}

// Action is what retention does to an image.
type Action string

// Actions.
const (
	ActionKeep      Action = "keep"
	ActionDeprecate Action = "deprecate" // kept, and deprecated now
	ActionRemove    Action = "remove"    // deregistered, its snapshots deleted
)

// Decision is the action for one image and why.
type Decision struct {
	Image  Image
	Action Action
	Reason string
}

func (d Decision) String() string { return fmt.Sprintf("%-9s %s: %s", d.Action, d.Image, d.Reason) }

// Plan decides, for the members of family in one region, what to keep,
// deprecate and remove under p at now. It never removes or deprecates an
// image in use, one without the family's Tag, the current image, nor the
// newest when no member is current. Decisions come newest first, the
// current image leading.
func Plan(family string, members []Member, p Policy, now time.Time) []Decision {
	ms := slices.Clone(members)
	slices.SortFunc(ms, func(a, b Member) int {
		if a.Current != b.Current {
			if a.Current {
				return -1
			}
			return 1
		}
		return newestFirst(a.Image, b.Image)
	})
	out := make([]Decision, 0, len(ms))
	rank := 0 // among the family's images
	newest := ""
	for _, m := range ms {
		if got, ok := m.Tags[Tag]; !ok || got != family {
			out = append(out, Decision{m.Image, ActionKeep, fmt.Sprintf("tag %s is %s, not %q: not this family's image, never touched", Tag, tagValue(m.Tags, Tag), family)})
			continue
		}
		rank++
		if rank == 1 {
			newest = m.ID
			why := "the newest image of the family"
			if m.Current {
				why = "sealed by this run"
			}
			out = append(out, Decision{m.Image, ActionKeep, why})
			continue
		}
		action, why := p.decide(m.Image, rank, newest, now)
		if len(m.Uses) > 0 && action != ActionKeep {
			action, why = ActionKeep, fmt.Sprintf("in use by %s: never touched (it would be %s: %s)", strings.Join(m.Uses, ", "), pastTense(action), why)
		}
		out = append(out, Decision{m.Image, action, why})
	}
	return out
}

// decide applies the policy to a family image that is not the newest.
func (p Policy) decide(img Image, rank int, newest string, now time.Time) (Action, string) {
	var kept []string
	if rank <= p.KeepLatest {
		kept = append(kept, fmt.Sprintf("the %s newest, keep_latest = %d", ordinal(rank), p.KeepLatest))
	}
	if p.MaxAge > 0 {
		switch age := now.Sub(img.Created); {
		case img.Created.IsZero():
			kept = append(kept, "its creation date is unknown, so max_age cannot apply")
		case age < p.MaxAge:
			kept = append(kept, fmt.Sprintf("%s old, max_age = %s", FormatAge(age), FormatAge(p.MaxAge)))
		}
	}
	if len(kept) == 0 {
		var why []string
		if p.KeepLatest > 0 {
			why = append(why, fmt.Sprintf("the %s newest, keep_latest = %d", ordinal(rank), p.KeepLatest))
		}
		if p.MaxAge > 0 {
			why = append(why, fmt.Sprintf("%s old, max_age = %s", FormatAge(now.Sub(img.Created)), FormatAge(p.MaxAge)))
		}
		return ActionRemove, "beyond retention: " + strings.Join(why, "; ")
	}
	reason := strings.Join(kept, "; ")
	switch {
	case !p.DeprecateSuperseded:
		return ActionKeep, reason
	case img.Deprecated(now):
		return ActionKeep, fmt.Sprintf("%s; superseded, deprecated since %s", reason, img.DeprecatedAt.UTC().Format(time.RFC3339))
	}
	return ActionDeprecate, fmt.Sprintf("%s; superseded by %s", reason, newest)
}

func pastTense(a Action) string {
	if a == ActionRemove {
		return "removed"
	}
	return "deprecated"
}

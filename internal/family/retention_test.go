package family

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func member(id string, daysAgo int, edits ...func(*Member)) Member {
	m := Member{Image: img(id, daysAgo)}
	for _, e := range edits {
		e(&m)
	}
	return m
}

func current(m *Member) { m.Current = true }

func inUse(uses ...string) func(*Member) { return func(m *Member) { m.Uses = uses } }

func TestPlan(t *testing.T) {
	tests := []struct {
		name    string
		members []Member
		policy  Policy
		want    []string // id action
	}{
		{
			name:    "keep_latest keeps the newest, current first; removes the rest",
			members: []Member{member("a", 40), member("b", 30), member("new", 0, current), member("c", 20), member("d", 10)},
			policy:  Policy{KeepLatest: 3},
			want:    []string{"new keep", "d keep", "c keep", "b remove", "a remove"},
		},
		{
			name:    "deprecate_superseded deprecates every kept image but the current",
			members: []Member{member("a", 40), member("b", 30), member("new", 0, current)},
			policy:  Policy{KeepLatest: 2, DeprecateSuperseded: true},
			want:    []string{"new keep", "b deprecate", "a remove"},
		},
		{
			name: "an image already deprecated stays as it is",
			members: []Member{
				member("a", 10, func(m *Member) { m.DeprecatedAt = now.Add(-day) }),
				member("b", 5, func(m *Member) { m.DeprecatedAt = now.Add(90 * day) }),
				member("new", 0, current),
			},
			policy: Policy{KeepLatest: 3, DeprecateSuperseded: true},
			want:   []string{"new keep", "b deprecate", "a keep"},
		},
		{
			name:    "in use: never removed nor deprecated, and counted",
			members: []Member{member("a", 40, inUse("instance i-1 (stopped)")), member("b", 30, inUse("launch template lt-1 ($Default)")), member("c", 20), member("new", 0, current)},
			policy:  Policy{KeepLatest: 2, DeprecateSuperseded: true},
			want:    []string{"new keep", "c deprecate", "b keep", "a keep"},
		},
		{
			name:    "max_age alone: the young are kept",
			members: []Member{member("a", 100), member("b", 60), member("new", 0, current)},
			policy:  Policy{MaxAge: 90 * day},
			want:    []string{"new keep", "b keep", "a remove"},
		},
		{
			name:    "max_age alone never removes the current image, however old",
			members: []Member{member("new", 200, current), member("a", 100)},
			policy:  Policy{MaxAge: 90 * day},
			want:    []string{"new keep", "a remove"},
		},
		{
			name:    "both: removed only when neither keeps it",
			members: []Member{member("a", 100), member("b", 95), member("c", 50), member("d", 45), member("new", 0, current)},
			policy:  Policy{KeepLatest: 2, MaxAge: 90 * day},
			want:    []string{"new keep", "d keep", "c keep", "b remove", "a remove"},
		},
		{
			name:    "an unknown creation date is never aged out",
			members: []Member{member("a", 0, func(m *Member) { m.Created = time.Time{} }), member("new", 0, current)},
			policy:  Policy{MaxAge: day},
			want:    []string{"new keep", "a keep"},
		},
		{
			name:    "another family's image is never touched and not counted",
			members: []Member{member("x", 50, func(m *Member) { m.Tags = map[string]string{Tag: "ubuntu"} }), member("y", 60, func(m *Member) { m.Tags = nil }), member("a", 40), member("new", 0, current)},
			policy:  Policy{KeepLatest: 2},
			want:    []string{"new keep", "a keep", "x keep", "y keep"},
		},
		{
			name:    "no current image: the newest is kept whatever its age",
			members: []Member{member("a", 100), member("b", 95)},
			policy:  Policy{MaxAge: 90 * day},
			want:    []string{"b keep", "a remove"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.policy.Validate(); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, d := range Plan("debian", tt.members, tt.policy, now) {
				got = append(got, d.Image.ID+" "+string(d.Action))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Plan (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPlanReasons(t *testing.T) {
	members := []Member{
		member("new", 0, current),
		member("b", 10),
		member("c", 20, inUse("instance i-0abc (running)")),
		member("d", 100),
		member("e", 5, func(m *Member) { m.Tags = map[string]string{} }),
	}
	var got []string
	for _, d := range Plan("debian", members, Policy{KeepLatest: 2, MaxAge: 30 * day, DeprecateSuperseded: true}, now) {
		got = append(got, d.String())
	}
	want := []string{
		"keep      new (debian-new, created 2026-03-01T12:00:00Z): sealed by this run",
		`keep      e (debian-e, created 2026-02-24T12:00:00Z): tag golden:family is missing, not "debian": not this family's image, never touched`,
		"deprecate b (debian-b, created 2026-02-19T12:00:00Z): the 2nd newest, keep_latest = 2; 10d old, max_age = 30d; superseded by new",
		"keep      c (debian-c, created 2026-02-09T12:00:00Z): in use by instance i-0abc (running): never touched (it would be deprecated: 20d old, max_age = 30d; superseded by new)",
		"remove    d (debian-d, created 2025-11-21T12:00:00Z): beyond retention: the 4th newest, keep_latest = 2; 100d old, max_age = 30d",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Plan (-want +got):\n%s", diff)
	}
}

func TestPolicyValidate(t *testing.T) {
	for _, p := range []Policy{{}, {KeepLatest: -1}, {MaxAge: -day}, {DeprecateSuperseded: true}} {
		if err := p.Validate(); !errors.Is(err, ErrBadPolicy) {
			t.Errorf("%+v: %v, want ErrBadPolicy", p, err)
		}
	}
	for _, p := range []Policy{{KeepLatest: 1}, {MaxAge: day}, {KeepLatest: 3, MaxAge: day, DeprecateSuperseded: true}} {
		if err := p.Validate(); err != nil {
			t.Errorf("%+v: %v", p, err)
		}
	}
}

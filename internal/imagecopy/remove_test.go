package imagecopy

import (
	"testing"

	"github.com/aws/smithy-go"
)

// Removals ride out server errors and lost connections, so that an outage
// does not leave an image without its snapshots; a refusal ends them at once.
func TestRemoveRetries(t *testing.T) {
	outage := apiErr("InternalError", smithy.FaultServer)
	denied := answered(403, "UnauthorizedOperation")
	tests := []struct {
		name      string
		faults    map[string][]error
		wantErr   bool
		left      int // images and snapshots left, the source's included
		wantCalls map[string]int
	}{
		{"through an outage", map[string][]error{"DeregisterImage": {outage, outage}, "DeleteSnapshot": {outage, outage, outage}}, false, 0,
			map[string]int{"DeregisterImage": 3, "DeleteSnapshot": 4}},
		{"refused", map[string][]error{"DeregisterImage": {denied}}, true, 2, map[string]int{"DeregisterImage": 1, "DeleteSnapshot": 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld()
			img := w.source("eu-west-1", "")
			w.faults = tt.faults
			_, err := w.copier(Options{}).Remove(t.Context(), img)
			if (err != nil) != tt.wantErr {
				t.Errorf("Remove() = %v, want an error: %v", err, tt.wantErr)
			}
			if got := w.remaining(); len(got) != tt.left {
				t.Errorf("left %v, want %d", got, tt.left)
			}
			for action, n := range tt.wantCalls {
				if got := w.count("eu-west-1", action); got != n {
					t.Errorf("%d %s calls, want %d", got, action, n)
				}
			}
		})
	}
}

package seal

import (
	"fmt"
	"sync"
	"time"

	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"

	"github.com/goldenami/packer-plugin-golden/internal/imagecopy"
)

// progressUI serializes the output of the regions' goroutines.
type progressUI struct {
	packersdk.Ui
	mu sync.Mutex
}

func (u *progressUI) Say(msg string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.Ui.Say(msg)
}

func (u *progressUI) Error(msg string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.Ui.Error(msg)
}

// progress is the line a copy's poll shows.
func (u *progressUI) progress(p imagecopy.Progress) {
	line := fmt.Sprintf("%s: %s %s", p.Region, p.ImageID, p.State)
	if p.Percent >= 0 {
		line += fmt.Sprintf(" %d%%", p.Percent)
	}
	line += fmt.Sprintf(" after %v", p.Elapsed.Round(time.Second))
	if p.Remaining > 0 {
		line += fmt.Sprintf(", about %v left", p.Remaining.Round(time.Second))
	}
	u.Say(line)
}

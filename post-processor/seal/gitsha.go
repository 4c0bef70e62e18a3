package seal

import (
	"os"
	"regexp"
)

// commitVars name the commit being built in common CI systems.
var commitVars = []string{"GITHUB_SHA", "CI_COMMIT_SHA", "BUILDKITE_COMMIT", "CIRCLE_SHA1", "GIT_COMMIT", "BITBUCKET_COMMIT", "BUILD_SOURCEVERSION"}

var shaPattern = regexp.MustCompile(`^[0-9a-f]{7,64}$`)

// gitSHA returns the commit CI says it builds, or "".
func gitSHA() string {
	for _, v := range commitVars {
		if s := os.Getenv(v); shaPattern.MatchString(s) {
			return s
		}
	}
	return ""
}

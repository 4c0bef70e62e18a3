package provenance

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDetectRunner(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want Runner
	}{
		{
			name: "host",
			env:  map[string]string{"HOME": "/home/me", "AWS_SECRET_ACCESS_KEY": "x"},
			want: Runner{BuilderID: "urn:golden:host:build-01"},
		},
		{
			name: "github actions",
			env: map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "acme/img",
				"GITHUB_WORKFLOW_REF": "acme/img/.github/workflows/a.yml@refs/heads/main", "GITHUB_TOKEN": "t", "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "t"},
			want: Runner{BuilderID: "https://github.com/acme/img/.github/workflows/a.yml@refs/heads/main", CI: "github-actions",
				Env: map[string]string{"GITHUB_REPOSITORY": "acme/img", "GITHUB_SERVER_URL": "https://github.com", "GITHUB_WORKFLOW_REF": "acme/img/.github/workflows/a.yml@refs/heads/main"}},
		},
		{
			name: "github actions without workflow ref",
			env:  map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_REPOSITORY": "acme/img"},
			want: Runner{BuilderID: "https://github.com/acme/img/actions", CI: "github-actions", Env: map[string]string{"GITHUB_REPOSITORY": "acme/img"}},
		},
		{
			name: "gitlab",
			env:  map[string]string{"GITLAB_CI": "true", "CI_SERVER_URL": "https://gitlab.example.com", "CI_PROJECT_PATH": "acme/img", "CI_RUNNER_ID": "7", "CI_JOB_TOKEN": "t"},
			want: Runner{BuilderID: "https://gitlab.example.com/acme/img/-/runners/7", CI: "gitlab-ci",
				Env: map[string]string{"CI_PROJECT_PATH": "acme/img", "CI_RUNNER_ID": "7", "CI_SERVER_URL": "https://gitlab.example.com"}},
		},
		{
			name: "jenkins",
			env:  map[string]string{"JENKINS_URL": "https://ci.example.com/", "JOB_URL": "https://ci.example.com/job/golden/", "BUILD_NUMBER": "12"},
			want: Runner{BuilderID: "https://ci.example.com/job/golden/", CI: "jenkins",
				Env: map[string]string{"BUILD_NUMBER": "12", "JENKINS_URL": "https://ci.example.com/", "JOB_URL": "https://ci.example.com/job/golden/"}},
		},
		{
			name: "buildkite",
			env:  map[string]string{"BUILDKITE": "true", "BUILDKITE_ORGANIZATION_SLUG": "acme", "BUILDKITE_PIPELINE_SLUG": "golden", "BUILDKITE_AGENT_ACCESS_TOKEN": "t"},
			want: Runner{BuilderID: "https://buildkite.com/acme/golden", CI: "buildkite",
				Env: map[string]string{"BUILDKITE_ORGANIZATION_SLUG": "acme", "BUILDKITE_PIPELINE_SLUG": "golden"}},
		},
		{
			name: "circleci",
			env:  map[string]string{"CIRCLECI": "true", "CIRCLE_PROJECT_USERNAME": "acme", "CIRCLE_PROJECT_REPONAME": "img", "CIRCLE_BUILD_NUM": "3"},
			want: Runner{BuilderID: "https://circleci.com/acme/img", CI: "circleci",
				Env: map[string]string{"CIRCLE_BUILD_NUM": "3", "CIRCLE_PROJECT_REPONAME": "img", "CIRCLE_PROJECT_USERNAME": "acme"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, DetectRunner(mapEnv(tt.env), "build-01")); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestHostWithoutName(t *testing.T) {
	if got := DetectRunner(mapEnv(nil), " ").BuilderID; got != "urn:golden:host:unknown" {
		t.Errorf("got %q", got)
	}
}

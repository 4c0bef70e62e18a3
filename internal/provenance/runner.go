package provenance

import "strings"

// Runner is who ran the build: the CI system when one is detected, else the host.
type Runner struct {
	BuilderID string            // runDetails.builder.id
	CI        string            // "github-actions", "gitlab-ci", "jenkins", "buildkite", "circleci"; "" on a host
	Env       map[string]string // the detected CI's allow-listed variables that are set
}

// ciSystem detects one CI system and names its builder from its variables.
type ciSystem struct {
	name    string
	detect  string   // set (non-empty) only inside this CI
	allow   []string // recorded in internalParameters.env; nothing else ever is
	builder func(env func(string) string) string
}

// ciSystems is checked in order; the first whose detect variable is set wins.
var ciSystems = []ciSystem{
	{
		name:   "github-actions",
		detect: "GITHUB_ACTIONS",
		allow: []string{"GITHUB_EVENT_NAME", "GITHUB_REF", "GITHUB_REPOSITORY", "GITHUB_REPOSITORY_ID",
			"GITHUB_REPOSITORY_OWNER_ID", "GITHUB_RUN_ATTEMPT", "GITHUB_RUN_ID", "GITHUB_SERVER_URL",
			"GITHUB_SHA", "GITHUB_WORKFLOW_REF", "GITHUB_WORKFLOW_SHA", "RUNNER_ENVIRONMENT"},
		builder: func(env func(string) string) string {
			server := orDefault(env("GITHUB_SERVER_URL"), "https://github.com")
			if ref := env("GITHUB_WORKFLOW_REF"); ref != "" {
				return server + "/" + ref
			}
			return server + "/" + env("GITHUB_REPOSITORY") + "/actions"
		},
	},
	{
		name:   "gitlab-ci",
		detect: "GITLAB_CI",
		allow: []string{"CI_COMMIT_REF_NAME", "CI_COMMIT_SHA", "CI_CONFIG_PATH", "CI_JOB_ID", "CI_JOB_URL",
			"CI_PIPELINE_ID", "CI_PIPELINE_SOURCE", "CI_PIPELINE_URL", "CI_PROJECT_ID", "CI_PROJECT_PATH",
			"CI_RUNNER_ID", "CI_SERVER_URL"},
		builder: func(env func(string) string) string {
			id := orDefault(env("CI_SERVER_URL"), "https://gitlab.com") + "/" + env("CI_PROJECT_PATH")
			if runner := env("CI_RUNNER_ID"); runner != "" {
				id += "/-/runners/" + runner
			}
			return id
		},
	},
	{
		name:    "jenkins",
		detect:  "JENKINS_URL",
		allow:   []string{"BUILD_NUMBER", "BUILD_URL", "GIT_BRANCH", "GIT_COMMIT", "GIT_URL", "JENKINS_URL", "JOB_NAME", "JOB_URL", "NODE_NAME"},
		builder: func(env func(string) string) string { return orDefault(env("JOB_URL"), env("JENKINS_URL")) },
	},
	{
		name:   "buildkite",
		detect: "BUILDKITE",
		allow: []string{"BUILDKITE_AGENT_NAME", "BUILDKITE_BRANCH", "BUILDKITE_BUILD_ID", "BUILDKITE_BUILD_NUMBER",
			"BUILDKITE_BUILD_URL", "BUILDKITE_COMMIT", "BUILDKITE_JOB_ID", "BUILDKITE_ORGANIZATION_SLUG",
			"BUILDKITE_PIPELINE_SLUG", "BUILDKITE_REPO"},
		builder: func(env func(string) string) string {
			return "https://buildkite.com/" + env("BUILDKITE_ORGANIZATION_SLUG") + "/" + env("BUILDKITE_PIPELINE_SLUG")
		},
	},
	{
		name:   "circleci",
		detect: "CIRCLECI",
		allow: []string{"CIRCLE_BRANCH", "CIRCLE_BUILD_NUM", "CIRCLE_BUILD_URL", "CIRCLE_JOB", "CIRCLE_PROJECT_REPONAME",
			"CIRCLE_PROJECT_USERNAME", "CIRCLE_REPOSITORY_URL", "CIRCLE_SHA1", "CIRCLE_WORKFLOW_ID"},
		builder: func(env func(string) string) string {
			return "https://circleci.com/" + env("CIRCLE_PROJECT_USERNAME") + "/" + env("CIRCLE_PROJECT_REPONAME")
		},
	},
}

// DetectRunner reads the CI system from the environment (pass os.Getenv) and
// falls back to the host (pass os.Hostname's answer). Only allow-listed
// variables of the detected CI are kept; values are redacted later like every
// other string in the record.
func DetectRunner(getenv func(string) string, hostname string) Runner {
	for _, ci := range ciSystems {
		if getenv(ci.detect) == "" {
			continue
		}
		env := map[string]string{}
		for _, k := range ci.allow {
			if v := getenv(k); v != "" {
				env[k] = v
			}
		}
		return Runner{BuilderID: ci.builder(getenv), CI: ci.name, Env: env}
	}
	return Runner{BuilderID: hostBuilderID(hostname)}
}

// hostBuilderID names a build run outside CI by its host.
func hostBuilderID(hostname string) string {
	return "urn:golden:host:" + orDefault(strings.TrimSpace(hostname), "unknown")
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

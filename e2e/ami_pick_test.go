package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/google/go-cmp/cmp"

	"github.com/goldenami/packer-plugin-golden/internal/awstest"
	"github.com/goldenami/packer-plugin-golden/internal/packertest"
)

const pickRegion = "eu-west-1"

// pickedValue is what testdata/ami.pkr.hcl writes: golden-ami's value.
type pickedValue struct {
	BaseAMI string `json:"base_ami"`
	Picked  struct {
		ID         string            `json:"id"`
		Name       string            `json:"name"`
		Family     string            `json:"family"`
		Region     string            `json:"region"`
		SourceAMI  string            `json:"source_ami"`
		KMSKeyIDs  []string          `json:"kms_key_ids"`
		Tags       map[string]string `json:"tags"`
		Provenance struct {
			Verified         bool   `json:"verified"`
			Builder          string `json:"builder"`
			BuildTime        string `json:"build_time"`
			HardeningVerdict string `json:"hardening_verdict"`
		} `json:"provenance"`
		Rejected []struct {
			ID          string `json:"id"`
			Requirement string `json:"requirement"`
			Reason      string `json:"reason"`
		} `json:"rejected"`
	} `json:"picked"`
}

// TestAMIPicksTheNewestTrustedImage: a family of ten images, most of them
// newer than the one to pick and each wrong in its own way; golden-ami in a
// real packer picks exactly the right one, says why each newer one lost, feeds
// its id to amazon-ebs's source_ami, and changes nothing in AWS. With a
// requirement no image meets, the build fails listing every candidate and the
// first requirement it failed.
func TestAMIPicksTheNewestTrustedImage(t *testing.T) {
	lifecycleNeedsRig(t)
	rig := awstest.Shared(t)
	pk := packertest.New(t)
	pk.Env = rig.Env()
	dir := t.TempDir()
	if err := copyFile("testdata/ami.pkr.hcl", filepath.Join(dir, "ami.pkr.hcl")); err != nil {
		t.Fatal(err)
	}
	f := newGoldenFamily(t, rig, "debian-12-golden", pickRegion)

	start := time.Now()
	ids := map[string]string{}
	// Oldest first. The deprecation time can only pass a minute boundary from
	// now: the image is made early, so that making the others overlaps the wait.
	for _, m := range []member{{name: "old"}, {name: "picked", verdict: "warn"}, {name: "deprecated"}} {
		ids[m.name] = f.add(t, m)
	}
	deprecatedAt := f.deprecate(t, ids["deprecated"])
	for _, m := range []member{
		{name: "hardening-failed", verdict: "fail"},
		{name: "wrong-key", key: f.otherKey},
		{name: "unencrypted", key: "none"},
		{name: "unsigned", noRecord: true},
		{name: "tampered", verdict: "fail"},
		{name: "swapped"},
		{name: "copying", status: "copying"},
		{name: "other-family", family: "ubuntu-24-golden"},
	} {
		ids[m.name] = f.add(t, m)
	}
	f.tamper(t, ids["tampered"])
	f.tagPointer(t, ids["swapped"], f.pointer(t, ids["old"]))
	if _, err := f.ec2.RunInstances(t.Context(), &ec2.RunInstancesInput{ImageId: aws.String(ids["picked"]), MinCount: aws.Int32(1), MaxCount: aws.Int32(1)}); err != nil {
		t.Fatal(err)
	}
	t.Logf("family of %d images made in %v; waiting %v for the deprecation time to pass",
		len(ids), time.Since(start).Round(time.Second), time.Until(deprecatedAt).Round(time.Second))
	time.Sleep(time.Until(deprecatedAt) + time.Second)

	rig.Proxy().ClearCalls()
	vars := []string{"PKR_VAR_region=" + pickRegion, "PKR_VAR_family=debian-12-golden"}
	res := pk.Run(t, t.Context(), dir, vars, "build", "-color=false", "-only=file.picked", ".")
	if res.ExitCode != 0 {
		t.Fatalf("packer build exited %d", res.ExitCode)
	}
	t.Logf("packer build with golden-ami over %d candidates: %v, %d AWS calls", len(ids)-1, res.Duration.Round(10*time.Millisecond), len(rig.Proxy().Calls()))
	var v pickedValue
	b, err := os.ReadFile(filepath.Join(dir, "golden-ami.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	if v.BaseAMI != ids["picked"] || v.Picked.ID != ids["picked"] {
		t.Errorf("golden-ami picked %s (local %s), want %s (picked):\n%s", v.Picked.ID, v.BaseAMI, ids["picked"], b)
	}
	p := v.Picked
	if !p.Provenance.Verified || p.Provenance.HardeningVerdict != "warn" || p.Provenance.Builder != "urn:golden:host:golden-ci" ||
		p.Provenance.BuildTime == "" || p.SourceAMI != awstest.SourceAMIID || p.Family != "debian-12-golden" ||
		p.Region != pickRegion || !cmp.Equal(p.KMSKeyIDs, []string{f.ebsKey}) {
		t.Errorf("the picked image's facts:\n%s", b)
	}
	var got []string
	for _, r := range p.Rejected {
		got = append(got, name(ids, r.ID)+" "+r.Requirement)
	}
	want := []string{
		"copying family", "swapped require_provenance", "tampered require_provenance", "unsigned require_provenance",
		"unencrypted encrypted", "wrong-key require_encrypted_with", "hardening-failed require_hardening_verdict", "deprecated include_deprecated",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("rejected, newest first (-want +got):\n%s", diff)
	}
	reasons := map[string]*regexp.Regexp{
		"swapped":     regexp.MustCompile(`the record is for another image`),
		"tampered":    regexp.MustCompile(`signature`),
		"unsigned":    regexp.MustCompile(`no golden:provenance tag`),
		"unencrypted": regexp.MustCompile(`not encrypted`),
		"wrong-key":   regexp.MustCompile(`encrypted with ` + regexp.QuoteMeta(f.otherKey)),
	}
	for _, r := range p.Rejected {
		if re, ok := reasons[name(ids, r.ID)]; ok && !re.MatchString(r.Reason) {
			t.Errorf("%s rejected because %q, want it to match %s", name(ids, r.ID), r.Reason, re)
		}
	}
	assertReadOnly(t, rig)

	// The id feeds amazon-ebs: packer validate evaluates the data source and checks the source.
	res = pk.Run(t, t.Context(), dir, vars, "validate", "-evaluate-datasources", ".")
	if res.ExitCode != 0 {
		t.Errorf("packer validate -evaluate-datasources exited %d", res.ExitCode)
	}

	// A requirement no image meets: every candidate and its first failure.
	res = pk.Run(t, t.Context(), dir, append(vars, `PKR_VAR_require_tags={"Release":"approved"}`), "build", "-color=false", "-only=file.picked", ".")
	out := strings.Join(strings.Fields(res.Output), " ")
	if res.ExitCode == 0 || !strings.Contains(out, "no image meets the requirements: 10 candidates, each rejected:") {
		t.Fatalf("packer build with an unmet requirement exited %d", res.ExitCode)
	}
	for n, req := range map[string]string{
		"copying": "family", "deprecated": "include_deprecated", "old": "require_tags", "picked": "require_tags", "unencrypted": "require_tags",
	} {
		if !regexp.MustCompile(regexp.QuoteMeta(ids[n]) + ` \(` + n + `, created [^)]*\): ` + req + `: `).MatchString(out) {
			t.Errorf("the error does not say %s (%s) failed %s", ids[n], n, req)
		}
	}
	if strings.Contains(out, ids["other-family"]) {
		t.Errorf("the error lists an image of another family")
	}
}

// assertReadOnly fails when the proxy logged a call that changes anything.
func assertReadOnly(t *testing.T, rig *awstest.Rig) {
	t.Helper()
	readOnly := regexp.MustCompile(`^(Describe|Get|List|Head)`)
	for _, c := range rig.Proxy().Calls() {
		if !readOnly.MatchString(c.Action) {
			t.Errorf("%s:%s in %s changes AWS", c.Service, c.Action, c.Region)
		}
	}
}

// name is the fixture name of an image id.
func name(ids map[string]string, id string) string {
	for n, i := range ids {
		if i == id {
			return n
		}
	}
	return id
}

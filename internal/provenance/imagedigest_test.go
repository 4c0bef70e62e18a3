package provenance

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// TestImageDigestKnownAnswer pins the definition: changing it breaks every
// published record, so it needs a new ImageDigestType.
func TestImageDigestKnownAnswer(t *testing.T) {
	canon, err := CanonicalImage(fixtureImage())
	if err != nil {
		t.Fatal(err)
	}
	const wantCanon = `{"blockDevices":[{"deviceName":"/dev/xvda","encrypted":true,"snapshotId":"snap-0aaaaaaaaaaaaaaaa"},` +
		`{"deviceName":"/dev/xvdb","encrypted":true,"snapshotId":"snap-0bbbbbbbbbbbbbbbb"}],` +
		`"imageId":"ami-0123456789abcdef0","name":"golden-debian-12-20250101","ownerId":"123456789012",` +
		`"region":"eu-west-1","type":"https://github.com/goldenami/packer-plugin-golden/imagedigest/v1"}`
	if string(canon) != wantCanon {
		t.Errorf("canonical form:\n%s\nwant:\n%s", canon, wantCanon)
	}
	digest, err := ImageDigest(fixtureImage())
	if err != nil {
		t.Fatal(err)
	}
	if want := sha(wantCanon); digest != want {
		t.Errorf("digest %s, want %s", digest, want)
	}
	if want := "8e58f60b6dd944a5b0af3258dffd5cdf57ce1dca474995512b39f612360d80bf"; digest != want {
		t.Errorf("digest %s, want %s", digest, want)
	}
}

func TestImageDigestChangesWithEveryField(t *testing.T) {
	base, _ := ImageDigest(fixtureImage())
	changes := map[string]func(*Image){
		"region":    func(i *Image) { i.Region = "eu-west-2" },
		"image id":  func(i *Image) { i.ImageID = "ami-0123456789abcdef1" },
		"owner":     func(i *Image) { i.OwnerID = "210987654321" },
		"name":      func(i *Image) { i.Name += "x" },
		"snapshot":  func(i *Image) { i.BlockDevices[0].SnapshotID = "snap-0cccccccccccccccc" },
		"encrypted": func(i *Image) { i.BlockDevices[1].Encrypted = false },
		"device":    func(i *Image) { i.BlockDevices[0].DeviceName = "/dev/sdf" },
		"extra": func(i *Image) {
			i.BlockDevices = append(i.BlockDevices, BlockDevice{"/dev/sdz", "snap-0dddddddddddddddd", true})
		},
	}
	for name, change := range changes {
		img := fixtureImage()
		change(&img)
		got, err := ImageDigest(img)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got == base {
			t.Errorf("changing the %s leaves the digest as is", name)
		}
	}
	reordered := fixtureImage()
	reordered.BlockDevices[0], reordered.BlockDevices[1] = reordered.BlockDevices[1], reordered.BlockDevices[0]
	if got, _ := ImageDigest(reordered); got != base {
		t.Error("the order DescribeImages lists devices in changes the digest")
	}
}

func TestImageDigestRejects(t *testing.T) {
	tests := map[string]struct {
		change func(*Image)
		want   string
	}{
		"region":          {func(i *Image) { i.Region = "moon-1" }, `region "moon-1" is not an AWS region name`},
		"image id":        {func(i *Image) { i.ImageID = "ami-12" }, `"ami-12" is not an AMI id`},
		"owner":           {func(i *Image) { i.OwnerID = "amazon" }, `"amazon", not a 12-digit account id`},
		"empty name":      {func(i *Image) { i.Name = "" }, "name of ami-0123456789abcdef0 is empty"},
		"control in name": {func(i *Image) { i.Name = "a\nb" }, "control or non-UTF-8"},
		"bad utf8":        {func(i *Image) { i.Name = "a\xffb" }, "control or non-UTF-8"},
		"separator":       {func(i *Image) { i.Name = "a\u2028b" }, "control or non-UTF-8"},
		"no devices":      {func(i *Image) { i.BlockDevices = nil }, "has no EBS block device"},
		"same device":     {func(i *Image) { i.BlockDevices[1].DeviceName = "/dev/xvdb"; i.BlockDevices[0].DeviceName = "/dev/xvdb" }, "maps device /dev/xvdb twice"},
		"snapshot":        {func(i *Image) { i.BlockDevices[0].SnapshotID = "vol-1" }, `snapshot id "vol-1", not snap-`},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			img := fixtureImage()
			tt.change(&img)
			_, err := ImageDigest(img)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestImageARN(t *testing.T) {
	tests := []struct{ region, arn string }{
		{"eu-west-1", "arn:aws:ec2:eu-west-1::image/ami-0123456789abcdef0"},
		{"cn-north-1", "arn:aws-cn:ec2:cn-north-1::image/ami-0123456789abcdef0"},
		{"us-gov-west-1", "arn:aws-us-gov:ec2:us-gov-west-1::image/ami-0123456789abcdef0"},
		{"us-iso-east-1", "arn:aws-iso:ec2:us-iso-east-1::image/ami-0123456789abcdef0"},
		{"us-isob-east-1", "arn:aws-iso-b:ec2:us-isob-east-1::image/ami-0123456789abcdef0"},
		{"eu-isoe-west-1", "arn:aws-iso-e:ec2:eu-isoe-west-1::image/ami-0123456789abcdef0"},
		{"us-isof-south-1", "arn:aws-iso-f:ec2:us-isof-south-1::image/ami-0123456789abcdef0"},
	}
	for _, tt := range tests {
		got, err := ImageARN(tt.region, "ami-0123456789abcdef0")
		if err != nil || got != tt.arn {
			t.Errorf("ImageARN(%s) = %q, %v; want %q", tt.region, got, err, tt.arn)
		}
		region, id, ok := ParseImageARN(got)
		if !ok || region != tt.region || id != "ami-0123456789abcdef0" {
			t.Errorf("ParseImageARN(%q) = %q, %q, %v", got, region, id, ok)
		}
	}
	for _, bad := range []string{
		"", "arn:aws:ec2:eu-west-1:123456789012:image/ami-0123456789abcdef0", "arn:aws-cn:ec2:eu-west-1::image/ami-0123456789abcdef0",
		"arn:aws:ec2:eu-west-1::snapshot/snap-0123456789abcdef0", "arn:aws:ec2:eu-west-1::image/ami-0123456789abcdef0 ",
	} {
		if _, _, ok := ParseImageARN(bad); ok {
			t.Errorf("ParseImageARN(%q) accepted it", bad)
		}
	}
	if _, err := ImageARN("eu-west-1", "ami-x"); err == nil {
		t.Error("ImageARN accepted a bad AMI id")
	}
}

// jsonCanonicalImage is the canonical form as encoding/json writes it, which
// CanonicalImage must equal byte for byte.
func jsonCanonicalImage(img Image) []byte {
	type device struct {
		DeviceName string `json:"deviceName"`
		Encrypted  bool   `json:"encrypted"`
		SnapshotID string `json:"snapshotId"`
	}
	c := struct {
		BlockDevices []device `json:"blockDevices"`
		ImageID      string   `json:"imageId"`
		Name         string   `json:"name"`
		OwnerID      string   `json:"ownerId"`
		Region       string   `json:"region"`
		Type         string   `json:"type"`
	}{BlockDevices: []device{}, ImageID: img.ImageID, Name: img.Name, OwnerID: img.OwnerID, Region: img.Region, Type: ImageDigestType}
	for _, d := range img.BlockDevices {
		c.BlockDevices = append(c.BlockDevices, device{d.DeviceName, d.Encrypted, d.SnapshotID})
	}
	slices.SortFunc(c.BlockDevices, func(a, b device) int { return strings.Compare(a.DeviceName, b.DeviceName) })
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(c); err != nil {
		panic(err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

func FuzzCanonicalImage(f *testing.F) {
	f.Add("golden-debian-12-20250101", "/dev/xvda", "/dev/xvdb", true)
	f.Add(`a "quoted" \\ name <&> é \u00e9`, `/dev/"x"`, `\\`, false)
	f.Fuzz(func(t *testing.T, name, dev1, dev2 string, encrypted bool) {
		img := fixtureImage()
		img.Name, img.BlockDevices[0].DeviceName, img.BlockDevices[1].DeviceName, img.BlockDevices[1].Encrypted = name, dev1, dev2, encrypted
		got, err := CanonicalImage(img)
		if err != nil {
			return // validateImage refuses it
		}
		if want := jsonCanonicalImage(img); !bytes.Equal(got, want) {
			t.Errorf("canonical form:\n%s\nencoding/json writes:\n%s", got, want)
		}
	})
}

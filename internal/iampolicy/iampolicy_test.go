package iampolicy

import (
	"strings"
	"testing"
)

func TestDocument(t *testing.T) {
	d := New(
		Allow("Read", []string{"ec2:DescribeSnapshots", "ec2:DescribeImages", "ec2:DescribeImages"}, []string{"*"}).
			When("StringEquals", "aws:RequestedRegion", "us-east-1", "eu-west-1"),
		Allow("Copy", []string{"ec2:CopyImage"}, []string{"arn:aws:ec2:us-east-1::image/*", "arn:aws:ec2:eu-west-1::image/*"}),
	)
	if err := d.Validate(); err != nil {
		t.Fatal(err)
	}
	b, err := d.JSON()
	if err != nil {
		t.Fatal(err)
	}
	want := `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "Read",
      "Effect": "Allow",
      "Action": [
        "ec2:DescribeImages",
        "ec2:DescribeSnapshots"
      ],
      "Resource": [
        "*"
      ],
      "Condition": {
        "StringEquals": {
          "aws:RequestedRegion": [
            "eu-west-1",
            "us-east-1"
          ]
        }
      }
    },
    {
      "Sid": "Copy",
      "Effect": "Allow",
      "Action": [
        "ec2:CopyImage"
      ],
      "Resource": [
        "arn:aws:ec2:eu-west-1::image/*",
        "arn:aws:ec2:us-east-1::image/*"
      ]
    }
  ]
}
`
	if string(b) != want {
		t.Errorf("JSON:\n%s\nwant:\n%s", b, want)
	}
	if got := d.Without("Read").Sids(); len(got) != 1 || got[0] != "Copy" {
		t.Errorf("Without(Read) has %v", got)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		doc  Document
		want string
	}{
		{"empty", New(), "no statement"},
		{"repeated sid", New(Allow("A", []string{"s3:GetObject"}, []string{"*"}), Allow("A", []string{"s3:PutObject"}, []string{"*"})), `Sid "A" is empty or repeated`},
		{"no resource", New(Allow("A", []string{"s3:GetObject"}, nil)), "no action or no resource"},
	}
	for _, tt := range tests {
		if err := tt.doc.Validate(); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: Validate() = %v, want %q", tt.name, err, tt.want)
		}
	}
}

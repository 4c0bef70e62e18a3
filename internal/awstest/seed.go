package awstest

import "encoding/json"

// The source AMI that moto serves in every region, shaped so that the amazon
// builder accepts it: EBS-backed, x86_64, hvm, public, owned by Debian's
// account (the owner of the official Debian images), found with
// source_ami_filter { filters = { name = SourceAMINamePattern }, owners = [SourceAMIOwner] }.
// moto 5.2.1 also gives it the owner alias "amazon", which AWS would not.
const (
	SourceAMIID          = "ami-0deb1200000000001"
	SourceAMIName        = "debian-12-amd64-20250101-1980"
	SourceAMINamePattern = "debian-12-amd64-*"
	SourceAMIOwner       = "136693071363"
	SourceAMIRootDevice  = "/dev/xvda"
)

// AccountID is the account moto serves every request as.
const AccountID = "123456789012"

// seedAMIs is the MOTO_AMIS_PATH file: it replaces moto's default AMI list, so
// each region's backend starts fast. moto 5.2.1 parses creation_date in place
// and fails on the second region, so entries leave it out.
func seedAMIs() ([]byte, error) {
	return json.Marshal([]map[string]any{{
		"ami_id":              SourceAMIID,
		"name":                SourceAMIName,
		"description":         "Debian 12 (20250101-1980)",
		"owner_id":            SourceAMIOwner,
		"public":              true,
		"image_location":      SourceAMIOwner + "/" + SourceAMIName,
		"virtualization_type": "hvm",
		"architecture":        "x86_64",
		"hypervisor":          "xen",
		"root_device_type":    "ebs",
		"root_device_name":    SourceAMIRootDevice,
		"boot_mode":           "uefi-preferred",
	}})
}

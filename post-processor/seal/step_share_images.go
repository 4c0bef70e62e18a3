package seal

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/goldenami/packer-plugin-golden/internal/imagecopy"
)

// shareImages gives ami_users, ami_org_arns and ami_ou_arns launch
// permission on every sealed image, and snapshot_users create-volume
// permission on its snapshots.
func (r *run) shareImages(ctx context.Context) error {
	launch := r.launchPermissions()
	if len(launch) == 0 && len(r.cfg.SnapshotUsers) == 0 {
		return nil
	}
	errs := make([]error, len(r.copies))
	var wg sync.WaitGroup
	for i, cp := range r.copies {
		wg.Go(func() { errs[i] = r.share(ctx, cp, launch) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

func (r *run) share(ctx context.Context, cp *imagecopy.Copy, launch []ec2types.LaunchPermission) error {
	api := r.aws.ec2(cp.Region)
	if len(launch) > 0 {
		_, err := api.ModifyImageAttribute(ctx, &ec2.ModifyImageAttributeInput{
			ImageId: aws.String(cp.Image.ID), LaunchPermission: &ec2types.LaunchPermissionModifications{Add: launch},
		})
		if err != nil {
			return fmt.Errorf("%s: sharing %s: %w", cp.Region, cp.Image.ID, err)
		}
	}
	if len(r.cfg.SnapshotUsers) == 0 {
		return nil
	}
	for _, s := range cp.Image.SnapshotIDs() {
		_, err := api.ModifySnapshotAttribute(ctx, &ec2.ModifySnapshotAttributeInput{
			SnapshotId: aws.String(s), Attribute: ec2types.SnapshotAttributeNameCreateVolumePermission,
			OperationType: ec2types.OperationTypeAdd, UserIds: r.cfg.SnapshotUsers,
		})
		if err != nil {
			return fmt.Errorf("%s: sharing snapshot %s: %w", cp.Region, s, err)
		}
	}
	r.ui.Say(fmt.Sprintf("%s: %s shared", cp.Region, cp.Image.ID))
	return nil
}

func (r *run) launchPermissions() []ec2types.LaunchPermission {
	var out []ec2types.LaunchPermission
	for _, u := range r.cfg.AMIUsers {
		out = append(out, ec2types.LaunchPermission{UserId: aws.String(u)})
	}
	for _, o := range r.cfg.AMIOrgARNs {
		out = append(out, ec2types.LaunchPermission{OrganizationArn: aws.String(o)})
	}
	for _, o := range r.cfg.AMIOUARNs {
		out = append(out, ec2types.LaunchPermission{OrganizationalUnitArn: aws.String(o)})
	}
	return out
}

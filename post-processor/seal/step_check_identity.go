package seal

import (
	"context"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// checkIdentity checks the credentials with STS, unless
// skip_credential_validation, and learns the account the images belong to.
func (r *run) checkIdentity(ctx context.Context) error {
	if r.cfg.SkipCredentialValidation {
		return nil
	}
	out, err := r.aws.sts(r.primary).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return fmt.Errorf("checking the AWS credentials with sts:GetCallerIdentity in %s: %w: "+
			"give credentials (profile, access_key, AWS_* variables, an instance role) or set skip_credential_validation", r.primary, err)
	}
	r.account = aws.ToString(out.Account)
	r.ui.Say(fmt.Sprintf("Sealing as %s", aws.ToString(out.Arn)))
	for _, field := range []struct {
		name string
		ids  *[]string
	}{{"ami_users", &r.cfg.AMIUsers}, {"snapshot_users", &r.cfg.SnapshotUsers}} {
		if slices.Contains(*field.ids, r.account) {
			r.ui.Say(fmt.Sprintf("%s lists %s, the account that owns the images: it has access already", field.name, r.account))
			*field.ids = slices.DeleteFunc(slices.Clone(*field.ids), func(id string) bool { return id == r.account })
		}
	}
	return nil
}

package seal

import (
	"context"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
)

// checkKeyPolicies warns, when the images are shared, for each key whose
// policy does not let every grantee use it, with the statement to add.
func (r *run) checkKeyPolicies(ctx context.Context) error {
	grantees := r.cfg.grantees()
	if len(grantees) == 0 {
		return nil
	}
	var wg sync.WaitGroup
	for _, region := range r.targets() {
		k := r.keys[region]
		wg.Go(func() {
			out, err := r.aws.kms(region).GetKeyPolicy(ctx, &kms.GetKeyPolicyInput{KeyId: aws.String(k.arn), PolicyName: aws.String("default")})
			if err != nil {
				r.ui.Error(fmt.Sprintf("Warning: %s: could not read the policy of kms key %s (%v): check that the accounts you share with may use it", region, k.arn, err))
				return
			}
			missing, err := missingGrants(aws.ToString(out.Policy), grantees)
			if err != nil {
				r.ui.Error(fmt.Sprintf("Warning: %s: kms key %s: %v", region, k.arn, err))
			}
			for _, g := range missing {
				r.ui.Error(fmt.Sprintf("Warning: %s: the policy of kms key %s does not let %s use it, so it cannot launch the shared image: add the statement %s",
					region, k.arn, g, grantStatement(g)))
			}
		})
	}
	wg.Wait()
	return nil
}

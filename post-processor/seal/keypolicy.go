package seal

import (
	"encoding/json"
	"fmt"
	"path"
	"slices"
	"strings"
)

// sharedKeyActions are what another account needs of the key to launch an
// instance from a shared encrypted image or to create a volume from a
// shared encrypted snapshot.
// https://docs.aws.amazon.com/ebs/latest/userguide/ebs-modifying-snapshot-permissions.html
var sharedKeyActions = []string{"kms:CreateGrant", "kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:ReEncryptFrom"}

type policyDoc struct {
	Statement oneOrMany[statement]
}

type statement struct {
	Effect    string
	Principal principal
	Action    oneOrMany[string]
	Condition map[string]map[string]oneOrMany[string]
}

// principal is "*" or {"AWS": ...}.
type principal struct{ aws []string }

func (p *principal) UnmarshalJSON(b []byte) error {
	var star string
	if json.Unmarshal(b, &star) == nil {
		p.aws = []string{star}
		return nil
	}
	var m map[string]oneOrMany[string]
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	p.aws = m["AWS"]
	return nil
}

// oneOrMany is a JSON value written as one item or a list of them.
type oneOrMany[T any] []T

func (o *oneOrMany[T]) UnmarshalJSON(b []byte) error {
	var one T
	if json.Unmarshal(b, &one) == nil {
		*o = []T{one}
		return nil
	}
	var many []T
	if err := json.Unmarshal(b, &many); err != nil {
		return err
	}
	*o = many
	return nil
}

// grantee is an account, organization or unit the images are shared with.
type grantee struct {
	account string // 12 digits
	orgID   string // o-…
	ouPath  string // o-…/r-…/ou-… prefix match on aws:PrincipalOrgPaths; the OU id is enough here
}

func (g grantee) String() string {
	switch {
	case g.account != "":
		return "account " + g.account
	case g.ouPath != "":
		return "organizational unit " + g.ouPath
	}
	return "organization " + g.orgID
}

// missingGrants returns the grantees the key policy does not allow every
// action of sharedKeyActions. It reads Allow statements only and ignores
// conditions other than the organization ones, so it can miss a deny: its
// findings are warnings.
func missingGrants(policy string, grantees []grantee) ([]grantee, error) {
	var doc policyDoc
	if err := json.Unmarshal([]byte(policy), &doc); err != nil {
		return nil, fmt.Errorf("reading the key policy: %w", err)
	}
	var missing []grantee
	for _, g := range grantees {
		var allowed []string
		for _, s := range doc.Statement {
			if s.Effect != "Allow" || !s.covers(g) {
				continue
			}
			for _, want := range sharedKeyActions {
				if slices.ContainsFunc(s.Action, func(a string) bool { return actionMatches(a, want) }) {
					allowed = append(allowed, want)
				}
			}
		}
		for _, want := range sharedKeyActions {
			if !slices.Contains(allowed, want) {
				missing = append(missing, g)
				break
			}
		}
	}
	return missing, nil
}

func actionMatches(pattern, action string) bool {
	ok, err := path.Match(strings.ToLower(pattern), strings.ToLower(action))
	return err == nil && ok
}

func (s statement) covers(g grantee) bool {
	for _, p := range s.Principal.aws {
		switch {
		case p == "*":
			if g.account == "" {
				return s.conditionHas("aws:PrincipalOrgID", g.orgID) || (g.ouPath != "" && s.conditionContains("aws:PrincipalOrgPaths", g.ouPath))
			}
			return len(s.Condition) == 0
		case g.account != "" && (p == g.account || strings.Contains(p, ":iam::"+g.account+":")):
			return true
		}
	}
	return false
}

func (s statement) conditionHas(key, value string) bool {
	for _, kv := range s.Condition {
		for k, vs := range kv {
			if strings.EqualFold(k, key) && slices.Contains(vs, value) {
				return true
			}
		}
	}
	return false
}

func (s statement) conditionContains(key, part string) bool {
	for _, kv := range s.Condition {
		for k, vs := range kv {
			if strings.EqualFold(k, key) && slices.ContainsFunc(vs, func(v string) bool { return strings.Contains(v, part) }) {
				return true
			}
		}
	}
	return false
}

// grantStatement is the key policy statement that would give g what it lacks.
func grantStatement(g grantee) string {
	st := map[string]any{"Sid": "AllowSharedGoldenAMIs", "Effect": "Allow", "Action": sharedKeyActions, "Resource": "*"}
	switch {
	case g.account != "":
		st["Principal"] = map[string]string{"AWS": "arn:aws:iam::" + g.account + ":root"}
	case g.ouPath != "":
		st["Principal"] = map[string]string{"AWS": "*"}
		st["Condition"] = map[string]any{"ForAnyValue:StringLike": map[string]string{"aws:PrincipalOrgPaths": g.orgID + "/*/" + g.ouPath + "/*"}}
	default:
		st["Principal"] = map[string]string{"AWS": "*"}
		st["Condition"] = map[string]any{"StringEquals": map[string]string{"aws:PrincipalOrgID": g.orgID}}
	}
	b, _ := json.Marshal(st)
	return string(b)
}

// grantees are whom the images are shared with.
func (c *Config) grantees() []grantee {
	var out []grantee
	for _, a := range slices.Compact(slices.Sorted(slices.Values(slices.Concat(c.AMIUsers, c.SnapshotUsers)))) {
		out = append(out, grantee{account: a})
	}
	for _, arn := range c.AMIOrgARNs {
		out = append(out, grantee{orgID: arn[strings.LastIndex(arn, "/")+1:]})
	}
	for _, arn := range c.AMIOUARNs {
		parts := strings.Split(arn, "/") // arn:…:ou/o-ID/ou-ID
		out = append(out, grantee{orgID: parts[len(parts)-2], ouPath: parts[len(parts)-1]})
	}
	return out
}

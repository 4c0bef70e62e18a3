package kmssign

import (
	"errors"

	"github.com/aws/smithy-go"
)

// isAccessDenied reports an AWS authorization failure, whatever its code's spelling.
func isAccessDenied(err error) bool {
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return false
	}
	switch ae.ErrorCode() {
	case "AccessDeniedException", "AccessDenied", "UnauthorizedOperation":
		return true
	}
	return false
}

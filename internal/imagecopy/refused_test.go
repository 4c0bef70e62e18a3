package imagecopy

import (
	"errors"
	"net/http"
	"testing"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// answered is an EC2 error as the SDK returns it: a response error with the
// status, around an API error without a fault (EC2's protocol has none).
func answered(status int, code string) error {
	return &awshttp.ResponseError{ResponseError: &smithyhttp.ResponseError{
		Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status}},
		Err:      &smithy.GenericAPIError{Code: code, Message: code},
	}}
}

func TestRefused(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"access denied", answered(http.StatusForbidden, "UnauthorizedOperation"), true},
		{"a bad parameter", answered(http.StatusBadRequest, "InvalidParameterValue"), true},
		{"marked as the client's", apiErr("InvalidAMIID.NotFound", smithy.FaultClient), true},
		{"throttled", answered(http.StatusServiceUnavailable, "RequestLimitExceeded"), false},
		{"throttled with a 400", answered(http.StatusBadRequest, "Throttling"), false},
		{"a server error", answered(http.StatusInternalServerError, "InternalError"), false},
		{"a reset connection", errors.New("read: connection reset by peer"), false},
	}
	for _, tt := range tests {
		if got := refused(tt.err); got != tt.want {
			t.Errorf("%s: refused() = %v, want %v", tt.name, got, tt.want)
		}
	}
}

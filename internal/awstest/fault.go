package awstest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"time"
)

// Fault is what the proxy does instead of forwarding a call.
type Fault string

const (
	// FaultNone forwards the call, after the rule's Delay.
	FaultNone Fault = ""
	// FaultThrottle answers with the service's throttling error: EC2
	// RequestLimitExceeded (503), KMS/SSM ThrottlingException (400), S3 SlowDown
	// (503), STS/IAM Throttling (400).
	FaultThrottle Fault = "throttle"
	// FaultInternal answers with the service's 500 error (EC2/S3 InternalError,
	// KMS KMSInternalException, SSM InternalServerError, others InternalFailure).
	FaultInternal Fault = "internal"
	// FaultDenied answers as AWS does to a caller without permission: EC2
	// UnauthorizedOperation (403), KMS/SSM AccessDeniedException (400), S3/STS/IAM
	// AccessDenied (403).
	FaultDenied Fault = "denied"
	// FaultError answers with the rule's Code, Status and Message.
	FaultError Fault = "error"
	// FaultReset closes the connection with a TCP reset, answering nothing.
	FaultReset Fault = "reset"
	// FaultHang answers nothing until the client gives up or the proxy closes.
	FaultHang Fault = "hang"
	// FaultLost forwards the call, then closes the connection with a TCP
	// reset instead of the answer: the call took effect, the caller cannot
	// know it.
	FaultLost Fault = "lost"
)

// Rule says which calls the proxy delays or fails. Empty Service, Action or
// Region match any. The first rule that fires decides; a rule fires when it
// matches, is in its time window, has Times left, and wins its Probability draw.
type Rule struct {
	Service string `json:"service,omitempty"` // "ec2", "kms", "ssm", "s3", "sts"…
	Action  string `json:"action,omitempty"`  // "CopyImage", "Sign", "PutObject"…
	Region  string `json:"region,omitempty"`  // "eu-west-1"…

	Fault   Fault  `json:"fault,omitempty"`
	Code    string `json:"code,omitempty"`    // FaultError: the AWS error code
	Status  int    `json:"status,omitempty"`  // FaultError: the HTTP status (default 400)
	Message string `json:"message,omitempty"` // FaultError: the error message

	Delay       time.Duration `json:"-"`                     // latency added before the fault or the forward
	Probability float64       `json:"probability,omitempty"` // chance to fire when matched; 0 means 1
	Times       int           `json:"times,omitempty"`       // fire at most this often; 0: no limit
	After       time.Duration `json:"-"`                     // active from this long after the rule was set
	For         time.Duration `json:"-"`                     // ... for this long; 0: no end
}

// ruleJSON spells Rule's durations as Go duration strings ("250ms").
type ruleJSON struct {
	plainRule
	Delay string `json:"delay,omitempty"`
	After string `json:"after,omitempty"`
	For   string `json:"for,omitempty"`
}

type plainRule Rule

// MarshalJSON writes durations as Go duration strings.
func (r Rule) MarshalJSON() ([]byte, error) {
	j := ruleJSON{plainRule: plainRule(r)}
	for _, d := range []struct {
		s *string
		v time.Duration
	}{{&j.Delay, r.Delay}, {&j.After, r.After}, {&j.For, r.For}} {
		if d.v != 0 {
			*d.s = d.v.String()
		}
	}
	return json.Marshal(j)
}

// UnmarshalJSON reads durations as Go duration strings ("2s", "250ms").
func (r *Rule) UnmarshalJSON(b []byte) error {
	var j ruleJSON
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&j); err != nil {
		return fmt.Errorf("decoding a rule: %w", err)
	}
	*r = Rule(j.plainRule)
	for _, d := range []struct {
		name, s string
		v       *time.Duration
	}{{"delay", j.Delay, &r.Delay}, {"after", j.After, &r.After}, {"for", j.For, &r.For}} {
		if d.s == "" {
			continue
		}
		v, err := time.ParseDuration(d.s)
		if err != nil {
			return fmt.Errorf("rule %s: %w (write it like \"250ms\" or \"2s\")", d.name, err)
		}
		*d.v = v
	}
	return nil
}

// Validate says what is wrong with a rule.
func (r Rule) Validate() error {
	switch r.Fault {
	case FaultNone, FaultThrottle, FaultInternal, FaultDenied, FaultReset, FaultHang, FaultLost:
	case FaultError:
		if r.Code == "" {
			return fmt.Errorf("rule with fault %q needs a code, e.g. InvalidAMIID.NotFound", r.Fault)
		}
	default:
		return fmt.Errorf("unknown fault %q: use throttle, internal, denied, error, reset, hang, lost or none", r.Fault)
	}
	if r.Probability < 0 || r.Probability > 1 {
		return fmt.Errorf("rule probability %v is not within 0..1", r.Probability)
	}
	if r.Delay < 0 || r.After < 0 || r.For < 0 || r.Times < 0 {
		return fmt.Errorf("rule delay, after, for and times must not be negative")
	}
	return nil
}

// awsError is an error answer in one of AWS's protocols.
type awsError struct {
	Status        int
	Code, Message string
}

// protocols of the services the rig serves; others answer in JSON.
var protocols = map[string]string{
	"ec2": "ec2", "s3": "rest-xml", "sts": "query", "iam": "query", "kms": "json", "ssm": "json",
}

// faultError is the error a fault answers with for a service.
func faultError(r Rule, service string) awsError {
	const injected = " (injected by the awstest proxy)"
	p := protocols[service]
	switch r.Fault {
	case FaultThrottle:
		switch p {
		case "ec2":
			return awsError{503, "RequestLimitExceeded", "Request limit exceeded." + injected}
		case "rest-xml":
			return awsError{503, "SlowDown", "Please reduce your request rate." + injected}
		case "query":
			return awsError{400, "Throttling", "Rate exceeded" + injected}
		}
		return awsError{400, "ThrottlingException", "Rate exceeded" + injected}
	case FaultInternal:
		code := map[string]string{"ec2": "InternalError", "s3": "InternalError", "kms": "KMSInternalException", "ssm": "InternalServerError"}[service]
		if code == "" {
			code = "InternalFailure"
		}
		return awsError{500, code, "An internal error has occurred." + injected}
	case FaultDenied:
		switch p {
		case "ec2":
			return awsError{403, "UnauthorizedOperation", "You are not authorized to perform this operation." + injected}
		case "rest-xml", "query":
			return awsError{403, "AccessDenied", "Access Denied" + injected}
		}
		return awsError{400, "AccessDeniedException", "You are not authorized to perform this operation." + injected}
	}
	status := r.Status
	if status == 0 {
		status = http.StatusBadRequest
	}
	return awsError{status, r.Code, r.Message + injected}
}

// write answers w with e in service's protocol.
func (e awsError) write(w http.ResponseWriter, service, requestID string) {
	code, msg := html.EscapeString(e.Code), html.EscapeString(e.Message)
	var ctype, body string
	switch protocols[service] {
	case "ec2":
		ctype = "text/xml;charset=UTF-8"
		body = fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?>`+"\n"+
			`<Response><Errors><Error><Code>%s</Code><Message>%s</Message></Error></Errors><RequestID>%s</RequestID></Response>`, code, msg, requestID)
	case "rest-xml":
		ctype = "application/xml"
		body = fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?>`+"\n"+
			`<Error><Code>%s</Code><Message>%s</Message><RequestId>%s</RequestId></Error>`, code, msg, requestID)
	case "query":
		kind := "Sender"
		if e.Status >= 500 {
			kind = "Receiver"
		}
		ctype = "text/xml"
		body = fmt.Sprintf(`<ErrorResponse><Error><Type>%s</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>%s</RequestId></ErrorResponse>`, kind, code, msg, requestID)
	default:
		ctype = "application/x-amz-json-1.1"
		b, _ := json.Marshal(map[string]string{"__type": e.Code, "message": e.Message})
		body = string(b)
		w.Header().Set("X-Amzn-ErrorType", e.Code)
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("X-Amzn-RequestId", requestID)
	w.WriteHeader(e.Status)
	fmt.Fprint(w, body)
}

package awstest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
)

// loggedParams are the request parameters the call log keeps (for query
// protocols, the name before the first dot: TagSpecification.1.Tag.1.Key).
// A whitelist, so that secrets (UserData, Plaintext, Message, Value, bodies)
// never reach the log.
var loggedParams = map[string]bool{
	"AliasName": true, "Attribute": true, "ClientToken": true, "CopyImageTags": true,
	"DeprecateAt": true, "Description": true, "Encrypted": true, "Filter": true,
	"ImageId": true, "InstanceId": true, "InstanceType": true, "KeyId": true,
	"KeySpec": true, "KeyUsage": true, "KmsKeyId": true, "LaunchPermission": true,
	"MessageType": true, "Name": true, "Names": true, "OperationType": true,
	"Overwrite": true, "Owner": true, "ResourceId": true, "SigningAlgorithm": true,
	"SnapshotId": true, "SourceImageId": true, "SourceRegion": true, "Tag": true,
	"TagSpecification": true, "Tags": true, "TargetKeyId": true, "Type": true,
	"UserId": true,
}

// credentialScope matches the SigV4 scope: AKID/date/region/service/aws4_request.
var credentialScope = regexp.MustCompile(`Credential=[^/,\s]+/\d{8}/([^/]+)/([^/]+)/aws4_request`)

// request is what the proxy knows of an AWS call before forwarding it.
type request struct {
	Service, Region, Action string
	Params                  map[string]string
}

// parseRequest reads service, region, action and the logged parameters of r.
// It consumes and restores r.Body, except for S3, whose bodies are objects.
// Service is empty for requests that are not SigV4-signed.
func parseRequest(r *http.Request) (request, error) {
	var q request
	scope := credentialScope.FindStringSubmatch(r.Header.Get("Authorization"))
	if scope == nil {
		scope = credentialScope.FindStringSubmatch("Credential=" + r.URL.Query().Get("X-Amz-Credential"))
	}
	if scope == nil {
		return q, nil
	}
	q.Region, q.Service = scope[1], scope[2]
	q.Params = map[string]string{}
	if q.Service == "s3" {
		q.Action = s3Action(r, q.Params)
		return q, nil
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return q, fmt.Errorf("reading the request body: %w", err)
	}
	r.Body.Close()
	r.Body = io.NopCloser(bytes.NewReader(body))
	if target := r.Header.Get("X-Amz-Target"); target != "" {
		q.Action = target[strings.LastIndex(target, ".")+1:]
		jsonParams(body, q.Params)
		return q, nil
	}
	form, err := url.ParseQuery(string(body))
	if err != nil || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		form = url.Values{}
	}
	for k, v := range r.URL.Query() {
		form[k] = append(form[k], v...)
	}
	q.Action = form.Get("Action")
	if q.Action == "" {
		q.Action = r.Method + " " + r.URL.Path
	}
	for k, v := range form {
		if loggedParams[strings.SplitN(k, ".", 2)[0]] {
			q.Params[k] = strings.Join(v, ",")
		}
	}
	return q, nil
}

// jsonParams copies the logged top-level members of a JSON body into params.
func jsonParams(body []byte, params map[string]string) {
	var members map[string]json.RawMessage
	if json.Unmarshal(body, &members) != nil {
		return
	}
	for k, raw := range members {
		if !loggedParams[k] {
			continue
		}
		var s string
		if json.Unmarshal(raw, &s) == nil {
			params[k] = s
		} else {
			params[k] = string(raw)
		}
	}
}

// s3SubResources name S3 operations on a bucket or an object: GET ?tagging is
// GetObjectTagging or GetBucketTagging.
var s3SubResources = []string{"acl", "cors", "encryption", "lifecycle", "location", "policy", "tagging", "versioning", "website"}

// s3Action names the S3 operation of a path-style request and logs Bucket and Key.
func s3Action(r *http.Request, params map[string]string) string {
	bucket, key, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	if bucket != "" {
		params["Bucket"] = bucket
	}
	if key != "" {
		params["Key"] = key
	}
	q := r.URL.Query()
	verb := map[string]string{"GET": "Get", "PUT": "Put", "DELETE": "Delete", "HEAD": "Head", "POST": "Post"}[r.Method]
	switch {
	case bucket == "":
		return "ListBuckets"
	case q.Has("uploads"):
		return "CreateMultipartUpload"
	case q.Has("uploadId"):
		return map[string]string{"PUT": "UploadPart", "POST": "CompleteMultipartUpload", "DELETE": "AbortMultipartUpload", "GET": "ListParts"}[r.Method]
	case q.Has("delete") && r.Method == http.MethodPost:
		return "DeleteObjects"
	}
	noun := "Object"
	if key == "" {
		noun = "Bucket"
	}
	for _, sub := range s3SubResources {
		if q.Has(sub) {
			return verb + noun + strings.ToUpper(sub[:1]) + sub[1:]
		}
	}
	switch {
	case key != "" && r.Method == http.MethodPut && r.Header.Get("X-Amz-Copy-Source") != "":
		return "CopyObject"
	case key == "" && r.Method == http.MethodPut:
		return "CreateBucket"
	case key == "" && r.Method == http.MethodGet && q.Get("list-type") == "2":
		return "ListObjectsV2"
	case key == "" && r.Method == http.MethodGet:
		return "ListObjects"
	}
	return verb + noun
}

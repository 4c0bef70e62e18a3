package awstest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
)

const controlHelp = `awstest proxy control:
  GET    /_proxy/rules   the fault rules, in order
  POST   /_proxy/rules   append a rule or a JSON array of rules
  PUT    /_proxy/rules   replace the rules with a JSON array
  DELETE /_proxy/rules   remove every rule
  GET    /_proxy/calls   the call log, oldest first
  GET    /_proxy/started the calls begun, answered or not, oldest first
  DELETE /_proxy/calls   empty the call log
a rule: {"service":"ec2","action":"CopyImage","region":"eu-west-1","fault":"throttle",
         "delay":"250ms","probability":0.5,"times":2,"after":"1s","for":"10s"}
faults: throttle, internal, denied, error (with code, status, message), reset, hang, lost;
        none (or no fault) only delays.
`

// serveControl is the proxy's HTTP surface for shells and scripts.
func (p *Proxy) serveControl(w http.ResponseWriter, r *http.Request) {
	switch r.Method + " " + r.URL.Path {
	case "GET /_proxy/rules":
		writeJSON(w, http.StatusOK, p.Rules())
	case "POST /_proxy/rules", "PUT /_proxy/rules":
		rules, err := decodeRules(r.Body)
		if err == nil && r.Method == http.MethodPut {
			err = p.SetRules(rules...)
		} else if err == nil {
			err = p.AddRule(rules...)
		}
		if err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
			return
		}
		writeJSON(w, http.StatusOK, p.Rules())
	case "DELETE /_proxy/rules":
		p.SetRules()
		writeJSON(w, http.StatusOK, []Rule{})
	case "GET /_proxy/calls":
		writeJSON(w, http.StatusOK, p.Calls())
	case "GET /_proxy/started":
		writeJSON(w, http.StatusOK, p.Started())
	case "DELETE /_proxy/calls":
		p.ClearCalls()
		writeJSON(w, http.StatusOK, []Call{})
	default:
		http.Error(w, controlHelp, http.StatusNotFound)
	}
}

// decodeRules reads one rule or a JSON array of rules.
func decodeRules(body io.Reader) ([]Rule, error) {
	b, err := io.ReadAll(body)
	if err != nil {
		return nil, fmt.Errorf("reading the rules: %w", err)
	}
	b = bytes.TrimSpace(b)
	if !bytes.HasPrefix(b, []byte("[")) {
		b = append(append([]byte("["), b...), ']')
	}
	var rules []Rule
	if err := json.Unmarshal(b, &rules); err != nil {
		return nil, fmt.Errorf("decoding the rules: %w", err)
	}
	return rules, nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

package s3auth

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/ringside/ringside/internal/s3err"
)

// The policy document of a browser upload (POST Object, SigV4): its
// expiration and the conditions every form field must meet, as S3
// evaluates them.

// postPolicy is a parsed policy document.
type postPolicy struct {
	expiration time.Time
	conditions []postCondition
	// minSize and maxSize are the content-length-range, if any (maxSize
	// -1 when there is none).
	minSize, maxSize int64
}

// postCondition is one condition on a form field: an exact match or a
// prefix.
type postCondition struct {
	field  string // lower case, without the '$'
	value  string
	prefix bool   // starts-with rather than eq
	text   string // as the refusal quotes it
}

// policyInvalid is the refusal of a malformed policy document.
func policyInvalid(format string, args ...any) *s3err.Error {
	return s3err.New(s3err.InvalidPolicyDocument, "Invalid Policy: "+format, args...)
}

// policyDenied is the refusal of a form the policy does not allow.
func policyDenied(format string, args ...any) *s3err.Error {
	return s3err.New(s3err.AccessDenied, "Invalid according to Policy: "+format, args...)
}

// parsePostPolicy decodes a base64 policy document and checks its form.
func parsePostPolicy(encoded string) (*postPolicy, *s3err.Error) {
	if strings.TrimSpace(encoded) == "" {
		return nil, policyInvalid("Expecting '{' but found End-of-Input")
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(encoded))
	if err != nil {
		return nil, policyInvalid("invalid Base64 encoding.")
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, policyInvalid("Invalid JSON.")
	}
	for k := range doc {
		if k != "expiration" && k != "conditions" {
			return nil, policyInvalid("Unexpected: %q", k)
		}
	}
	p := &postPolicy{maxSize: -1}
	var exp string
	if doc["expiration"] == nil {
		return nil, policyInvalid("Policy missing expiration.")
	}
	if json.Unmarshal(doc["expiration"], &exp) != nil {
		return nil, policyInvalid("Invalid JSON.")
	}
	if p.expiration, err = time.Parse(time.RFC3339Nano, exp); err != nil {
		return nil, policyInvalid("Invalid 'expiration' value: '%s'", exp)
	}
	if doc["conditions"] == nil {
		return nil, policyInvalid("Policy missing conditions.")
	}
	var conds []json.RawMessage
	if json.Unmarshal(doc["conditions"], &conds) != nil {
		return nil, policyInvalid("Invalid 'conditions' value: must be a List.")
	}
	for _, c := range conds {
		if e := p.addCondition(c); e != nil {
			return nil, e
		}
	}
	return p, nil
}

// addCondition parses one condition: {"field": "value"}, ["eq", "$field",
// "value"], ["starts-with", "$field", "prefix"] or
// ["content-length-range", min, max].
func (p *postPolicy) addCondition(raw json.RawMessage) *s3err.Error {
	var obj map[string]json.RawMessage
	if json.Unmarshal(raw, &obj) == nil && obj != nil {
		if len(obj) != 1 {
			return policyInvalid("Invalid Simple-Condition: Simple-Conditions must have exactly one property specified.")
		}
		for field, v := range obj {
			var value string
			if json.Unmarshal(v, &value) != nil {
				return policyInvalid("Invalid Simple-Condition: value must be a string.")
			}
			field = strings.ToLower(strings.TrimPrefix(field, "$"))
			p.conditions = append(p.conditions, postCondition{field: field, value: value,
				text: `["eq", "$` + field + `", "` + value + `"]`})
		}
		return nil
	}
	var arr []json.RawMessage
	if json.Unmarshal(raw, &arr) != nil {
		return policyInvalid("Invalid condition test: must be a List or Object.")
	}
	var op string
	if len(arr) == 0 || json.Unmarshal(arr[0], &op) != nil {
		return policyInvalid("Invalid Condition: missing operation identifier.")
	}
	if len(arr) != 3 {
		return policyInvalid("Invalid %s: wrong number of arguments.", op)
	}
	switch op = strings.ToLower(op); op {
	case "eq", "starts-with":
		var ref string
		value, ok := scalar(arr[2])
		if json.Unmarshal(arr[1], &ref) != nil || !ok {
			return policyInvalid("Invalid JSON.")
		}
		if len(ref) < 2 || ref[0] != '$' {
			return policyDenied("Policy Condition failed: %s", compact(raw))
		}
		p.conditions = append(p.conditions, postCondition{field: strings.ToLower(ref[1:]), value: value,
			prefix: op == "starts-with", text: compact(raw)})
	case "content-length-range":
		lo, ok1 := integer(arr[1])
		hi, ok2 := integer(arr[2])
		if !ok1 || !ok2 {
			return policyInvalid("Invalid JSON.")
		}
		if lo < 0 || hi < lo {
			return policyInvalid("Invalid content-length-range: %s", compact(raw))
		}
		p.minSize, p.maxSize = max(p.minSize, lo), hi
	default:
		return policyInvalid("Invalid Condition: unknown operation '%s'.", op)
	}
	return nil
}

// compact is a condition as JSON without the spaces the client wrote.
func compact(raw json.RawMessage) string {
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return string(raw)
	}
	return b.String()
}

// scalar reads a JSON string or number as a string.
func scalar(raw json.RawMessage) (string, bool) {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s, true
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String(), true
	}
	return "", false
}

// integer reads a JSON integer, or a string holding one, as S3 accepts.
func integer(raw json.RawMessage) (int64, bool) {
	s, ok := scalar(raw)
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

// exemptFields need no condition: the signature's own fields, the file,
// and the fields a form marks as ignored.
func exemptField(name string) bool {
	return name == "policy" || name == "x-amz-signature" || name == "file" ||
		strings.HasPrefix(name, "x-ignore-")
}

// check evaluates the policy on the form's fields (lower-case names) for
// an upload to bucket, at now. Every field must be named by a condition
// and every condition must hold; a field a condition names but the form
// lacks reads as empty, so that ["starts-with", "$field", ""] allows it
// to be left out.
func (p *postPolicy) check(fields map[string]string, bucket string, now time.Time) *s3err.Error {
	if now.After(p.expiration) {
		return policyDenied("Policy expired.")
	}
	covered := map[string]bool{}
	for _, c := range p.conditions {
		covered[c.field] = true
	}
	// A policy that does not name the bucket would let a form signed for
	// one bucket upload to any other.
	if !covered["bucket"] {
		return policyDenied("Extra input fields: bucket")
	}
	for name := range fields {
		if !exemptField(name) && !covered[name] && name != "bucket" {
			return policyDenied("Extra input fields: %s", name)
		}
	}
	for _, c := range p.conditions {
		got := fields[c.field]
		if c.field == "bucket" {
			got = bucket
		}
		if !c.holds(got) {
			return policyDenied("Policy Condition failed: %s", c.text)
		}
	}
	return nil
}

// holds reports whether the field value v meets the condition. A
// Content-Type may list several types, each of which must start with the
// prefix.
func (c postCondition) holds(v string) bool {
	if !c.prefix {
		return v == c.value
	}
	if c.field == "content-type" {
		for part := range strings.SplitSeq(v, ",") {
			if !strings.HasPrefix(strings.TrimSpace(part), c.value) {
				return false
			}
		}
		return true
	}
	return strings.HasPrefix(v, c.value)
}

package deploy

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// iamActions are the IAM actions each S3 operation ringside's backend
// client sends needs, on the bucket ("bucket") or on its objects.
var iamActions = map[string]struct {
	onBucket bool
	actions  []string
}{
	"HeadBucket":              {true, []string{"s3:ListBucket"}},
	"GetBucketVersioning":     {true, []string{"s3:GetBucketVersioning"}},
	"ListObjectVersions":      {true, []string{"s3:ListBucketVersions"}},
	"ListMultipartUploads":    {true, []string{"s3:ListBucketMultipartUploads"}},
	"PutObject":               {false, []string{"s3:PutObject"}},
	"CreateMultipartUpload":   {false, []string{"s3:PutObject"}},
	"UploadPart":              {false, []string{"s3:PutObject"}},
	"CompleteMultipartUpload": {false, []string{"s3:PutObject"}},
	"AbortMultipartUpload":    {false, []string{"s3:AbortMultipartUpload"}},
	"ListParts":               {false, []string{"s3:ListMultipartUploadParts"}},
	// Copies read their source, by version when the bucket is versioned.
	"CopyObject":          {false, []string{"s3:PutObject", "s3:GetObject", "s3:GetObjectVersion"}},
	"UploadPartCopy":      {false, []string{"s3:PutObject", "s3:GetObject", "s3:GetObjectVersion"}},
	"GetObject":           {false, []string{"s3:GetObject", "s3:GetObjectVersion"}},
	"HeadObject":          {false, []string{"s3:GetObject", "s3:GetObjectVersion"}},
	"DeleteObject":        {false, []string{"s3:DeleteObject", "s3:DeleteObjectVersion"}},
	"GetObjectTagging":    {false, []string{"s3:GetObjectTagging", "s3:GetObjectVersionTagging"}},
	"PutObjectTagging":    {false, []string{"s3:PutObjectTagging", "s3:PutObjectVersionTagging"}},
	"DeleteObjectTagging": {false, []string{"s3:DeleteObjectTagging", "s3:DeleteObjectVersionTagging"}},
}

// backendOperations are the S3 operations the backend package sends: SDK
// calls (c.s3.X) and its own requests (op: "X", withOperation(ctx, "X")).
func backendOperations(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(repoRoot, "backend", "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`c\.s3\.([A-Z][A-Za-z]*)\(|\bop:\s+"([A-Z][A-Za-z]*)"|withOperation\(ctx, "([A-Z][A-Za-z]*)"\)`)
	seen := map[string]bool{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(raw), -1) {
			seen[m[1]+m[2]+m[3]] = true
		}
	}
	var ops []string
	for op := range seen {
		ops = append(ops, op)
	}
	sort.Strings(ops)
	if len(ops) < 10 {
		t.Fatalf("only %d backend operations found (%v): the scan misses the client's calls", len(ops), ops)
	}
	return ops
}

type policy struct {
	Version   string `json:"Version"`
	Statement []struct {
		Effect    string          `json:"Effect"`
		Action    json.RawMessage `json:"Action"`
		Resource  json.RawMessage `json:"Resource"`
		Condition json.RawMessage `json:"Condition"`
	} `json:"Statement"`
}

// grants reads a policy file into action -> resources it is allowed on.
func grants(t *testing.T, name string) map[string][]string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(repoRoot, "deploy", "iam", name))
	if err != nil {
		t.Fatal(err)
	}
	var p policy
	if err := json.Unmarshal(raw, &p); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if p.Version != "2012-10-17" || len(p.Statement) == 0 {
		t.Fatalf("%s: want Version 2012-10-17 and statements", name)
	}
	out := map[string][]string{}
	for i, s := range p.Statement {
		if s.Effect != "Allow" {
			t.Errorf("%s: statement %d: Effect %q", name, i, s.Effect)
		}
		actions, resources := stringOrList(t, s.Action), stringOrList(t, s.Resource)
		if len(actions) == 0 || len(resources) == 0 {
			t.Errorf("%s: statement %d has no action or no resource", name, i)
		}
		for _, a := range actions {
			out[a] = append(out[a], resources...)
		}
	}
	return out
}

func stringOrList(t *testing.T, raw json.RawMessage) []string {
	t.Helper()
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return []string{one}
	}
	var many []string
	if err := json.Unmarshal(raw, &many); err != nil {
		t.Fatalf("%s: neither a string nor a list of strings", raw)
	}
	return many
}

// TestIAMPoliciesCoverTheBackendCalls checks the shipped policies grant
// every action the backend client's operations need, on the right kind of
// resource, and nothing else.
func TestIAMPoliciesCoverTheBackendCalls(t *testing.T) {
	need := map[string]bool{} // action -> on the bucket
	for _, op := range backendOperations(t) {
		m, ok := iamActions[op]
		if !ok {
			t.Errorf("backend sends %s, which deploy/iam does not cover: add its IAM actions here and to the policies", op)
			continue
		}
		for _, a := range m.actions {
			need[a] = m.onBucket
		}
	}
	for _, name := range []string{"prefix-bucket-policy.json", "mirror-bucket-policy.json"} {
		got := grants(t, name)
		for a, onBucket := range need {
			if len(got[a]) == 0 {
				t.Errorf("%s does not grant %s", name, a)
			}
			for _, r := range got[a] {
				if isBucketARN := !strings.Contains(r, "/"); isBucketARN != onBucket {
					t.Errorf("%s grants %s on %s, want it on the %s", name, a, r, map[bool]string{true: "bucket", false: "objects"}[onBucket])
				}
			}
		}
		for a := range got {
			if _, ok := need[a]; !ok {
				t.Errorf("%s grants %s, which no backend call needs", name, a)
			}
		}
	}
	for _, name := range []string{"feed-minio-listen-policy.json", "feed-s3-connector-raft-log-policy.json"} {
		if len(grants(t, name)) == 0 {
			t.Errorf("%s grants nothing", name)
		}
	}
}

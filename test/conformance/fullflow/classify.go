package main

import (
	"fmt"
	"io"
	"regexp"
	"strings"
)

// The classes of a test that fails on a target other than the reference.
const (
	// classDesign: what ringside does not do by design: ACLs, bucket
	// policies, IAM users and owner controls (one credential set, private
	// buckets), and a no-prefix location holding one gateway bucket.
	classDesign = "a-design"
	// classBackend: it fails on the reference (MinIO directly) too.
	classBackend = "b-backend"
	// classGap: it passes on the reference and not through ringside.
	classGap = "c-gap"
)

var (
	// byDesign names the tests of features ringside leaves out on
	// purpose (README, "S3 operations").
	byDesign = regexp.MustCompile(`Acl|ACL|Policy|IAM|Ownership|AccessControl|PublicBucket|as_user|as_admin|[Oo]wner`)
	// designErrors are answers that come from those choices: the suite's
	// IAM tests run "versitygw admin" to create users, and a no-prefix
	// location refuses a second gateway bucket.
	designErrors = regexp.MustCompile(`exit status 1|is a no-prefix location already used by bucket`)
)

// families sort tests by the S3 feature they exercise; the first match
// wins.
var families = []struct {
	name string
	re   *regexp.Regexp
}{
	{"access control (ACL, policy, IAM, owner)", byDesign},
	{"POST object", regexp.MustCompile(`^PostObject`)},
	{"object lock", regexp.MustCompile(`ObjectLock|Retention|LegalHold|WORM|object_lock|bucket_lock|retain|legal_hold`)},
	{"conditional requests", regexp.MustCompile(`(?i)if_match|if_none_match|conditional|precondition|if_modified|if_unmodified`)},
	{"parts", regexp.MustCompile(`part_number|mp_part|ObjectParts`)},
	{"addressing and routing", regexp.MustCompile(`^Router|host_style|virtual`)},
	{"request validation (presigned, signature, arguments)", regexp.MustCompile(`^PresignedAuth|^Authentication|StreaminP?g?Payload|StreamingPayload|invalid_bucket_name|invalid_canned_acl|invalid_attrs|invalid_single_attribute|invalid_directive`)},
	{"location constraint/region", regexp.MustCompile(`(?i)location_constraint|GetBucketLocation|region`)},
	{"versioned copy/delete", regexp.MustCompile(`ListObjectVersions|Versioning|[Vv]ersion_?[Ii]d|versioned`)},
	{"bucket tagging", regexp.MustCompile(`BucketTagging`)},
	{"CORS and website", regexp.MustCompile(`Cors|Website|OPTIONS`)},
	{"checksums and digests", regexp.MustCompile(`(?i)checksum|md5|crc|sha256|digest`)},
	{"metadata", regexp.MustCompile(`(?i)metadata|content_type|UTF8|special_chars|website_redirect`)},
}

func family(test, class string) string {
	if class == classDesign {
		return families[0].name
	}
	for _, f := range families {
		if f.re.MatchString(test) {
			return f.name
		}
	}
	return "other"
}

func classify(test string, ref, got result) string {
	switch {
	case byDesign.MatchString(test) || designErrors.MatchString(got.Error):
		return classDesign
	case ref.Result != "pass":
		return classBackend
	}
	return classGap
}

var noise = regexp.MustCompile(`test-bucket-\d+|RequestID: [^,]*, HostID: [^,]*, |0x[0-9a-f]+|\d{4}-\d\d-\d\d[ T][0-9:.]+( \+0000 UTC)?`)

// sameFailure says whether two failures read the same once request IDs,
// bucket names, pointers and times are left out: a b-backend test that
// fails differently through ringside may hide a gap behind the backend's.
func sameFailure(a, b string) bool {
	return noise.ReplaceAllString(a, "#") == noise.ReplaceAllString(b, "#")
}

// writeFailures writes, for every test that fails on a target other than
// the reference, its class, family and both answers.
func writeFailures(w io.Writer, targets []target) {
	fmt.Fprintln(w, "test\ttarget\tclass\tfamily\tdetail\tsame_as_reference\treference_result\treference_error\ttarget_result\ttarget_error")
	ref := targets[0]
	for _, t := range targets[1:] {
		for _, name := range ref.order {
			got, ok := t.results[name]
			if !ok || got.Result == "pass" {
				continue
			}
			want := ref.results[name]
			class := classify(name, want, got)
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%t\t%s\t%s\t%s\t%s\n", name, t.label, class, family(name, class), detail(got.Error),
				want.Result != "pass" && sameFailure(want.Error, got.Error), want.Result, oneLine(want.Error), got.Result, oneLine(got.Error))
		}
	}
}

// detail says how far the answer is from the expected one: the suite
// checks an error's status, then its code, then its message text, then
// extra fields (AWSAccessKeyId, ServerTime...).
func detail(err string) string {
	switch {
	case strings.Contains(err, "expected error message to be"):
		return "message-text-only"
	case errorField.MatchString(err):
		return "error-field-only"
	}
	return ""
}

var errorField = regexp.MustCompile(`expected error [A-Z][A-Za-z0-9]+ to be`)

func oneLine(s string) string {
	s = noise.ReplaceAllStringFunc(s, func(m string) string {
		if strings.HasPrefix(m, "RequestID") {
			return ""
		}
		return m
	})
	return strings.NewReplacer("\t", " ", "\n", " ", "\r", " ").Replace(s)
}

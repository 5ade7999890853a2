package main

import "testing"

func TestClassify(t *testing.T) {
	pass := result{Result: "pass"}
	fail := func(e string) result { return result{Result: "fail", Error: e} }
	for _, tc := range []struct {
		test     string
		ref, got result
		want     string
	}{
		{"PutBucketAcl_success_grants", fail("x"), fail("NotImplemented"), classDesign},
		{"PutBucketOwnershipControls_empty_rules", pass, fail("501"), classDesign},
		{"CreateBucket_existing_bucket", fail("exit status 1"), fail("CreateBucket_existing_bucket: exit status 1"), classDesign},
		{"CopyObject_success", pass, fail("api error InvalidLocationConstraint: Location l is a no-prefix location already used by bucket b"), classDesign},
		{"GetObject_with_range", fail("x"), fail("y"), classBackend},
		{"PostObject_success", pass, fail("expected status 204, instead got 403"), classGap},
		// An invalid canned ACL is input validation, not the ACL feature.
		{"CreateBucket_invalid_canned_acl", pass, fail("expected InvalidArgument, instead got NotImplemented"), classGap},
	} {
		if got := classify(tc.test, tc.ref, tc.got); got != tc.want {
			t.Errorf("classify(%s) = %s, want %s", tc.test, got, tc.want)
		}
	}
}

func TestFamily(t *testing.T) {
	for _, tc := range []struct{ test, class, want string }{
		{"CreateBucket_existing_bucket", classDesign, "access control (ACL, policy, IAM, owner)"},
		{"PostObject_success", classGap, "POST object"},
		{"PutObject_missing_bucket_lock", classGap, "object lock"},
		{"GetObject_mp_part_number_success", classGap, "parts"},
		{"PresignedAuth_missing_date_query", classGap, "request validation (presigned, signature, arguments)"},
		{"Authentication_unsupported_signature_version", classBackend, "request validation (presigned, signature, arguments)"},
		{"PutObject_invalid_website_redirect_location", classBackend, "metadata"},
		{"CreateBucket_invalid_location_constraint", classBackend, "location constraint/region"},
		{"PutBucketTagging_success", classGap, "bucket tagging"},
		{"PutBucketCors_invalid_header", classBackend, "CORS and website"},
		{"ListMultipartUploads_empty_result", classGap, "other"},
	} {
		if got := family(tc.test, tc.class); got != tc.want {
			t.Errorf("family(%s) = %q, want %q", tc.test, got, tc.want)
		}
	}
}

func TestDetailAndSameFailure(t *testing.T) {
	for _, tc := range []struct{ err, want string }{
		{"expected error message to be A., instead got A", "message-text-only"},
		{"expected error AWSAccessKeyId to be k, instead got ", "error-field-only"},
		{"expected error code to be InvalidArgument, instead got NotImplemented", ""},
	} {
		if got := detail(tc.err); got != tc.want {
			t.Errorf("detail(%q) = %q, want %q", tc.err, got, tc.want)
		}
	}
	a := "T: failed to delete the bucket: operation error S3: DeleteBucket, https response error StatusCode: 409, RequestID: 18EE, HostID: b2a6, api error BucketNotEmpty: test-bucket-528"
	b := "T: failed to delete the bucket: operation error S3: DeleteBucket, https response error StatusCode: 409, RequestID: 0000, HostID: MDAw, api error BucketNotEmpty: test-bucket-7"
	if !sameFailure(a, b) {
		t.Errorf("failures that differ by request ID and bucket name should read the same")
	}
	if sameFailure("expected 400, instead got 403", "expected 400, instead got 501") {
		t.Errorf("failures with different answers should differ")
	}
}

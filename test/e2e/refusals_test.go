package e2e

// Issue 2's refusals: each gets the S3 error a client expects and changes
// nothing, neither on the gateway nor on the backend.

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/ringside/ringside/test/testenv"
)

func TestRefusals(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, be *Backend) {
		ctx := context.Background()
		gw := startGateway(t, GatewayOptions{})
		awsGW := newAWSCLI(t, gw.S3URL, gwAccessKey, gwSecretKey)

		npTarget := be.NewBucket(t, "refuse-np", true)
		pTarget := be.NewBucket(t, "refuse-p", true)
		unvTarget := be.NewBucket(t, "refuse-unv", false)
		mTarget := be.NewBucket(t, "refuse-m", true)
		gw.AddLocation("ring-np", be, npTarget, true)
		gw.AddLocation("ring-p", be, pTarget, false)
		gw.AddLocation("ring-unv", be, unvTarget, true)
		gw.AddLocation("ring-m", be, mTarget, true)
		// Something on each target, so that "untouched" means something.
		for _, b := range []string{npTarget, pTarget, unvTarget, mTarget} {
			if _, err := put(ctx, be.S3, b, "already/here.txt", []byte("old"), "text/plain", nil); err != nil {
				t.Fatalf("seed %s: %v", b, err)
			}
		}
		before := snapshotBackend(t, be, npTarget, pTarget, unvTarget, mTarget)

		awsGW.Must("s3api", "create-bucket", "--bucket", "first", "--create-bucket-configuration", "LocationConstraint=ring-np")
		awsGW.Must("s3api", "create-bucket", "--bucket", "mirrored", "--create-bucket-configuration", "LocationConstraint=ring-m:ingest")
		wantBuckets := []string{"first", "mirrored"}
		gw.WaitMirrorIdle("mirrored", 30*time.Second)

		refusals := []struct {
			name string
			args []string
			code string
		}{
			{"unknown location", createArgs("nowhere", "atlantis"), "InvalidLocationConstraint"},
			{"unknown location in mirror mode", createArgs("nowhere", "atlantis:ingest"), "InvalidLocationConstraint"},
			{"no constraint and no default location", []string{"s3api", "create-bucket", "--bucket", "plain"}, "InvalidLocationConstraint"},
			{"mirror on a prefix location", createArgs("mirror-p", "ring-p:ingest"), codeMirrorNeedsNoPrefix},
			{"mirror on an unversioned backend bucket", createArgs("mirror-unv", "ring-unv:ingest"), codeMirrorNeedsVersioning},
			{"second bucket on a no-prefix location", createArgs("second", "ring-np"), codeNoPrefixTaken},
			{"second bucket on a no-prefix location, mirror mode", createArgs("second", "ring-np:ingest"), codeNoPrefixTaken},
			{"second bucket on a mirror bucket's location", createArgs("second", "ring-m"), codeNoPrefixTaken},
			{"suspend versioning of a mirror bucket", []string{"s3api", "put-bucket-versioning", "--bucket", "mirrored",
				"--versioning-configuration", "Status=Suspended"}, codeSuspendMirror},
		}
		for _, r := range refusals {
			if code := awsGW.Fails(r.args...); code != r.code {
				t.Errorf("%s: error code %s, want %s", r.name, code, r.code)
			}
			checkBuckets(t, gw, nil, wantBuckets)
		}

		// The same refusals from the CLI.
		for _, args := range [][]string{
			{"bucket", "create", "nowhere", "--location", "atlantis"},
			{"bucket", "create", "mirror-p", "--location", "ring-p", "--mirror"},
			{"bucket", "create", "mirror-unv", "--location", "ring-unv", "--mirror"},
			{"bucket", "create", "second", "--location", "ring-np"},
		} {
			if out, err := gw.CLI(args...); err == nil {
				t.Errorf("ringside %s succeeded, want a refusal:\n%s", strings.Join(args, " "), out)
			}
		}
		checkBuckets(t, gw, awsGW, wantBuckets)

		var v struct{ Status string }
		awsGW.JSON(&v, "s3api", "get-bucket-versioning", "--bucket", "mirrored")
		if v.Status != "Enabled" {
			t.Errorf("mirror bucket versioning after the refused suspension: %q, want Enabled", v.Status)
		}
		if after := snapshotBackend(t, be, npTarget, pTarget, unvTarget, mTarget); after != before {
			t.Errorf("the refusals changed the backend:\nbefore: %s\nafter:  %s", before, after)
		}

		// A bucket that still holds versions is not deleted, even with no
		// current object; once every version is gone it is, and its
		// location can then be removed, while one in use cannot.
		out, err := put(ctx, gw.S3, "first", "k.txt", []byte("v"), "text/plain", nil)
		if err != nil {
			t.Fatal(err)
		}
		dm, err := gw.S3.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("first"), Key: aws.String("k.txt")})
		if err != nil {
			t.Fatal(err)
		}
		if _, stderr, err := awsGW.Run("s3api", "delete-bucket", "--bucket", "first"); err == nil {
			t.Errorf("delete-bucket of a bucket holding an old version and a delete marker succeeded, want BucketNotEmpty")
		} else {
			if code := errorCode(stderr); code != "BucketNotEmpty" {
				t.Errorf("delete of a bucket holding only an old version and a delete marker: %s, want BucketNotEmpty", code)
			}
			checkBuckets(t, gw, nil, wantBuckets)
			for _, id := range []*string{dm.VersionId, out.VersionId} {
				if _, err := gw.S3.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("first"), Key: aws.String("k.txt"), VersionId: id}); err != nil {
					t.Fatalf("delete version %s: %v", aws.ToString(id), err)
				}
			}
			if out, err := gw.CLI("location", "remove", "ring-np"); err == nil {
				t.Errorf("location remove of a location bucket first uses succeeded:\n%s", out)
			}
			awsGW.Must("s3api", "delete-bucket", "--bucket", "first")
			checkBuckets(t, gw, awsGW, []string{"mirrored"})
			gw.MustCLI("location", "remove", "ring-np")
			if out, err := gw.CLI("location", "show", "ring-np"); err == nil {
				t.Errorf("location show of a removed location succeeded:\n%s", out)
			}
			if after := snapshotBackend(t, be, npTarget, pTarget, unvTarget, mTarget); after != before {
				t.Errorf("deleting a gateway bucket and its location changed the backend:\nbefore: %s\nafter:  %s", before, after)
			}
		}
		if out, err := gw.CLI("location", "remove", "ring-m"); err == nil {
			t.Errorf("location remove of the location of mirror bucket mirrored succeeded:\n%s", out)
		}

		t.Run("location validation", func(t *testing.T) {
			locationRefusals(t, gw, be, pTarget)
		})
	})
}

// The codes ringside answers for its own rules.
const (
	codeMirrorNeedsNoPrefix   = "InvalidLocationConstraint"
	codeMirrorNeedsVersioning = "InvalidBucketState"
	codeNoPrefixTaken         = "InvalidLocationConstraint"
	codeSuspendMirror         = "InvalidBucketState"
)

func createArgs(bucket, constraint string) []string {
	return []string{"s3api", "create-bucket", "--bucket", bucket, "--create-bucket-configuration", "LocationConstraint=" + constraint}
}

// checkBuckets checks that the S3 listing and the CLI's show exactly want.
// The S3 listing is read with aws-cli if awsGW is set, else with the SDK,
// which is quicker for the checks after each refusal.
func checkBuckets(t *testing.T, gw *Gateway, awsGW *AWSCLI, want []string) {
	t.Helper()
	var names []string
	if awsGW != nil {
		var l struct{ Buckets []struct{ Name string } }
		awsGW.JSON(&l, "s3api", "list-buckets")
		for _, b := range l.Buckets {
			names = append(names, b.Name)
		}
	} else {
		l, err := gw.S3.ListBuckets(context.Background(), &s3.ListBucketsInput{})
		if err != nil {
			t.Fatalf("list buckets: %v", err)
		}
		for _, b := range l.Buckets {
			names = append(names, aws.ToString(b.Name))
		}
	}
	slices.Sort(names)
	if !slices.Equal(names, want) {
		t.Errorf("list-buckets: %v, want %v", names, want)
	}
	var cli []struct{ Name string }
	raw := gw.MustCLI("bucket", "list", "--json")
	if err := json.Unmarshal([]byte(raw), &cli); err != nil {
		t.Fatalf("decode bucket list --json: %v\n%s", err, raw)
	}
	names = names[:0]
	for _, b := range cli {
		names = append(names, b.Name)
	}
	slices.Sort(names)
	if !slices.Equal(names, want) {
		t.Errorf("ringside bucket list: %v, want %v", names, want)
	}
}

// snapshotBackend describes the backend buckets: every version and the
// versioning state.
func snapshotBackend(t *testing.T, be *Backend, buckets ...string) string {
	t.Helper()
	ctx := context.Background()
	var b strings.Builder
	for _, name := range buckets {
		l, err := listVersions(ctx, be.S3, name, "", "", 1000)
		if err != nil {
			t.Fatalf("snapshot %s: %v", name, err)
		}
		v, err := be.S3.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: aws.String(name)})
		if err != nil {
			t.Fatalf("versioning of %s: %v", name, err)
		}
		fmt.Fprintf(&b, "%s[%s]: %v; ", name, v.Status, l.All())
	}
	return b.String()
}

// locationRefusals checks that `location add` refuses bad input, says what
// to fix, and stores nothing.
func locationRefusals(t *testing.T, gw *Gateway, be *Backend, target string) {
	before := gw.MustCLI("location", "list", "--json")
	cases := []struct {
		name string
		args []string
		hint string // a word the message must contain
	}{
		{"bad target bucket name", []string{"location", "add", "bad1", "--endpoint", be.URL, "--access-key", be.AccessKey,
			"--secret-key", be.SecretKey, "--bucket", "Not_A_Bucket"}, "bucket"},
		{"bad location name", []string{"location", "add", "bad name/x", "--endpoint", be.URL, "--access-key", be.AccessKey,
			"--secret-key", be.SecretKey, "--bucket", target}, "name"},
		{"bad endpoint", []string{"location", "add", "bad2", "--endpoint", "http://[::1", "--access-key", be.AccessKey,
			"--secret-key", be.SecretKey, "--bucket", target}, "endpoint"},
		{"unreachable endpoint", []string{"location", "add", "bad3", "--endpoint", "http://" + testenv.Addr(t), "--access-key", be.AccessKey,
			"--secret-key", be.SecretKey, "--bucket", target}, ""},
		{"wrong secret", []string{"location", "add", "bad4", "--endpoint", be.URL, "--access-key", be.AccessKey,
			"--secret-key", "wrong-secret-for-e2e", "--bucket", target}, ""},
		{"missing target bucket", []string{"location", "add", "bad5", "--endpoint", be.URL, "--access-key", be.AccessKey,
			"--secret-key", be.SecretKey, "--bucket", "no-such-bucket-e2e"}, "no-such-bucket-e2e"},
		{"duplicate name", []string{"location", "add", "ring-p", "--endpoint", be.URL, "--access-key", be.AccessKey,
			"--secret-key", be.SecretKey, "--bucket", target}, "ring-p"},
	}
	for _, c := range cases {
		out, err := gw.CLI(c.args...)
		if err == nil {
			t.Errorf("%s: location add succeeded, want a refusal:\n%s", c.name, out)
			continue
		}
		checkNoSecrets(t, c.name+" refusal", out)
		if strings.Contains(out, "wrong-secret-for-e2e") {
			t.Errorf("%s: the refusal repeats the secret key:\n%s", c.name, out)
		}
		if c.hint != "" && !strings.Contains(strings.ToLower(out), strings.ToLower(c.hint)) {
			t.Errorf("%s: the message does not mention %q:\n%s", c.name, c.hint, out)
		}
	}
	if after := gw.MustCLI("location", "list", "--json"); stableLocations(t, after) != stableLocations(t, before) {
		t.Errorf("refused location adds changed the location list:\nbefore: %s\nafter:  %s", before, after)
	}
}

// stableLocations is a `location list --json` without what changes on its
// own: the mirror's activity and the backend's health.
func stableLocations(t *testing.T, list string) string {
	t.Helper()
	var locs []map[string]any
	if err := json.Unmarshal([]byte(list), &locs); err != nil {
		t.Fatalf("location list --json: %v\n%s", err, list)
	}
	for _, l := range locs {
		delete(l, "mirroring")
		delete(l, "backend")
	}
	out, err := json.Marshal(locs)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

func TestDefaultLocation(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, be *Backend) {
		gw := startGateway(t, GatewayOptions{DefaultLocation: "ring-default"})
		target := be.NewBucket(t, "default", true)
		gw.AddLocation("ring-default", be, target, false)
		awsGW := newAWSCLI(t, gw.S3URL, gwAccessKey, gwSecretKey)
		awsGW.Must("s3api", "create-bucket", "--bucket", "plain")
		var b struct{ Location string }
		raw := gw.MustCLI("bucket", "show", "plain", "--json")
		if err := json.Unmarshal([]byte(raw), &b); err != nil || b.Location != "ring-default" {
			t.Errorf("bucket created with no constraint: %s (err %v), want location ring-default", raw, err)
		}
		if code := awsGW.Fails("s3api", "create-bucket", "--bucket", "other", "--create-bucket-configuration", "LocationConstraint=atlantis"); code != "InvalidLocationConstraint" {
			t.Errorf("unknown location with a default location set: %s, want InvalidLocationConstraint", code)
		}
	})
}

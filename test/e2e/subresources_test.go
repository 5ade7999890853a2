package e2e

// Issue 4's subresources: each configuration ringside does not serve is
// answered NotImplemented and changes nothing, neither through the
// gateway nor on the backend bucket (whose own configuration the gateway
// must not touch either); GET ?acl answers a private ACL.

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

// subresCase is one request for a subresource.
type subresCase struct {
	name string
	// probe is the subresource whose backend answer must not change;
	// object-level when onObject.
	probe    string
	onObject bool
	call     func(ctx context.Context, s *subresEnv) error
	// code is the S3 error expected, "" for success.
	code   string
	status int
}

type subresEnv struct {
	gw       *Gateway
	be       *Backend
	c        *s3.Client
	bucket   string
	beBucket string
	key      string
	version  string // the current version of key
	watch    stateWatch
}

func (s *subresEnv) b() *string { return aws.String(s.bucket) }
func (s *subresEnv) k() *string { return aws.String(s.key) }

const notImplemented = "NotImplemented"

func TestUnsupportedSubresources(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, be *Backend) {
		ctx := context.Background()
		s := newSubresEnv(t, be)
		before := s.watch.snapshot(t)
		gwBefore := s.gatewayView(t)
		for _, c := range subresCases() {
			t.Run(c.name, func(t *testing.T) {
				probeBefore := s.probe(t, c)
				err := c.call(ctx, s)
				code, status := sdkAnswer(err)
				if code != c.code || (c.code != "" && status != c.status) {
					t.Errorf("%s: %d %s (%s), want %d %s", c.name, status, code, errMessage(err), c.status, c.code)
				}
				if after := s.watch.snapshot(t); after != before {
					t.Errorf("%s changed the state:\n%s", c.name, diffLines(before, after))
				}
				if after := s.gatewayView(t); after != gwBefore {
					t.Errorf("%s changed what the gateway answers:\nbefore: %s\nafter:  %s", c.name, gwBefore, after)
				}
				if after := s.probe(t, c); after != probeBefore {
					t.Errorf("%s changed the backend's ?%s: %s, then %s", c.name, c.probe, probeBefore, after)
				}
			})
		}
		t.Run("GET acl is private", func(t *testing.T) {
			s.checkPrivateACLs(t)
		})
	})
}

func newSubresEnv(t *testing.T, be *Backend) *subresEnv {
	t.Helper()
	ctx := context.Background()
	s := &subresEnv{gw: startGateway(t, GatewayOptions{}), be: be, bucket: "subres", key: "doc.txt"}
	s.c = s.gw.S3
	s.beBucket = be.NewBucket(t, "subres", true)
	s.gw.AddLocation("ring", be, s.beBucket, true)
	if _, err := s.c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: s.b(), CreateBucketConfiguration: locationConfig("ring")}); err != nil {
		t.Fatalf("create bucket: %v", err)
	}
	if _, err := put(ctx, s.c, s.bucket, s.key, []byte("the first text"), "text/plain", map[string]string{"rev": "1"}); err != nil {
		t.Fatalf("seed: %v", err)
	}
	out, err := s.c.PutObject(ctx, &s3.PutObjectInput{Bucket: s.b(), Key: s.k(), Body: strings.NewReader("the second text"),
		ContentType: aws.String("text/markdown"), Metadata: map[string]string{"rev": "2"}, Tagging: aws.String("team=ring")})
	if err != nil {
		t.Fatalf("seed: %v", err)
	}
	s.version = aws.ToString(out.VersionId)
	configureBackendBucket(t, be, s.beBucket)
	s.watch = stateWatch{gw: s.gw, be: be, gwBucket: s.bucket, beBucket: s.beBucket}
	return s
}

// configureBackendBucket gives the backend bucket tags, a policy and a
// lifecycle rule of its own, where the backend has them: configuration a
// DELETE through the gateway must leave in place.
func configureBackendBucket(t *testing.T, be *Backend, bucket string) {
	t.Helper()
	ctx := context.Background()
	bb := aws.String(bucket)
	configure := []struct {
		what string
		call func() error
	}{
		{"tags", func() error {
			_, err := be.S3.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: bb,
				Tagging: &types.Tagging{TagSet: []types.Tag{{Key: aws.String("owner"), Value: aws.String("ring-team")}}}})
			return err
		}},
		{"policy", func() error {
			_, err := be.S3.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: bb, Policy: aws.String(fmt.Sprintf(
				`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["*"]},"Action":["s3:GetObject"],"Resource":["arn:aws:s3:::%s/published/*"]}]}`, bucket))})
			return err
		}},
		{"lifecycle", func() error {
			_, err := be.S3.PutBucketLifecycleConfiguration(ctx, &s3.PutBucketLifecycleConfigurationInput{Bucket: bb,
				LifecycleConfiguration: &types.BucketLifecycleConfiguration{Rules: []types.LifecycleRule{{
					ID: aws.String("tmp"), Status: types.ExpirationStatusEnabled, Filter: &types.LifecycleRuleFilter{Prefix: aws.String("tmp/")},
					Expiration: &types.LifecycleExpiration{Days: aws.Int32(30)}}}}})
			return err
		}},
	}
	for _, c := range configure {
		if err := c.call(); err != nil && errCode(err) != notImplemented {
			t.Fatalf("give the backend bucket %s: %v", c.what, err)
		}
	}
}

// gatewayView is what the gateway answers for the bucket and the object.
func (s *subresEnv) gatewayView(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	if _, err := s.c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: s.b()}); err != nil {
		return "HEAD bucket: " + err.Error()
	}
	h, err := s.c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: s.b(), Key: s.k()})
	if err != nil {
		return "HEAD object: " + err.Error()
	}
	data, err := getBytes(ctx, s.c, s.bucket, s.key, "")
	if err != nil {
		return "GET object: " + err.Error()
	}
	tags, err := s.c.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: s.b(), Key: s.k()})
	if err != nil {
		return "GET tagging: " + err.Error()
	}
	var ts []string
	for _, tg := range tags.TagSet {
		ts = append(ts, aws.ToString(tg.Key)+"="+aws.ToString(tg.Value))
	}
	return fmt.Sprintf("%s bytes=%s tags=%v", headSummary(h), sum(data), ts)
}

// probe is the backend's own answer to a GET of the case's subresource:
// its status and error code, or a digest of the configuration it holds.
func (s *subresEnv) probe(t *testing.T, c subresCase) string {
	t.Helper()
	if c.probe == "" {
		return ""
	}
	path := "/" + s.beBucket
	if c.onObject {
		path += "/" + s.key
	}
	r := rawRoute{method: http.MethodGet, path: path, query: url.Values{c.probe: {""}}}
	a := send(t, rawClient, signedRequest(t, r, s.be.URL, creds{s.be.AccessKey, s.be.SecretKey}, time.Now()))
	if a.Code != "" {
		return a.String()
	}
	return fmt.Sprintf("%d sha256=%s", a.Status, sum([]byte(a.Body)))
}

// sdkAnswer is the S3 error code and HTTP status of an SDK call's error.
func sdkAnswer(err error) (string, int) {
	if err == nil {
		return "", 200
	}
	var re interface{ HTTPStatusCode() int }
	status := 0
	if errors.As(err, &re) {
		status = re.HTTPStatusCode()
	}
	return errCode(err), status
}

// errMessage is the S3 message of an SDK call's error, or the error.
func errMessage(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorMessage()
	}
	return fmt.Sprint(err)
}

// rawSubres sends a signed request for a subresource the SDK has no call
// for; a refusal is returned as an error, as the SDK would.
func rawSubres(s *subresEnv, method, sub string, onObject bool) error {
	path := "/" + s.bucket
	if onObject {
		path += "/" + s.key
	}
	r := rawRoute{method: method, path: path, query: url.Values{sub: {""}}}
	req, err := http.NewRequest(method, r.url(s.gw.S3URL), http.NoBody)
	if err != nil {
		return err
	}
	req.Header.Set("X-Amz-Content-Sha256", sha256Hex(nil))
	if err := newSigner().SignHTTP(context.Background(), creds{gwAccessKey, gwSecretKey}.aws(), req, sha256Hex(nil), "s3", sigRegion, time.Now()); err != nil {
		return err
	}
	resp, err := rawClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode < 300 {
		return nil
	}
	body, _ := io.ReadAll(resp.Body)
	var doc struct {
		Code string `xml:"Code"`
	}
	_ = xml.Unmarshal(body, &doc)
	return &rawRefusal{status: resp.StatusCode, code: doc.Code}
}

// rawRefusal is an S3 error answered to a raw request.
type rawRefusal struct {
	status int
	code   string
}

func (e *rawRefusal) Error() string                 { return fmt.Sprintf("%d %s", e.status, e.code) }
func (e *rawRefusal) ErrorCode() string             { return e.code }
func (e *rawRefusal) ErrorMessage() string          { return e.Error() }
func (e *rawRefusal) ErrorFault() smithy.ErrorFault { return smithy.FaultUnknown }
func (e *rawRefusal) HTTPStatusCode() int           { return e.status }

func subresCases() []subresCase {
	ni := func(name, probe string, call func(context.Context, *subresEnv) error) subresCase {
		return subresCase{name: name, probe: probe, call: call, code: notImplemented, status: 501}
	}
	niObject := func(name, probe string, call func(context.Context, *subresEnv) error) subresCase {
		c := ni(name, probe, call)
		c.onObject = true
		return c
	}
	publicPolicy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::subres/*"}]}`
	allUsers := "uri=http://acs.amazonaws.com/groups/global/AllUsers"
	return []subresCase{
		ni("PUT cors", "cors", func(ctx context.Context, s *subresEnv) error {
			_, err := s.c.PutBucketCors(ctx, &s3.PutBucketCorsInput{Bucket: s.b(), CORSConfiguration: &types.CORSConfiguration{
				CORSRules: []types.CORSRule{{AllowedMethods: []string{"GET", "PUT"}, AllowedOrigins: []string{"*"}}}}})
			return err
		}),
		ni("DELETE cors", "cors", func(ctx context.Context, s *subresEnv) error {
			_, err := s.c.DeleteBucketCors(ctx, &s3.DeleteBucketCorsInput{Bucket: s.b()})
			return err
		}),
		ni("PUT policy", "policy", func(ctx context.Context, s *subresEnv) error {
			_, err := s.c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: s.b(), Policy: aws.String(publicPolicy)})
			return err
		}),
		ni("DELETE policy", "policy", func(ctx context.Context, s *subresEnv) error {
			_, err := s.c.DeleteBucketPolicy(ctx, &s3.DeleteBucketPolicyInput{Bucket: s.b()})
			return err
		}),
		ni("PUT lifecycle", "lifecycle", func(ctx context.Context, s *subresEnv) error {
			_, err := s.c.PutBucketLifecycleConfiguration(ctx, &s3.PutBucketLifecycleConfigurationInput{Bucket: s.b(),
				LifecycleConfiguration: &types.BucketLifecycleConfiguration{Rules: []types.LifecycleRule{{
					ID: aws.String("expire-all"), Status: types.ExpirationStatusEnabled, Filter: &types.LifecycleRuleFilter{Prefix: aws.String("")},
					Expiration: &types.LifecycleExpiration{Days: aws.Int32(1)}}}}})
			return err
		}),
		ni("DELETE lifecycle", "lifecycle", func(ctx context.Context, s *subresEnv) error {
			_, err := s.c.DeleteBucketLifecycle(ctx, &s3.DeleteBucketLifecycleInput{Bucket: s.b()})
			return err
		}),
		ni("PUT website", "website", func(ctx context.Context, s *subresEnv) error {
			_, err := s.c.PutBucketWebsite(ctx, &s3.PutBucketWebsiteInput{Bucket: s.b(), WebsiteConfiguration: &types.WebsiteConfiguration{
				IndexDocument: &types.IndexDocument{Suffix: aws.String("index.html")}}})
			return err
		}),
		ni("DELETE website", "website", func(ctx context.Context, s *subresEnv) error {
			_, err := s.c.DeleteBucketWebsite(ctx, &s3.DeleteBucketWebsiteInput{Bucket: s.b()})
			return err
		}),
		ni("PUT replication", "replication", func(ctx context.Context, s *subresEnv) error {
			_, err := s.c.PutBucketReplication(ctx, &s3.PutBucketReplicationInput{Bucket: s.b(), ReplicationConfiguration: &types.ReplicationConfiguration{
				Role: aws.String("arn:aws:iam::123456789012:role/replication"),
				Rules: []types.ReplicationRule{{Status: types.ReplicationRuleStatusEnabled, Prefix: aws.String(""),
					Destination: &types.Destination{Bucket: aws.String("arn:aws:s3:::elsewhere")}}}}})
			return err
		}),
		ni("DELETE replication", "replication", func(ctx context.Context, s *subresEnv) error {
			_, err := s.c.DeleteBucketReplication(ctx, &s3.DeleteBucketReplicationInput{Bucket: s.b()})
			return err
		}),
		ni("PUT encryption", "encryption", func(ctx context.Context, s *subresEnv) error {
			_, err := s.c.PutBucketEncryption(ctx, &s3.PutBucketEncryptionInput{Bucket: s.b(), ServerSideEncryptionConfiguration: &types.ServerSideEncryptionConfiguration{
				Rules: []types.ServerSideEncryptionRule{{ApplyServerSideEncryptionByDefault: &types.ServerSideEncryptionByDefault{SSEAlgorithm: types.ServerSideEncryptionAes256}}}}})
			return err
		}),
		ni("DELETE encryption", "encryption", func(ctx context.Context, s *subresEnv) error {
			_, err := s.c.DeleteBucketEncryption(ctx, &s3.DeleteBucketEncryptionInput{Bucket: s.b()})
			return err
		}),
		// Object lock is relayed to the backend bucket, which has none here
		// and refuses as S3 does (objectlock_test.go drives a bucket with it).
		{name: "PUT object-lock", probe: "object-lock", status: 409, code: "InvalidBucketState",
			call: func(ctx context.Context, s *subresEnv) error {
				_, err := s.c.PutObjectLockConfiguration(ctx, &s3.PutObjectLockConfigurationInput{Bucket: s.b(), ObjectLockConfiguration: &types.ObjectLockConfiguration{
					ObjectLockEnabled: types.ObjectLockEnabledEnabled,
					Rule:              &types.ObjectLockRule{DefaultRetention: &types.DefaultRetention{Mode: types.ObjectLockRetentionModeCompliance, Days: aws.Int32(1)}}}})
				return err
			}},
		{name: "DELETE object-lock", probe: "object-lock", status: 405, code: "MethodNotAllowed",
			call: func(ctx context.Context, s *subresEnv) error {
				return rawSubres(s, http.MethodDelete, "object-lock", false)
			}},
		// Bucket tags are the gateway bucket's own, kept by ringside: the
		// backend bucket's stay as they are.
		{name: "PUT tagging on the bucket", probe: "tagging", call: func(ctx context.Context, s *subresEnv) error {
			_, err := s.c.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: s.b(), Tagging: &types.Tagging{
				TagSet: []types.Tag{{Key: aws.String("owner"), Value: aws.String("intruder")}}}})
			return err
		}},
		{name: "DELETE tagging on the bucket", probe: "tagging", call: func(ctx context.Context, s *subresEnv) error {
			_, err := s.c.DeleteBucketTagging(ctx, &s3.DeleteBucketTaggingInput{Bucket: s.b()})
			return err
		}},
		ni("PUT publicAccessBlock, all open", "publicAccessBlock", func(ctx context.Context, s *subresEnv) error {
			_, err := s.c.PutPublicAccessBlock(ctx, &s3.PutPublicAccessBlockInput{Bucket: s.b(), PublicAccessBlockConfiguration: &types.PublicAccessBlockConfiguration{
				BlockPublicAcls: aws.Bool(false), BlockPublicPolicy: aws.Bool(false), IgnorePublicAcls: aws.Bool(false), RestrictPublicBuckets: aws.Bool(false)}})
			return err
		}),
		ni("DELETE publicAccessBlock", "publicAccessBlock", func(ctx context.Context, s *subresEnv) error {
			_, err := s.c.DeletePublicAccessBlock(ctx, &s3.DeletePublicAccessBlockInput{Bucket: s.b()})
			return err
		}),
		ni("PUT ownershipControls", "ownershipControls", func(ctx context.Context, s *subresEnv) error {
			_, err := s.c.PutBucketOwnershipControls(ctx, &s3.PutBucketOwnershipControlsInput{Bucket: s.b(), OwnershipControls: &types.OwnershipControls{
				Rules: []types.OwnershipControlsRule{{ObjectOwnership: types.ObjectOwnershipObjectWriter}}}})
			return err
		}),
		ni("PUT logging", "logging", func(ctx context.Context, s *subresEnv) error {
			_, err := s.c.PutBucketLogging(ctx, &s3.PutBucketLoggingInput{Bucket: s.b(), BucketLoggingStatus: &types.BucketLoggingStatus{
				LoggingEnabled: &types.LoggingEnabled{TargetBucket: aws.String("subres"), TargetPrefix: aws.String("logs/")}}})
			return err
		}),
		ni("PUT notification", "notification", func(ctx context.Context, s *subresEnv) error {
			_, err := s.c.PutBucketNotificationConfiguration(ctx, &s3.PutBucketNotificationConfigurationInput{Bucket: s.b(),
				NotificationConfiguration: &types.NotificationConfiguration{QueueConfigurations: []types.QueueConfiguration{{
					QueueArn: aws.String("arn:aws:sqs:us-east-1:123456789012:q"), Events: []types.Event{types.EventS3ObjectCreated}}}}})
			return err
		}),
		ni("PUT acl public-read on the bucket", "acl", func(ctx context.Context, s *subresEnv) error {
			_, err := s.c.PutBucketAcl(ctx, &s3.PutBucketAclInput{Bucket: s.b(), ACL: types.BucketCannedACLPublicRead})
			return err
		}),
		ni("PUT acl granting AllUsers on the bucket", "acl", func(ctx context.Context, s *subresEnv) error {
			_, err := s.c.PutBucketAcl(ctx, &s3.PutBucketAclInput{Bucket: s.b(), GrantRead: aws.String(allUsers)})
			return err
		}),
		ni("PUT acl document granting AllUsers on the bucket", "acl", func(ctx context.Context, s *subresEnv) error {
			acl, err := s.c.GetBucketAcl(ctx, &s3.GetBucketAclInput{Bucket: s.b()})
			if err != nil {
				return fmt.Errorf("get the ACL to extend: %w", err)
			}
			grants := append(acl.Grants, types.Grant{Permission: types.PermissionRead, Grantee: &types.Grantee{
				Type: types.TypeGroup, URI: aws.String("http://acs.amazonaws.com/groups/global/AllUsers")}})
			_, err = s.c.PutBucketAcl(ctx, &s3.PutBucketAclInput{Bucket: s.b(), AccessControlPolicy: &types.AccessControlPolicy{Owner: acl.Owner, Grants: grants}})
			return err
		}),
		niObject("PUT acl public-read on the object", "acl", func(ctx context.Context, s *subresEnv) error {
			_, err := s.c.PutObjectAcl(ctx, &s3.PutObjectAclInput{Bucket: s.b(), Key: s.k(), ACL: types.ObjectCannedACLPublicRead})
			return err
		}),
		niObject("PUT acl public-read-write on an object version", "acl", func(ctx context.Context, s *subresEnv) error {
			_, err := s.c.PutObjectAcl(ctx, &s3.PutObjectAclInput{Bucket: s.b(), Key: s.k(), VersionId: aws.String(s.version), ACL: types.ObjectCannedACLPublicReadWrite})
			return err
		}),
		niObject("PUT acl granting AllUsers on the object", "acl", func(ctx context.Context, s *subresEnv) error {
			_, err := s.c.PutObjectAcl(ctx, &s3.PutObjectAclInput{Bucket: s.b(), Key: s.k(), GrantRead: aws.String(allUsers)})
			return err
		}),
		niObject("PUT object with a public-read ACL", "acl", func(ctx context.Context, s *subresEnv) error {
			_, err := s.c.PutObject(ctx, &s3.PutObjectInput{Bucket: s.b(), Key: s.k(), Body: strings.NewReader("public now"), ACL: types.ObjectCannedACLPublicRead})
			return err
		}),
		niObject("copy onto the object with a public-read ACL", "acl", func(ctx context.Context, s *subresEnv) error {
			_, err := s.c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: s.b(), Key: s.k(), CopySource: aws.String(s.bucket + "/" + s.key + "?versionId=" + s.version),
				ACL: types.ObjectCannedACLPublicRead, MetadataDirective: types.MetadataDirectiveReplace})
			return err
		}),
		ni("CreateBucket with a public-read ACL", "", func(ctx context.Context, s *subresEnv) error {
			_, err := s.c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("subres-public"), ACL: types.BucketCannedACLPublicRead,
				CreateBucketConfiguration: locationConfig("ring")})
			return err
		}),
		{name: "PUT acl private on the object (a no-op)", probe: "acl", onObject: true, call: func(ctx context.Context, s *subresEnv) error {
			_, err := s.c.PutObjectAcl(ctx, &s3.PutObjectAclInput{Bucket: s.b(), Key: s.k(), ACL: types.ObjectCannedACLPrivate})
			return err
		}},
		{name: "PUT retention", probe: "retention", onObject: true, status: 400, code: "InvalidRequest",
			call: func(ctx context.Context, s *subresEnv) error {
				_, err := s.c.PutObjectRetention(ctx, &s3.PutObjectRetentionInput{Bucket: s.b(), Key: s.k(), Retention: &types.ObjectLockRetention{
					Mode: types.ObjectLockRetentionModeCompliance, RetainUntilDate: aws.Time(time.Now().Add(24 * time.Hour))}})
				return err
			}},
		{name: "PUT legal-hold", probe: "legal-hold", onObject: true, status: 400, code: "InvalidRequest",
			call: func(ctx context.Context, s *subresEnv) error {
				_, err := s.c.PutObjectLegalHold(ctx, &s3.PutObjectLegalHoldInput{Bucket: s.b(), Key: s.k(), LegalHold: &types.ObjectLockLegalHold{
					Status: types.ObjectLockLegalHoldStatusOn}})
				return err
			}},
	}
}

// checkPrivateACLs checks that GET ?acl on the bucket, the object and a
// version of it answers the owner's FULL_CONTROL and nothing else, with
// the SDK and with aws-cli.
func (s *subresEnv) checkPrivateACLs(t *testing.T) {
	ctx := context.Background()
	check := func(what string, owner *types.Owner, grants []types.Grant) {
		t.Helper()
		if owner == nil || aws.ToString(owner.ID) == "" {
			t.Errorf("GET %s ?acl: no owner", what)
			return
		}
		if len(grants) != 1 {
			t.Errorf("GET %s ?acl: %d grants, want the owner's only", what, len(grants))
			return
		}
		g := grants[0]
		if g.Permission != types.PermissionFullControl || g.Grantee == nil || g.Grantee.Type != types.TypeCanonicalUser ||
			aws.ToString(g.Grantee.ID) != aws.ToString(owner.ID) {
			t.Errorf("GET %s ?acl: grant %+v to %+v, want FULL_CONTROL to the owner %s", what, g.Permission, g.Grantee, aws.ToString(owner.ID))
		}
	}
	ba, err := s.c.GetBucketAcl(ctx, &s3.GetBucketAclInput{Bucket: s.b()})
	if err != nil {
		t.Fatalf("GetBucketAcl: %v", err)
	}
	check("bucket", ba.Owner, ba.Grants)
	oa, err := s.c.GetObjectAcl(ctx, &s3.GetObjectAclInput{Bucket: s.b(), Key: s.k()})
	if err != nil {
		t.Fatalf("GetObjectAcl: %v", err)
	}
	check("object", oa.Owner, oa.Grants)
	va, err := s.c.GetObjectAcl(ctx, &s3.GetObjectAclInput{Bucket: s.b(), Key: s.k(), VersionId: aws.String(s.version)})
	if err != nil {
		t.Fatalf("GetObjectAcl of a version: %v", err)
	}
	check("object version", va.Owner, va.Grants)

	var cli struct {
		Owner  struct{ ID string }
		Grants []struct {
			Grantee    struct{ ID, Type string }
			Permission string
		}
	}
	newAWSCLI(t, s.gw.S3URL, gwAccessKey, gwSecretKey).JSON(&cli, "s3api", "get-object-acl", "--bucket", s.bucket, "--key", s.key)
	if len(cli.Grants) != 1 || cli.Grants[0].Permission != "FULL_CONTROL" || cli.Grants[0].Grantee.ID != cli.Owner.ID || cli.Owner.ID == "" {
		t.Errorf("aws s3api get-object-acl: %+v, want FULL_CONTROL to the owner only", cli)
	}
	if _, err := s.c.GetObjectAcl(ctx, &s3.GetObjectAclInput{Bucket: s.b(), Key: aws.String("no-such-key")}); !isNotFound(err) {
		t.Errorf("GET ?acl of a missing key: %v, want NoSuchKey", err)
	}
}

package gateway

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// TestBucketConfigAnswers checks S3's answers around the CORS and website
// configurations ringside does not manage: the 404s of a bucket without
// one, with their messages, and MalformedXML before NotImplemented.
func TestBucketConfigAnswers(t *testing.T) {
	e := newS3Env(t)
	ctx := context.Background()
	e.createBucket("site", "shared")
	bucket := aws.String("site")

	_, err := e.s3.GetBucketCors(ctx, &s3.GetBucketCorsInput{Bucket: bucket})
	wantS3Code(t, err, "NoSuchCORSConfiguration")
	if msg := apiMessage(err); msg != "The CORS configuration does not exist" || httpStatusOf(err) != 404 {
		t.Errorf("GetBucketCors: %d %q", httpStatusOf(err), msg)
	}
	_, err = e.s3.GetBucketWebsite(ctx, &s3.GetBucketWebsiteInput{Bucket: bucket})
	wantS3Code(t, err, "NoSuchWebsiteConfiguration")
	if msg := apiMessage(err); msg != "The specified bucket does not have a website configuration" || httpStatusOf(err) != 404 {
		t.Errorf("GetBucketWebsite: %d %q", httpStatusOf(err), msg)
	}
	_, err = e.s3.GetBucketWebsite(ctx, &s3.GetBucketWebsiteInput{Bucket: aws.String("nosuch")})
	wantS3Code(t, err, "NoSuchBucket")

	index := &s3types.IndexDocument{Suffix: aws.String("index.html")}
	redirect := &s3types.Redirect{HostName: aws.String("example.com")}
	all := &s3types.RedirectAllRequestsTo{HostName: aws.String("example.com")}
	websites := []struct {
		name string
		cfg  s3types.WebsiteConfiguration
		code string
	}{
		{"index document", s3types.WebsiteConfiguration{IndexDocument: index}, "NotImplemented"},
		{"redirect all", s3types.WebsiteConfiguration{RedirectAllRequestsTo: all}, "NotImplemented"},
		{"routing rule", s3types.WebsiteConfiguration{IndexDocument: index, RoutingRules: []s3types.RoutingRule{
			{Condition: &s3types.Condition{KeyPrefixEquals: aws.String("docs/")}, Redirect: redirect}}}, "NotImplemented"},
		{"nothing", s3types.WebsiteConfiguration{}, "MalformedXML"},
		{"redirect all with an index", s3types.WebsiteConfiguration{RedirectAllRequestsTo: all, IndexDocument: index}, "MalformedXML"},
		{"redirect all with routing rules", s3types.WebsiteConfiguration{RedirectAllRequestsTo: all,
			RoutingRules: []s3types.RoutingRule{{Redirect: redirect}}}, "MalformedXML"},
		{"empty condition", s3types.WebsiteConfiguration{IndexDocument: index, RoutingRules: []s3types.RoutingRule{
			{Condition: &s3types.Condition{}, Redirect: redirect}}}, "MalformedXML"},
		{"empty redirect", s3types.WebsiteConfiguration{IndexDocument: index, RoutingRules: []s3types.RoutingRule{
			{Condition: &s3types.Condition{KeyPrefixEquals: aws.String("docs/")}, Redirect: &s3types.Redirect{}}}}, "MalformedXML"},
	}
	for _, tt := range websites {
		t.Run("website "+tt.name, func(t *testing.T) {
			cfg := tt.cfg
			_, err := e.s3.PutBucketWebsite(ctx, &s3.PutBucketWebsiteInput{Bucket: bucket, WebsiteConfiguration: &cfg})
			wantS3Code(t, err, tt.code)
		})
	}
	_, err = e.s3.PutBucketCors(ctx, &s3.PutBucketCorsInput{Bucket: bucket, CORSConfiguration: &s3types.CORSConfiguration{
		CORSRules: []s3types.CORSRule{{AllowedMethods: []string{"GET"}, AllowedOrigins: []string{"*"}}}}})
	wantS3Code(t, err, "NotImplemented")
	// The SDK checks these itself; other clients do not.
	for name, doc := range map[string]string{
		"no rule":   "<CORSConfiguration></CORSConfiguration>",
		"no origin": "<CORSConfiguration><CORSRule><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>",
		"not XML":   "<CORSConfiguration><CORSRule>",
	} {
		resp, text := e.rawSigned("PUT", "/site?cors", doc, nil)
		if resp.StatusCode != 400 || !strings.Contains(text, "<Code>MalformedXML</Code>") {
			t.Errorf("cors %s: %d %s", name, resp.StatusCode, text)
		}
	}
	resp, text := e.rawSigned("PUT", "/site?website", "<WebsiteConfiguration>", nil)
	if resp.StatusCode != 400 || !strings.Contains(text, "<Code>MalformedXML</Code>") {
		t.Errorf("truncated website document: %d %s", resp.StatusCode, text)
	}
	_, err = e.s3.PutBucketWebsite(ctx, &s3.PutBucketWebsiteInput{Bucket: aws.String("nosuch"), WebsiteConfiguration: &s3types.WebsiteConfiguration{IndexDocument: index}})
	wantS3Code(t, err, "NoSuchBucket")
}

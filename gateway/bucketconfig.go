package gateway

import (
	"encoding/xml"
	"fmt"
	"io"
	"net/http"

	"github.com/ringside/ringside/internal/s3err"
)

// ringside does not manage the CORS and website configurations of
// buckets (README). Reads answer as S3 does for a bucket without one;
// writes are refused NotImplemented, after the refusals S3 gives any
// malformed document first.

// maxBucketConfigDocument bounds a CORS or website document.
const maxBucketConfigDocument = 64 << 10

// serveNoBucketConfig answers GetBucketCors and GetBucketWebsite.
func (g *Gateway) serveNoBucketConfig(w http.ResponseWriter, r *http.Request, bucket, _ string) error {
	if _, err := g.target(bucket); err != nil {
		return err
	}
	if queryOf(r).Has("cors") {
		return s3err.Get(s3err.NoSuchCORSConfiguration)
	}
	return s3err.Get(s3err.NoSuchWebsiteConfiguration)
}

// servePutBucketConfig answers PutBucketCors and PutBucketWebsite.
func (g *Gateway) servePutBucketConfig(w http.ResponseWriter, r *http.Request, bucket, _ string) error {
	if _, err := g.target(bucket); err != nil {
		return err
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, maxBucketConfigDocument+1))
	if err != nil {
		return fmt.Errorf("read the configuration document: %w", err)
	}
	if len(data) > maxBucketConfigDocument {
		return errRequestTooBig
	}
	sub := "website"
	check := checkWebsiteDocument
	if queryOf(r).Has("cors") {
		sub, check = "cors", checkCORSDocument
	}
	if err := check(data); err != nil {
		return err
	}
	return s3err.New(s3err.NotImplemented, "ringside does not manage the %s configuration of buckets or objects.", sub)
}

// checkWebsiteDocument refuses a WebsiteConfiguration S3's schema
// refuses: not XML, neither a redirection of every request nor an index
// document, a redirection of every request with anything beside it, or a
// routing rule with an empty condition or redirect.
func checkWebsiteDocument(data []byte) error {
	var doc struct {
		XMLName  xml.Name  `xml:"WebsiteConfiguration"`
		All      *struct{} `xml:"RedirectAllRequestsTo"`
		Index    *struct{} `xml:"IndexDocument"`
		Error    *struct{} `xml:"ErrorDocument"`
		Routings *struct {
			Rules []struct {
				Condition *struct {
					Inner []byte `xml:",innerxml"`
				} `xml:"Condition"`
				Redirect *struct {
					Inner []byte `xml:",innerxml"`
				} `xml:"Redirect"`
			} `xml:"RoutingRule"`
		} `xml:"RoutingRules"`
	}
	if err := xml.Unmarshal(data, &doc); err != nil {
		return errMalformedXML
	}
	switch {
	case doc.All == nil && doc.Index == nil,
		doc.All != nil && (doc.Index != nil || doc.Error != nil || doc.Routings != nil):
		return errMalformedXML
	}
	if doc.Routings != nil {
		for _, rule := range doc.Routings.Rules {
			if rule.Redirect == nil || isBlank(rule.Redirect.Inner) || rule.Condition != nil && isBlank(rule.Condition.Inner) {
				return errMalformedXML
			}
		}
	}
	return nil
}

// checkCORSDocument refuses a CORSConfiguration S3's schema refuses: not
// XML, no rule, or a rule without an allowed method or origin.
func checkCORSDocument(data []byte) error {
	var doc struct {
		XMLName xml.Name `xml:"CORSConfiguration"`
		Rules   []struct {
			Methods []string `xml:"AllowedMethod"`
			Origins []string `xml:"AllowedOrigin"`
		} `xml:"CORSRule"`
	}
	if err := xml.Unmarshal(data, &doc); err != nil || len(doc.Rules) == 0 {
		return errMalformedXML
	}
	for _, rule := range doc.Rules {
		if len(rule.Methods) == 0 || len(rule.Origins) == 0 {
			return errMalformedXML
		}
	}
	return nil
}

// isBlank reports whether an element's content is only white space.
func isBlank(inner []byte) bool {
	for _, c := range inner {
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return false
		}
	}
	return true
}

package backend

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

const (
	defaultRegion = "us-east-1"
	// maxAttempts is how often a call whose request can be replayed is
	// tried.
	maxAttempts = 3
	// maxBackoff bounds the wait between attempts: the caller is usually an
	// S3 client waiting for its answer.
	maxBackoff = time.Second
)

// Client talks to one backend bucket. It is safe for concurrent use.
type Client struct {
	bucket   string
	endpoint *url.URL
	region   string
	creds    aws.Credentials
	secret   string // kept only to scrub it from messages
	s3       *s3.Client
	http     *http.Client
	sign     *signer
	// raw reads GetObject answers off connections of its own (see
	// rawget.go); nil when they go through http.
	raw     *rawPool
	observe func(op string, status int, d time.Duration)
	// host is the Host the requests made without the SDK are sent and
	// signed with; bucketPath is the escaped path of the bucket, and
	// bucketPathRaw the same unescaped.
	host                      string
	bucketPath, bucketPathRaw string
	location                  string
	timeouts                  Timeouts
	health                    *health
	monitor                   *Monitor
}

// New builds a client; it does not contact the backend.
func New(cfg Config) (*Client, error) {
	ep, err := url.Parse(strings.TrimRight(cfg.Endpoint, "/"))
	if err != nil || (ep.Scheme != "http" && ep.Scheme != "https") || ep.Host == "" {
		return nil, errors.New("backend endpoint: want scheme://host[:port] with scheme http or https")
	}
	if ep.User != nil {
		return nil, errors.New("backend endpoint: credentials belong in the access and secret keys, not in the URL")
	}
	if cfg.Bucket == "" {
		return nil, errors.New("backend bucket: none given")
	}
	if cfg.Region == "" {
		cfg.Region = defaultRegion
	}
	cfg.Timeouts = cfg.Timeouts.withDefaults()
	transport, err := newTransport(cfg)
	if err != nil {
		return nil, fmt.Errorf("backend %s: %w", ep, err)
	}
	var rt http.RoundTripper = transport
	if cfg.Observe != nil {
		rt = observed{next: transport, observe: cfg.Observe}
	}
	h := newHealth(cfg.Location, cfg.Options)
	// No client-wide timeout: a large GET may stream for as long as it
	// needs, provided it keeps moving (see guarded).
	httpClient := &http.Client{Transport: guarded{next: rt, timeouts: cfg.Timeouts, health: h}}
	creds := aws.Credentials{AccessKeyID: cfg.AccessKey, SecretAccessKey: cfg.SecretKey, Source: "ringside location"}
	c := &Client{
		bucket:   cfg.Bucket,
		endpoint: ep,
		region:   cfg.Region,
		creds:    creds,
		secret:   cfg.SecretKey,
		http:     httpClient,
		sign:     newSigner(cfg.AccessKey, cfg.SecretKey, cfg.Region),
		host:     hostOf(ep),
		raw:      newRawPool(ep, cfg.Timeouts, h),
		observe:  cfg.Observe,
		location: cfg.Location,
		timeouts: cfg.Timeouts,
		health:   h,
		monitor:  cfg.Monitor,
	}
	base := strings.TrimRight(ep.Path, "/") + "/" + cfg.Bucket
	c.bucketPathRaw, c.bucketPath = base, escape(base, true)
	// The configuration is built by hand: config.LoadDefaultConfig reads
	// the user's profiles, and fails outright on a custom HTTP client when
	// AWS_CA_BUNDLE is set.
	awsCfg := aws.Config{
		Region:                     cfg.Region,
		Credentials:                credentials.NewStaticCredentialsProvider(cfg.AccessKey, cfg.SecretKey, ""),
		HTTPClient:                 httpClient,
		BaseEndpoint:               aws.String(ep.String()),
		RetryMaxAttempts:           maxAttempts,
		Retryer:                    newRetryer,
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
	}
	c.s3 = s3.NewFromConfig(awsCfg, func(o *s3.Options) {
		o.UsePathStyle = true
		o.DisableLogOutputChecksumValidationSkipped = true
		// Expect: 100-continue costs a round trip per large upload.
		o.ContinueHeaderThresholdBytes = -1
	})
	h.probe = c.probe
	c.monitor.add(c)
	return c, nil
}

// Health says whether the backend answers, and since when.
func (c *Client) Health() Health { return c.health.snapshot() }

// Close stops the client's background probe and withdraws it from its
// Monitor. Calls still in flight finish; the client stays usable, as
// clients a cache dropped may still be held by requests.
func (c *Client) Close() {
	c.health.close()
	c.monitor.remove(c)
}

// probe is the cheapest call that proves the backend answers: any
// answer, a refusal included, closes the breaker.
func (c *Client) probe(ctx context.Context) error {
	_, err := c.s3.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(c.bucket)}, func(o *s3.Options) {
		o.RetryMaxAttempts = 1
	})
	return err
}

// hostOf is the Host header of requests to ep: without the scheme's
// default port, which the SDK's signer leaves out of the signature too.
func hostOf(ep *url.URL) string {
	port := ep.Port()
	if (ep.Scheme == "http" && port == "80") || (ep.Scheme == "https" && port == "443") {
		return strings.TrimSuffix(ep.Host, ":"+port)
	}
	return ep.Host
}

// newRetryer retries what can be replayed, without the retry quota of
// the SDK's default: a sidecar to one backend should not start failing
// calls outright after a burst of errors.
func newRetryer() aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = maxAttempts
		o.MaxBackoff = maxBackoff
		o.RateLimiter = ratelimit.None
		o.Retryables = append([]retry.IsErrorRetryable{retry.IsErrorRetryableFunc(untrusted), retry.IsErrorRetryableFunc(hopeless)}, o.Retryables...)
	})
}

// untrusted says not to retry a failed certificate check: the same
// certificate would fail it again.
func untrusted(err error) aws.Ternary {
	var verify *tls.CertificateVerificationError
	if errors.As(err, &verify) {
		return aws.FalseTernary
	}
	return aws.UnknownTernary
}

// hopeless says not to retry a call the breaker refused or the
// watchdog cut: the backend is not answering, and trying again would
// only hold the caller longer than its deadline.
func hopeless(err error) aws.Ternary {
	if noRetry(err) {
		return aws.FalseTernary
	}
	return aws.UnknownTernary
}

// noRetry reports a failure that trying again will not cure soon.
func noRetry(err error) bool {
	var te *TimeoutError
	return errors.Is(err, errBreakerOpen) || errors.As(err, &te)
}

// Bucket is the backend bucket this client targets.
func (c *Client) Bucket() string { return c.bucket }

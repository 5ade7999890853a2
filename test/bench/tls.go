package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/ringside/ringside/admin"
	"github.com/ringside/ringside/test/testenv"
)

// The TLS group: large GETs and PUTs with TLS on every hop, as beside a
// RING whose S3 Connector is reached over HTTPS and whose applications
// reach the sidecar over HTTPS too. A second MinIO serves HTTPS; the
// direct path reaches it over TLS, and ringside, restarted with a
// certificate for the group, takes the client's TLS and speaks TLS to it.
// Nothing is spliced on this path: every byte is decrypted and encrypted
// again by ringside, and over HTTPS the SDK sends UNSIGNED-PAYLOAD.
const (
	tlsBucket  = "bench-tls"
	tlsSize    = 32 * mi
	tlsStreams = 2
)

// tlsClient is a TLS configuration trusting the certificate of m.
func tlsClient(m *testenv.MinIOCert) *tls.Config { return &tls.Config{RootCAs: m.Roots} }

// runTLS: GET and PUT of 32 MiB objects by 2 streams, TLS on every hop.
func (b *bench) runTLS(ctx context.Context) error {
	if b.flags.backend != "minio" {
		logf("tls: skipped: the embedded backend serves plain HTTP only")
		return nil
	}
	m, err := testenv.NewMinIOCert(filepath.Join(b.ws.workDir, "tls"))
	if err != nil {
		return err
	}
	logf("tls: starting a MinIO that serves HTTPS")
	be, err := startMinIOWith(ctx, b.root, filepath.Join(b.ws.backendDir, "tls"), m)
	if err != nil {
		return err
	}
	defer be.stop()
	direct := newPath("direct", be.URL, be.AccessKey, be.SecretKey, clientOptions{TLS: tlsClient(m)})
	if err := waitS3(ctx, direct.C); err != nil {
		return err
	}
	if err := createBackendBucket(ctx, direct.C, tlsBucket, false); err != nil {
		return err
	}
	gateway, cleanup, err := b.tlsGateway(ctx, be, m)
	if err != nil {
		return err
	}
	defer func() {
		// Ringside unbinds only an empty bucket.
		if err := emptyBucket(context.Background(), direct.C, tlsBucket); err != nil {
			logf("tls: %v", err)
		}
		cleanup()
	}()
	src := direct
	if b.rs != nil {
		src = gateway
	}
	if err := b.putMany(ctx, src.C, tlsBucket, tlsStreams, tlsStreams, tlsSize, tlsKey); err != nil {
		return err
	}
	be0, direct0, gateway0 := b.be, b.direct, b.gateway
	defer func() { b.be, b.direct, b.gateway = be0, direct0, gateway0 }()
	b.be, b.direct, b.gateway = be, direct, gateway
	b.runCases(ctx, "tls", b.tlsCases())
	return nil
}

func tlsKey(stream int) string { return fmt.Sprintf("tls/src/%d", stream) }

// tlsGateway restarts ringside serving S3 over TLS with m's certificate,
// binds tlsBucket on the TLS MinIO be, and returns the path through it;
// cleanup unbinds the bucket and restarts ringside as it was.
func (b *bench) tlsGateway(ctx context.Context, be *backendServer, m *testenv.MinIOCert) (path, func(), error) {
	if b.rs == nil {
		return path{}, func() {}, nil
	}
	if err := b.withGatewayArgs(ctx, []string{"--tls-cert", m.CertFile, "--tls-key", m.KeyFile}); err != nil {
		return path{}, nil, err
	}
	cleanup := func() {
		if err := b.rs.Admin.DeleteBucket(context.Background(), tlsBucket); err != nil {
			logf("tls: unbind %s: %v", tlsBucket, err)
		}
		if err := b.rs.Admin.RemoveLocation(context.Background(), "loc-"+tlsBucket); err != nil {
			logf("tls: remove the location of %s: %v", tlsBucket, err)
		}
		if err := b.withGatewayArgs(context.Background(), nil); err != nil {
			logf("tls: %v", err)
		}
	}
	_, err := b.rs.Admin.AddLocation(ctx, admin.NewLocation{
		Name: "loc-" + tlsBucket, Endpoint: be.URL, Region: "us-east-1",
		AccessKey: be.AccessKey, SecretKey: be.SecretKey,
		TargetBucket: tlsBucket, NoPrefix: true, CAFile: m.CertFile,
	})
	if err == nil {
		err = b.rs.createBucket(ctx, tlsBucket, false)
	}
	if err != nil {
		cleanup()
		return path{}, nil, fmt.Errorf("bind %s over TLS: %w", tlsBucket, err)
	}
	url := "https://" + strings.TrimPrefix(b.rs.URL, "http://")
	return newPath("gateway", url, gwAccessKey, gwSecretKey, clientOptions{TLS: tlsClient(m)}), cleanup, nil
}

// tlsCases are the group's rows.
func (b *bench) tlsCases() []benchCase {
	size, streams, name := int64(tlsSize), tlsStreams, sizeName(tlsSize)
	perStream := max(1, int((b.plan.LargeMinBytes+int64(streams)*size-1)/(int64(streams)*size)))
	return []benchCase{{
		ID: fmt.Sprintf("get-%s-c%d-tls", name, streams), Workload: "GET " + name + ", TLS both hops", Conc: streams,
		Unit: "MiB/s", Rate: mibPerSecond,
		Run: func(ctx context.Context, p path, round int) sample {
			bufs := workerBuffers(streams)
			return runCount(ctx, streams, perStream, func(ctx context.Context, w, i int) (int64, error) {
				return getObject(ctx, p.C, tlsBucket, tlsKey(w), size, bufs[w])
			})
		},
	}, {
		ID: fmt.Sprintf("put-%s-c%d-tls", name, streams), Workload: "PUT " + name + ", TLS both hops", Conc: streams,
		Unit: "MiB/s", Rate: mibPerSecond,
		Run: func(ctx context.Context, p path, round int) sample {
			return runCount(ctx, streams, perStream, func(ctx context.Context, w, i int) (int64, error) {
				key := fmt.Sprintf("tls/put/%s/%d", p.Name, w)
				return size, b.putObject(ctx, p.C, tlsBucket, key, size)
			})
		},
	}}
}

// emptyBucket deletes every object of an unversioned bucket.
func emptyBucket(ctx context.Context, c *s3.Client, bucket string) error {
	pages := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("list %s to empty it: %w", bucket, err)
		}
		for _, o := range page.Contents {
			if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: o.Key}); err != nil {
				return fmt.Errorf("empty %s: %w", bucket, err)
			}
		}
	}
	return nil
}

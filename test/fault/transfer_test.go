package fault

// A backend frozen in the middle of a transfer, both ways: a GET whose
// body stops arriving and a PUT whose body the backend stops reading both
// end within the bound instead of waiting for the backend.

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// endless gives n bytes of zeroes, as a large upload's body.
type endless struct{ n int64 }

func (e *endless) Read(p []byte) (int, error) {
	if e.n == 0 {
		return 0, io.EOF
	}
	k := int(min(int64(len(p)), e.n))
	clear(p[:k])
	e.n -= int64(k)
	return k, nil
}

// afterBytes calls fn once n bytes were read through it.
type afterBytes struct {
	r    io.Reader
	n    int64
	fn   func()
	done bool
}

func (a *afterBytes) Read(p []byte) (int, error) {
	n, err := a.r.Read(p)
	a.n -= int64(n)
	if a.n <= 0 && !a.done {
		a.done = true
		a.fn()
	}
	return n, err
}

// unsigned sends a body UNSIGNED-PAYLOAD, so that it may be a stream.
func unsigned(o *s3.Options) {
	o.APIOptions = append(o.APIOptions, v4.SwapComputePayloadSHA256ForUnsignedPayloadMiddleware)
}

func TestBackendFrozenMidTransfer(t *testing.T) {
	m, g := startHurtable(t)
	const big = 128 << 20
	ctx := context.Background()
	if _, err := g.S3.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String("data"), Key: aws.String("big"),
		Body: &endless{n: big}, ContentLength: aws.Int64(big),
	}, unsigned); err != nil {
		t.Fatal(err)
	}

	// GET: read the first MiB, freeze the backend, read on.
	out, err := g.S3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("data"), Key: aws.String("big")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.CopyN(io.Discard, out.Body, 1<<20); err != nil {
		t.Fatal(err)
	}
	m.Freeze()
	frozen := time.Now()
	n, err := io.Copy(io.Discard, out.Body)
	getTook := time.Since(frozen)
	out.Body.Close()
	if err == nil || 1<<20+n >= big {
		t.Fatalf("GET while the backend froze mid-body: %d bytes, %v; want a cut body", 1<<20+n, err)
	}
	if getTook >= requestBound {
		t.Errorf("the cut GET body ended %v after the freeze, bound %v", getTook, requestBound)
	}
	m.Thaw()
	firstSuccess(t, g, time.Now())

	// PUT: freeze the backend once 16 MiB of the body are sent.
	var putFrozen time.Time
	body := &afterBytes{r: &endless{n: 4 * big}, n: 16 << 20, fn: func() { m.Freeze(); putFrozen = time.Now() }}
	_, err = g.S3.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String("data"), Key: aws.String("bigger"),
		Body: body, ContentLength: aws.Int64(4 * big),
	}, unsigned)
	putTook := time.Since(putFrozen)
	m.Thaw()
	if putFrozen.IsZero() {
		t.Fatalf("the PUT ended before the backend was frozen: %v", err)
	}
	status, retryAfter := answerOf(err)
	if err == nil {
		t.Fatal("a PUT whose body the backend stopped reading succeeded")
	}
	if putTook >= requestBound {
		t.Errorf("the PUT ended %v after the freeze, bound %v", putTook, requestBound)
	}
	t.Logf("FIGURES backend frozen mid-transfer (stall timeout %v): a GET body cut %v after the freeze (%d MiB read of %d); a PUT ended %v after the freeze with %s, Retry-After %q (%v)",
		stallTimeout, getTook.Round(time.Millisecond), (1<<20+n)>>20, big>>20, putTook.Round(time.Millisecond), statusText(status), retryAfter, err)
}

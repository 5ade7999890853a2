package s3auth

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/ringside/ringside/internal/s3err"
)

// Config is what authentication needs from the gateway's configuration.
type Config struct {
	// Credentials maps client access keys to secret keys.
	Credentials map[string]string
	// CredentialsFile, if set, is a file of "ACCESS_KEY SECRET_KEY" lines,
	// merged with Credentials and reloaded when it changes.
	CredentialsFile string
	Logger          *slog.Logger
}

// Authenticator checks each S3 request's SigV4 signature against the
// configured credentials, and verifies and decodes its body: one concern
// per file, run in this order by Middleware.
//
//   - sigv4*.go: the signature (Authorization header or presigned URL),
//     the credentials and the request time;
//   - chunked*.go: aws-chunked bodies, their chunk signatures and trailing
//     checksum;
//   - payload*.go: x-amz-content-sha256, Content-MD5 and x-amz-checksum-*
//     against the bytes received;
//   - post*.go: browser uploads (POST Object), authenticated by the
//     signature of their form's policy document;
//   - auth_guard.go: the refusal of a body that fails while it streams.
type Authenticator struct {
	creds    *credentialStore
	verifier sigV4Verifier
	log      *slog.Logger
}

// New builds the authenticator and starts watching the credentials file.
func New(cfg Config) (*Authenticator, error) {
	return newWith(cfg, credentialsPollInterval, time.Now)
}

// newWith is New with the credentials file's poll interval and the clock
// chosen.
func newWith(cfg Config, poll time.Duration, now func() time.Time) (*Authenticator, error) {
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	creds, err := newCredentialStore(cfg.Credentials, cfg.CredentialsFile, log, poll)
	if err != nil {
		return nil, err
	}
	return &Authenticator{
		creds:    creds,
		verifier: sigV4Verifier{secret: creds.secret, now: now},
		log:      log,
	}, nil
}

// Middleware refuses unauthenticated requests with S3's errors and hands
// on requests whose body is decoded and verified.
func (a *Authenticator) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isPreflight(r) {
			// A browser's CORS preflight carries no credentials by design,
			// and it reads and changes nothing.
			r2 := r.WithContext(r.Context())
			r2.Body = http.NoBody
			next.ServeHTTP(w, r2)
			return
		}
		if isFormPost(r) {
			a.servePost(w, r, next)
			return
		}
		signed, e := a.verifier.verify(r)
		if e != nil {
			a.refuse(w, r, e)
			return
		}
		guard := &bodyGuard{}
		r, e = decodeChunked(r, signed, guard)
		if e == nil {
			r, e = checkPayload(r, guard)
		}
		if e != nil {
			a.refuse(w, r, e)
			return
		}
		ctx := context.WithValue(r.Context(), bodyGuardKey{}, guard)
		gw := newGuardedWriter(w, r, guard)
		next.ServeHTTP(gw, r.WithContext(ctx))
		gw.finish()
		if e := guard.failed(); e != nil {
			a.logRefusal(r, e)
		}
	})
}

// servePost hands on a browser upload whose form the policy allows: its
// signature covers the policy, not the request, so the handler finds the
// upload with PostUploadOf and reads its file from PostUpload.File.
func (a *Authenticator) servePost(w http.ResponseWriter, r *http.Request, next http.Handler) {
	u, e := a.verifier.verifyPost(r)
	if e != nil {
		a.refuse(w, r, e)
		return
	}
	next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), postUploadKey{}, u)))
}

// Close stops watching the credentials file.
func (a *Authenticator) Close() { a.creds.Close() }

func (a *Authenticator) refuse(w http.ResponseWriter, r *http.Request, e *s3err.Error) {
	a.logRefusal(r, e)
	s3err.Write(w, r, e)
}

func (a *Authenticator) logRefusal(r *http.Request, e *s3err.Error) {
	a.log.Info("s3 request refused", "code", e.Code, "method", r.Method, "path", r.URL.Path, "remote", r.RemoteAddr)
}

// isPreflight reports whether r is a CORS preflight request.
func isPreflight(r *http.Request) bool {
	return r.Method == http.MethodOptions && r.Header.Get("Origin") != "" &&
		r.Header.Get("Access-Control-Request-Method") != ""
}

package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"time"
)

// startListDelay puts a reverse proxy in front of the backend at target
// that holds every listing call (ListObjectVersions, ListObjectsV2) for
// delay before passing it on, and everything else at once. It models a
// Scality RING S3 Connector, whose listing pages take tens of
// milliseconds to gather from the metadata servers whatever the client's
// CPU, on a machine where the backend under test lists from memory in a
// fraction of that: without it, a backend bound by this machine's two
// cores cannot show what listing key ranges side by side is for. The
// Host header is passed on as the client sent it, so that signatures
// still match. It returns the proxy's URL and a stop function.
func startListDelay(target string, delay time.Duration) (string, func(), error) {
	u, err := url.Parse(target)
	if err != nil {
		return "", nil, fmt.Errorf("parse the backend URL %q: %w", target, err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, fmt.Errorf("listen for the listing delay proxy: %w", err)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 256
	proxy := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(u)
			r.Out.Host = r.In.Host
		},
		Transport: tr,
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isListing(r) {
			t := time.NewTimer(delay)
			select {
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
				return
			}
		}
		proxy.ServeHTTP(w, r)
	})}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logf("listing delay proxy: %v", err)
		}
	}()
	stop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	}
	return "http://" + ln.Addr().String(), stop, nil
}

// isListing reports a listing of a bucket's objects or versions.
func isListing(r *http.Request) bool {
	q := r.URL.Query()
	return r.Method == http.MethodGet && (q.Has("versions") || q.Has("list-type"))
}

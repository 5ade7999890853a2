package gateway

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		method, target string
		copySource     bool
		want           string
	}{
		{"GET", "/", false, "ListBuckets"},
		{"POST", "/", false, "Other"},
		{"PUT", "/b", false, "CreateBucket"},
		{"PUT", "/b/", false, "CreateBucket"},
		{"DELETE", "/b", false, "DeleteBucket"},
		{"HEAD", "/b", false, "HeadBucket"},
		{"GET", "/b", false, "ListObjects"},
		{"GET", "/b?prefix=a&list-type=2", false, "ListObjectsV2"},
		{"GET", "/b?list-type=1", false, "ListObjects"},
		{"GET", "/b?location", false, "GetBucketLocation"},
		{"GET", "/b?versioning", false, "GetBucketVersioning"},
		{"PUT", "/b?versioning", false, "PutBucketVersioning"},
		{"GET", "/b?versions&prefix=x", false, "ListObjectVersions"},
		{"GET", "/b?uploads", false, "ListMultipartUploads"},
		{"POST", "/b?delete", false, "DeleteObjects"},
		{"POST", "/b", false, "PostObject"},
		{"GET", "/b?policy", false, "Other"},
		{"DELETE", "/b?cors", false, "Other"},
		{"GET", "/b?acl", false, "GetBucketAcl"},
		{"GET", "/b/k", false, "GetObject"},
		{"GET", "/b/dir/k?versionId=v1", false, "GetObject"},
		{"GET", "/b/k?attributes", false, "GetObjectAttributes"},
		{"HEAD", "/b/k", false, "HeadObject"},
		{"HEAD", "/b/k?versionId=v1", false, "HeadObject"},
		{"PUT", "/b/k", false, "PutObject"},
		{"PUT", "/b/k", true, "CopyObject"},
		{"DELETE", "/b/k", false, "DeleteObject"},
		{"DELETE", "/b/k?versionId=v1", false, "DeleteObject"},
		{"GET", "/b/k?tagging", false, "GetObjectTagging"},
		{"PUT", "/b/k?tagging=", false, "PutObjectTagging"},
		{"DELETE", "/b/k?tagging", false, "DeleteObjectTagging"},
		{"PUT", "/b/k?acl", false, "PutObjectAcl"},
		{"PUT", "/b/k?retention", false, "PutObjectRetention"},
		{"DELETE", "/b?object-lock", false, "Other"},
		{"POST", "/b/k?uploads", false, "CreateMultipartUpload"},
		{"PUT", "/b/k?partNumber=2&uploadId=u1", false, "UploadPart"},
		{"PUT", "/b/k?partNumber=2&uploadId=u1", true, "UploadPartCopy"},
		{"POST", "/b/k?uploadId=u1", false, "CompleteMultipartUpload"},
		{"DELETE", "/b/k?uploadId=u1", false, "AbortMultipartUpload"},
		{"GET", "/b/k?uploadId=u1", false, "ListParts"},
		{"PATCH", "/b/k", false, "Other"},
		// A parameter that merely starts like a subresource is not one.
		{"GET", "/b?versionsx=1&list-type=2", false, "ListObjectsV2"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.target, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, tt.target, nil)
			if tt.copySource {
				r.Header.Set("X-Amz-Copy-Source", "/b/src")
			}
			if got := classify(r).String(); got != tt.want {
				t.Errorf("classify = %s, want %s", got, tt.want)
			}
		})
	}
}

// gather returns the value of the series of name whose labels include
// labels, and whether it exists; histograms give their sample count.
func gather(t *testing.T, reg *prometheus.Registry, name string, labels map[string]string) (float64, bool) {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			if !hasLabels(m, labels) {
				continue
			}
			switch {
			case m.Counter != nil:
				return m.Counter.GetValue(), true
			case m.Gauge != nil:
				return m.Gauge.GetValue(), true
			case m.Histogram != nil:
				return float64(m.Histogram.GetSampleCount()), true
			}
		}
	}
	return 0, false
}

func hasLabels(m *dto.Metric, want map[string]string) bool {
	found := 0
	for _, l := range m.GetLabel() {
		if v, ok := want[l.GetName()]; ok {
			if v != l.GetValue() {
				return false
			}
			found++
		}
	}
	return found == len(want)
}

func TestMiddlewareCountsRequests(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := newMetrics(reg)
	h := m.middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		switch {
		case r.Method == http.MethodHead:
			w.Header().Set("Content-Length", "5")
		case r.URL.Path == "/b/missing":
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, "<Error/>")
		case r.Method == http.MethodGet:
			io.Copy(w, strings.NewReader("hello world")) // through ReadFrom
		case n > 0:
			w.WriteHeader(http.StatusOK)
		}
	}))
	do := func(method, target string, body io.Reader) {
		r := httptest.NewRequest(method, target, body)
		h.ServeHTTP(httptest.NewRecorder(), r)
	}
	for range 3 {
		do("GET", "/b/k", nil)
	}
	do("GET", "/b/missing", nil)
	do("HEAD", "/b/k", nil)
	do("PUT", "/b/k", bytes.NewReader(make([]byte, 1000)))
	do("PUT", "/b/k2", bytes.NewReader(make([]byte, 24)))
	do("GET", "/b?list-type=2", nil)

	tests := []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"ringside_s3_requests_total", map[string]string{"op": "GetObject", "status": "200"}, 3},
		{"ringside_s3_requests_total", map[string]string{"op": "GetObject", "status": "404"}, 1},
		{"ringside_s3_requests_total", map[string]string{"op": "HeadObject", "status": "200"}, 1},
		{"ringside_s3_requests_total", map[string]string{"op": "PutObject", "status": "200"}, 2},
		{"ringside_s3_requests_total", map[string]string{"op": "ListObjectsV2", "status": "200"}, 1},
		{"ringside_s3_request_duration_seconds", map[string]string{"op": "GetObject"}, 4},
		{"ringside_s3_request_duration_seconds", map[string]string{"op": "PutObject"}, 2},
		{"ringside_s3_sent_bytes_total", map[string]string{"op": "GetObject"}, 3*11 + 8},
		{"ringside_s3_received_bytes_total", map[string]string{"op": "PutObject"}, 1024},
	}
	for _, tt := range tests {
		got, ok := gather(t, reg, tt.name, tt.labels)
		if !ok || got != tt.want {
			t.Errorf("%s%v = %v (present %v), want %v", tt.name, tt.labels, got, ok, tt.want)
		}
	}
	if _, ok := gather(t, reg, "ringside_s3_requests_total", map[string]string{"op": "DeleteObject", "status": "204"}); ok {
		t.Error("an operation never requested has a success series")
	}
	if _, ok := gather(t, reg, "ringside_s3_request_duration_seconds", map[string]string{"op": "DeleteObject"}); ok {
		t.Error("an operation never requested has a latency series")
	}
}

// TestFaultCountersExistAtZero checks that before any request every
// operation of the route table has its 500 and 503 series at 0, and
// nothing else.
func TestFaultCountersExistAtZero(t *testing.T) {
	reg := prometheus.NewRegistry()
	newMetrics(reg)
	want := map[string]bool{}
	for _, rt := range routes {
		for _, status := range []string{"500", "503"} {
			want[rt.op.String()+" "+status] = true
		}
	}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, f := range families {
		if f.GetName() != "ringside_s3_requests_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			got[labels["op"]+" "+labels["status"]] = true
			if v := m.GetCounter().GetValue(); v != 0 {
				t.Errorf("%v = %v before any request", labels, v)
			}
		}
	}
	for k := range want {
		if !got[k] {
			t.Errorf("no series %s at the start", k)
		}
	}
	for k := range got {
		if !want[k] {
			t.Errorf("unexpected series %s at the start", k)
		}
	}
	if !want["PutObject 503"] || !want["ListObjectsV2 500"] {
		t.Fatalf("route table not walked: %d series wanted", len(want))
	}
}

func TestObserveBackend(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := newMetrics(reg)
	m.observeBackend("ring", "PutObject", 200, 30*time.Millisecond)
	m.observeBackend("ring", "PutObject", 200, 10*time.Millisecond)
	m.observeBackend("ring", "PutObject", 503, time.Second)
	m.observeBackend("dr", "PutObject", 200, time.Millisecond)
	m.observeBackend("ring", "ListObjectVersions", 0, time.Second)
	m.observeBackend("dr", "SomethingNew", 200, time.Millisecond)

	tests := []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"ringside_backend_requests_total", map[string]string{"location": "ring", "op": "PutObject", "status": "200"}, 2},
		{"ringside_backend_requests_total", map[string]string{"location": "ring", "op": "PutObject", "status": "503"}, 1},
		{"ringside_backend_requests_total", map[string]string{"location": "dr", "op": "PutObject", "status": "200"}, 1},
		{"ringside_backend_requests_total", map[string]string{"location": "ring", "op": "ListObjectVersions", "status": "0"}, 1},
		{"ringside_backend_requests_total", map[string]string{"location": "dr", "op": "SomethingNew", "status": "200"}, 1},
		{"ringside_backend_request_duration_seconds", map[string]string{"location": "ring", "op": "PutObject"}, 3},
		{"ringside_backend_request_duration_seconds", map[string]string{"location": "dr", "op": "PutObject"}, 1},
		{"ringside_backend_request_duration_seconds", map[string]string{"location": "dr", "op": "SomethingNew"}, 1},
	}
	for _, tt := range tests {
		got, ok := gather(t, reg, tt.name, tt.labels)
		if !ok || got != tt.want {
			t.Errorf("%s%v = %v (present %v), want %v", tt.name, tt.labels, got, ok, tt.want)
		}
	}
	if _, ok := gather(t, reg, "ringside_backend_requests_total", map[string]string{"location": "dr", "status": "503"}); ok {
		t.Error("a location's requests were counted under another")
	}
}

// flushWriter is a ResponseWriter that notes flushes and allocates nothing.
type flushWriter struct {
	h       http.Header
	flushed int
	n       int
}

func (w *flushWriter) Header() http.Header         { return w.h }
func (w *flushWriter) Write(p []byte) (int, error) { w.n += len(p); return len(p), nil }
func (w *flushWriter) WriteHeader(int)             {}
func (w *flushWriter) Flush()                      { w.flushed++ }

func TestMiddlewareKeepsFlusherAndUnwrap(t *testing.T) {
	m := newMetrics(prometheus.NewRegistry())
	under := &flushWriter{h: http.Header{}}
	var unwrapped http.ResponseWriter
	h := m.middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, ok := w.(http.Flusher)
		if !ok {
			t.Fatal("the wrapped writer is not an http.Flusher")
		}
		f.Flush()
		if u, ok := w.(interface{ Unwrap() http.ResponseWriter }); ok {
			unwrapped = u.Unwrap()
		}
	}))
	h.ServeHTTP(under, httptest.NewRequest("GET", "/b/k", nil))
	if under.flushed != 1 {
		t.Errorf("flushes reaching the server's writer = %d, want 1", under.flushed)
	}
	if unwrapped != under {
		t.Error("Unwrap does not return the server's writer")
	}
}

func TestMiddlewareWithoutRegistryIsTransparent(t *testing.T) {
	w := &flushWriter{h: http.Header{}}
	var seen http.ResponseWriter
	newMetrics(nil).middleware(http.HandlerFunc(func(rw http.ResponseWriter, _ *http.Request) {
		seen = rw
	})).ServeHTTP(w, httptest.NewRequest("GET", "/b/k", nil))
	if seen != w {
		t.Error("with no registry the handler does not get the server's writer")
	}
}

func TestMiddlewareDoesNotAllocate(t *testing.T) {
	m := newMetrics(prometheus.NewRegistry())
	body := []byte("0123456789")
	h := m.middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(body)
	}))
	w := &flushWriter{h: http.Header{}}
	tests := []*http.Request{
		httptest.NewRequest("GET", "/bucket/some/key", nil),
		httptest.NewRequest("HEAD", "/bucket/some/key?versionId=abc", nil),
		httptest.NewRequest("GET", "/bucket?list-type=2&prefix=a%2F&delimiter=%2F", nil),
	}
	for _, r := range tests {
		h.ServeHTTP(w, r) // creates the series
		if allocs := testing.AllocsPerRun(200, func() { h.ServeHTTP(w, r) }); allocs != 0 {
			t.Errorf("%s %s: %v allocations per request, want 0", r.Method, r.URL, allocs)
		}
	}
}

func TestRegisterIsIdempotentPerRegistry(t *testing.T) {
	reg := prometheus.NewRegistry()
	a, b := newMetrics(reg), newMetrics(reg)
	a.middleware(http.NotFoundHandler()).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/b/k", nil))
	b.middleware(http.NotFoundHandler()).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/b/k", nil))
	got, _ := gather(t, reg, "ringside_s3_requests_total", map[string]string{"op": "GetObject", "status": "404"})
	if got != 2 {
		t.Errorf("two gateways on one registry counted %v requests, want 2", got)
	}
}

func TestStatusCountersConcurrent(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := newMetrics(reg)
	statuses := []int{200, 204, 206, 304, 404, 412, 500, 503}
	const perStatus = 200
	done := make(chan struct{})
	for _, s := range statuses {
		go func() {
			for range perStatus {
				m.requests.inc(opGetObject, s)
			}
			done <- struct{}{}
		}()
	}
	for range statuses {
		<-done
	}
	for _, s := range statuses {
		got, _ := gather(t, reg, "ringside_s3_requests_total", map[string]string{"op": "GetObject", "status": statusLabel(s)})
		if got != perStatus {
			t.Errorf("status %d counted %v times, want %d", s, got, perStatus)
		}
	}
}

func BenchmarkMiddleware(b *testing.B) {
	m := newMetrics(prometheus.NewRegistry())
	h := m.middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
	}))
	r := httptest.NewRequest("HEAD", "/bucket/some/key", nil)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		w := &flushWriter{h: http.Header{}}
		for pb.Next() {
			h.ServeHTTP(w, r)
		}
	})
}

// TestBackendMetricsByLocation checks that the catalog's clients tell the
// observer which location made a request.
func TestBackendMetricsByLocation(t *testing.T) {
	e := newS3Env(t)
	e.createBucket("photos", "ring")
	e.createBucket("docs", "shared")
	e.put("photos", "a", "1")
	e.put("docs", "b", "2")
	e.put("docs", "c", "3")
	for loc, want := range map[string]float64{"ring": 1, "shared": 2} {
		got, ok := gather(t, e.reg, "ringside_backend_requests_total", map[string]string{"location": loc, "op": "PutObject", "status": "200"})
		if !ok || got != want {
			t.Errorf("PutObject of location %s = %v (present %v), want %v", loc, got, ok, want)
		}
	}
}

package passthrough

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// counting is a wrapper that counts, or discards when told to.
type counting struct {
	Writer
	discard bool
	bodies  int
	sent    int64
}

func (c *counting) Body() bool   { c.bodies++; return !c.discard }
func (c *counting) Sent(n int64) { c.sent += n }

func newCounting(w http.ResponseWriter, discard bool) *counting {
	c := &counting{discard: discard}
	c.Writer = Writer{ResponseWriter: w, Hooks: c}
	return c
}

// readFromOnly is a ResponseWriter that records whether its ReadFrom was
// used, as a server connection's would be for a splice.
type readFromOnly struct {
	*httptest.ResponseRecorder
	readFrom bool
}

func (r *readFromOnly) ReadFrom(src io.Reader) (int64, error) {
	r.readFrom = true
	return io.Copy(r.ResponseRecorder, struct{ io.Reader }{src})
}

func TestWriterPassesOnAndCounts(t *testing.T) {
	inner := &readFromOnly{ResponseRecorder: httptest.NewRecorder()}
	c := newCounting(inner, false)
	if _, err := c.Write([]byte("abc")); err != nil {
		t.Fatal(err)
	}
	// A reader without WriteTo, as a backend body is.
	if _, err := io.Copy(c, struct{ io.Reader }{strings.NewReader("defg")}); err != nil {
		t.Fatal(err)
	}
	c.Flush()
	if got := inner.Body.String(); got != "abcdefg" || c.sent != 7 || c.bodies != 3 {
		t.Errorf("body %q, sent %d, %d calls of Body", got, c.sent, c.bodies)
	}
	if !inner.readFrom {
		t.Error("io.Copy did not reach the wrapped writer's ReadFrom")
	}
	if !inner.Flushed {
		t.Error("the flush was not passed on")
	}
	if http.NewResponseController(c).Flush() != nil {
		t.Error("ResponseController cannot flush through Unwrap")
	}
}

func TestWriterDiscards(t *testing.T) {
	inner := httptest.NewRecorder()
	c := newCounting(inner, true)
	if n, err := c.Write([]byte("abc")); n != 3 || err != nil {
		t.Errorf("Write = %d, %v", n, err)
	}
	if n, err := c.ReadFrom(strings.NewReader("defg")); n != 4 || err != nil {
		t.Errorf("ReadFrom = %d, %v", n, err)
	}
	c.Flush()
	if inner.Body.Len() != 0 || inner.Flushed || c.sent != 0 {
		t.Errorf("passed on %q, flushed %v, sent %d", inner.Body, inner.Flushed, c.sent)
	}
}

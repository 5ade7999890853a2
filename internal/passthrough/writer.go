package passthrough

import (
	"io"
	"net/http"
)

// Hooks is what a wrapper built on Writer is told of the body.
type Hooks interface {
	// Body is called before body bytes or a flush are passed on. It sends
	// the response header if none was sent yet, as the server would, and
	// returns false for the bytes to be discarded instead.
	Body() bool
	// Sent is called with the number of body bytes passed on.
	Sent(n int64)
}

// Writer passes a response body on to the ResponseWriter it wraps,
// telling Hooks. A wrapper embeds it and sets Hooks to itself; it keeps
// its own WriteHeader.
type Writer struct {
	http.ResponseWriter
	Hooks Hooks
}

func (w *Writer) Write(p []byte) (int, error) {
	if !w.Hooks.Body() {
		return len(p), nil
	}
	n, err := w.ResponseWriter.Write(p)
	w.Hooks.Sent(int64(n))
	return n, err
}

// ReadFrom passes src on to the ReadFrom of the writer it wraps, if it
// has one (io.Copy uses it), so that the server can splice it.
func (w *Writer) ReadFrom(src io.Reader) (int64, error) {
	if !w.Hooks.Body() {
		return io.Copy(io.Discard, src)
	}
	n, err := io.Copy(w.ResponseWriter, src)
	w.Hooks.Sent(n)
	return n, err
}

// Flush passes a flush on, if the writer it wraps can flush.
func (w *Writer) Flush() {
	if !w.Hooks.Body() {
		return
	}
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

// Unwrap lets http.ResponseController reach the connection.
func (w *Writer) Unwrap() http.ResponseWriter { return w.ResponseWriter }

package chunks

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"testing/iotest"
)

// writes records the size of each write.
type writes struct {
	bytes.Buffer
	sizes []int
}

func (w *writes) Write(p []byte) (int, error) {
	w.sizes = append(w.sizes, len(p))
	return w.Buffer.Write(p)
}

func TestCopy(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789"), 1000) // 10,000 bytes
	cut := errors.New("connection reset")
	for _, tt := range []struct {
		name      string
		src       io.Reader
		buf       int
		wantSizes []int
		wantErr   error
		wantBytes int
	}{
		{"a byte a read, written in full buffers", iotest.OneByteReader(bytes.NewReader(data)), 4096, []int{4096, 4096, 1808}, nil, 10000},
		{"half reads", iotest.HalfReader(bytes.NewReader(data)), 3000, []int{3000, 3000, 3000, 1000}, nil, 10000},
		{"a source exactly a buffer", bytes.NewReader(data[:4096]), 4096, []int{4096}, nil, 4096},
		{"an empty source", bytes.NewReader(nil), 4096, nil, nil, 0},
		{"data with EOF", iotest.DataErrReader(bytes.NewReader(data[:100])), 4096, []int{100}, nil, 100},
		{"a source that fails mid-way", io.MultiReader(bytes.NewReader(data[:5000]), iotest.ErrReader(cut)), 4096, []int{4096, 904}, cut, 5000},
		{"cut short is not an end", io.MultiReader(bytes.NewReader(data[:10]), iotest.ErrReader(io.ErrUnexpectedEOF)), 4096, []int{10}, io.ErrUnexpectedEOF, 10},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var w writes
			n, err := Copy(&w, tt.src, make([]byte, tt.buf))
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Fatalf("error %v, want %v", err, tt.wantErr)
			}
			if n != int64(tt.wantBytes) || !bytes.Equal(w.Bytes(), data[:tt.wantBytes]) {
				t.Fatalf("copied %d bytes (%d returned), want the first %d", w.Len(), n, tt.wantBytes)
			}
			if len(w.sizes) != len(tt.wantSizes) {
				t.Fatalf("writes of %v, want %v", w.sizes, tt.wantSizes)
			}
			for i := range w.sizes {
				if w.sizes[i] != tt.wantSizes[i] {
					t.Fatalf("writes of %v, want %v", w.sizes, tt.wantSizes)
				}
			}
		})
	}
}

// failingWriter takes n bytes, then fails.
type failingWriter struct{ n int }

func (f *failingWriter) Write(p []byte) (int, error) {
	if len(p) > f.n {
		k := f.n
		f.n = 0
		return k, io.ErrShortWrite
	}
	f.n -= len(p)
	return len(p), nil
}

func TestCopyStopsAtAFailedWrite(t *testing.T) {
	src := bytes.NewReader(make([]byte, 10000))
	n, err := Copy(&failingWriter{n: 5000}, src, make([]byte, 4096))
	if !errors.Is(err, io.ErrShortWrite) || n != 5000 {
		t.Fatalf("copied %d, %v; want 5000 and the write's error", n, err)
	}
	if src.Len() != 10000-8192 {
		t.Fatalf("%d bytes left unread, want the source read no further than the failed write", src.Len())
	}
}

// Package chunks copies streams a whole buffer at a time. Where every
// write has a cost of its own (a TLS record set sent in one system call,
// a batch held back on a connection), a source that gives little per
// read (a TLS connection gives a record, 16 KiB at most) would otherwise
// make a write of each read.
package chunks

import "io"

// Copy copies src to dst until src ends, writing buf only once it is
// full, but for the last write. It returns the bytes written and the
// first error of either side other than src's io.EOF.
func Copy(dst io.Writer, src io.Reader, buf []byte) (int64, error) {
	var written int64
	for {
		n, rerr := fill(src, buf)
		if n > 0 {
			m, err := dst.Write(buf[:n])
			written += int64(m)
			if err != nil {
				return written, err
			}
		}
		if rerr == io.EOF {
			return written, nil
		}
		if rerr != nil {
			return written, rerr
		}
	}
}

// fill reads from r until buf is full or r fails. An io.EOF is returned
// as is, where io.ReadFull would turn an early one into
// io.ErrUnexpectedEOF, the error of a body cut short.
func fill(r io.Reader, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		m, err := r.Read(buf[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

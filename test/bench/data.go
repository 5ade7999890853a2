package main

import (
	"errors"
	"hash/fnv"
	"io"
	"math/rand/v2"
)

// patternSize is the length of the random pattern object bodies are cut
// from: bodies are generated as they are sent and never held in memory.
const patternSize = 1 << 20

// pattern is a seeded random block; object k's byte at offset o is
// pattern[(o + shift(k)) % patternSize], so bodies differ between keys and
// are the same from run to run.
type pattern []byte

func newPattern(seed uint64) pattern {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	p := make(pattern, patternSize)
	for i := 0; i < len(p); i += 8 {
		v := r.Uint64()
		for j := 0; j < 8; j++ {
			p[i+j] = byte(v >> (8 * j))
		}
	}
	return p
}

// body is an object body of size bytes for key: an io.ReadSeeker, so the
// SDK can hash it for the signature and rewind it.
func (p pattern) body(key string, size int64) *objectBody {
	h := fnv.New64a()
	h.Write([]byte(key))
	return &objectBody{p: p, size: size, shift: int64(h.Sum64() % patternSize)}
}

type objectBody struct {
	p     pattern
	size  int64
	shift int64
	off   int64
}

func (b *objectBody) Read(buf []byte) (int, error) {
	if b.off >= b.size {
		return 0, io.EOF
	}
	n := 0
	for n < len(buf) && b.off < b.size {
		start := (b.off + b.shift) % patternSize
		chunk := b.p[start:]
		if rem := b.size - b.off; int64(len(chunk)) > rem {
			chunk = chunk[:rem]
		}
		c := copy(buf[n:], chunk)
		n += c
		b.off += int64(c)
	}
	return n, nil
}

func (b *objectBody) Seek(offset int64, whence int) (int64, error) {
	var abs int64
	switch whence {
	case io.SeekStart:
		abs = offset
	case io.SeekCurrent:
		abs = b.off + offset
	case io.SeekEnd:
		abs = b.size + offset
	default:
		return 0, errors.New("seek: bad whence")
	}
	if abs < 0 {
		return 0, errors.New("seek: negative position")
	}
	b.off = abs
	return abs, nil
}

// section is the part of an object body from off, of size bytes, as a
// body of its own (a multipart upload's part).
func (b *objectBody) section(off, size int64) *objectBody {
	return &objectBody{p: b.p, size: size, shift: (b.shift + off) % patternSize}
}

package index

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Formats of the O and V values, told apart by their first byte. Releases
// before the binary format stored JSON objects, which always begin with
// '{': those records stay readable, and are rewritten in the binary form
// the next time their key changes.
const (
	formatJSON   byte = '{'
	formatBinary byte = 0x01
)

// Flag bits of a binary record.
const (
	flagDeleteMarker byte = 1 << iota
	flagMetaPending
	// flagParts says the part sizes follow the metadata: a count and
	// the sizes. Records without it, written before parts were kept,
	// end after the metadata.
	flagParts
)

// errRecord reports a value that is no version record of a known format.
var errRecord = errors.New("malformed version record")

// encodeVersion returns a version's stored form and its user meta byte.
//
// The binary form puts the fields a listing shows first, so that a listing
// stops decoding after them: format, flags, version ID, size, ETag, last
// modified; then key, indexed at and the metadata, its names sorted so
// that equal versions encode to equal bytes (rewrites compare them).
// Strings are a uvarint length and the bytes; times are the varint Unix
// seconds and the uvarint nanoseconds, in UTC.
func encodeVersion(v Version) ([]byte, byte, error) {
	n := 32 + len(v.VersionID) + len(v.ETag) + len(v.Key)
	for k, val := range v.Metadata {
		n += 4 + len(k) + len(val)
	}
	b := make([]byte, 0, n)
	var flags, meta byte
	if v.IsDeleteMarker {
		flags |= flagDeleteMarker
		meta = metaDeleteMarker
	}
	if v.MetaPending {
		flags |= flagMetaPending
	}
	if len(v.Parts) > 0 {
		flags |= flagParts
		n += 2 + 4*len(v.Parts)
	}
	b = append(b, formatBinary, flags)
	b = appendString(b, v.VersionID)
	b = binary.AppendVarint(b, v.Size)
	b = appendString(b, v.ETag)
	b = appendTime(b, v.LastModified)
	b = appendString(b, v.Key)
	b = appendTime(b, v.IndexedAt)
	b = binary.AppendUvarint(b, uint64(len(v.Metadata)))
	names := make([]string, 0, len(v.Metadata))
	for k := range v.Metadata {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		b = appendString(b, k)
		b = appendString(b, v.Metadata[k])
	}
	if len(v.Parts) > 0 {
		b = binary.AppendUvarint(b, uint64(len(v.Parts)))
		for _, p := range v.Parts {
			b = binary.AppendUvarint(b, uint64(p))
		}
	}
	return b, meta, nil
}

func appendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

func appendTime(b []byte, t time.Time) []byte {
	return binary.AppendUvarint(binary.AppendVarint(b, t.Unix()), uint64(t.Nanosecond()))
}

// decodeVersion decodes a stored record of either format.
func decodeVersion(raw []byte) (Version, error) {
	var v Version
	if len(raw) > 0 && raw[0] == formatJSON {
		if err := json.Unmarshal(raw, &v); err != nil {
			return Version{}, err
		}
		return v, nil
	}
	var l listing
	r, err := l.decode(raw)
	if err != nil {
		return Version{}, err
	}
	// One allocation holds the three strings, which live and die with
	// the version.
	key := r.bytes()
	all := string(l.versionID) + string(l.etag) + string(key)
	n, m := len(l.versionID), len(l.versionID)+len(l.etag)
	v.VersionID, v.ETag, v.Key = all[:n], all[n:m], all[m:]
	v.Size, v.LastModified = l.size, l.lastModified
	v.IsDeleteMarker, v.MetaPending = l.deleteMarker, l.metaPending
	v.IndexedAt = r.time()
	if n := r.uvarint(); n > 0 && r.ok() {
		if n > uint64(len(r.b)) {
			// Each entry takes at least two bytes: a corrupt count must
			// not size the map.
			return Version{}, errRecord
		}
		v.Metadata = make(map[string]string, n)
		for range n {
			k := string(r.bytes())
			v.Metadata[k] = string(r.bytes())
		}
	}
	if l.parts {
		v.Parts = r.parts()
	}
	if !r.ok() || len(r.b) != 0 {
		return Version{}, errRecord
	}
	return v, nil
}

// listing holds the fields of a record that a listing shows. Its byte
// slices alias the record, which Badger owns: they are valid only inside
// the item's Value callback.
type listing struct {
	versionID, etag []byte
	size            int64
	lastModified    time.Time
	deleteMarker    bool
	metaPending     bool
	parts           bool // the record ends with part sizes
}

// jsonListing is what a listing reads of a JSON record: encoding/json
// skips the other fields without building the metadata map.
type jsonListing struct {
	VersionID      string    `json:"v"`
	IsDeleteMarker bool      `json:"dm"`
	Size           int64     `json:"s"`
	ETag           string    `json:"e"`
	LastModified   time.Time `json:"t"`
	MetaPending    bool      `json:"p"`
}

// decode reads the listing fields of raw, and returns a reader at the
// rest of a binary record.
func (l *listing) decode(raw []byte) (recordReader, error) {
	if len(raw) > 0 && raw[0] == formatJSON {
		var j jsonListing
		if err := json.Unmarshal(raw, &j); err != nil {
			return recordReader{}, err
		}
		*l = listing{
			versionID: []byte(j.VersionID), etag: []byte(j.ETag),
			size: j.Size, lastModified: j.LastModified,
			deleteMarker: j.IsDeleteMarker, metaPending: j.MetaPending,
		}
		return recordReader{}, nil
	}
	if len(raw) < 2 || raw[0] != formatBinary {
		return recordReader{}, errRecord
	}
	flags := raw[1]
	r := recordReader{b: raw[2:]}
	l.deleteMarker = flags&flagDeleteMarker != 0
	l.metaPending = flags&flagMetaPending != 0
	l.parts = flags&flagParts != 0
	l.versionID = r.bytes()
	l.size = r.varint()
	l.etag = r.bytes()
	l.lastModified = r.time()
	if !r.ok() {
		return recordReader{}, errRecord
	}
	return r, nil
}

// recordReader reads a binary record; a read past its end or a malformed
// number clears b and marks the reader bad, so callers check once at the
// end.
type recordReader struct {
	b   []byte
	bad bool
}

func (r *recordReader) ok() bool { return !r.bad }

func (r *recordReader) fail() {
	r.b, r.bad = nil, true
}

func (r *recordReader) uvarint() uint64 {
	x, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.b = r.b[n:]
	return x
}

func (r *recordReader) varint() int64 {
	x, n := binary.Varint(r.b)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.b = r.b[n:]
	return x
}

func (r *recordReader) bytes() []byte {
	n := r.uvarint()
	if n > uint64(len(r.b)) {
		r.fail()
		return nil
	}
	s := r.b[:n:n]
	r.b = r.b[n:]
	return s
}

// parts reads a count and as many part sizes.
func (r *recordReader) parts() []int64 {
	n := r.uvarint()
	if n == 0 || n > uint64(len(r.b)) {
		// Each size takes at least a byte: a corrupt count must not
		// size the slice.
		r.fail()
		return nil
	}
	ps := make([]int64, n)
	for i := range ps {
		ps[i] = int64(r.uvarint())
	}
	return ps
}

func (r *recordReader) time() time.Time {
	sec, nsec := r.varint(), r.uvarint()
	if nsec >= uint64(time.Second) {
		r.fail()
		return time.Time{}
	}
	// UTC also turns the zero time back into time.Time{}.
	return time.Unix(sec, int64(nsec)).UTC()
}

// decodeErr names the record that failed to decode.
func decodeErr(k []byte, err error) error {
	return fmt.Errorf("decode %q: %w", k, err)
}

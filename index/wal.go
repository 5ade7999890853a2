package index

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
)

// Badger's memtable log format (badger/v4 memtable.go, structs.go,
// value.go): a 20-byte header (key ID, IV), then entries of a varint
// header (meta, user meta, key length, value length, expiry), the key, the
// value and a Castagnoli CRC-32 of all three; the entries of a transaction
// carry bitTxn and end with a bitFinTxn entry whose value is its commit
// timestamp.
const (
	walHeaderSize = 20
	walBitTxn     = 1 << 6
	walBitFinTxn  = 1 << 7
)

var walCRC = crc32.MakeTable(crc32.Castagnoli)

// trimMemtableLogs cuts the memtable logs in dir down to their last
// complete transaction, which is what Badger's writable open does before
// it replays them, so that a read-only open (which refuses logs longer
// than their entries, as a crash leaves them) can replay them. Cutting
// needs no free space.
func trimMemtableLogs(dir string) error {
	logs, err := filepath.Glob(filepath.Join(dir, "*.mem"))
	if err != nil {
		return err
	}
	for _, path := range logs {
		if err := trimMemtableLog(path); err != nil {
			return fmt.Errorf("trim the memtable log %s: %w", path, err)
		}
	}
	return nil
}

func trimMemtableLog(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	end, err := memtableLogEnd(bufio.NewReader(f))
	if err != nil {
		return err
	}
	if end >= st.Size() {
		return nil
	}
	return f.Truncate(end)
}

// memtableLogEnd returns the offset just past the last complete
// transaction of a memtable log, as Badger's replay (logFile.iterate)
// finds it: the first entry that is zero, torn, fails its checksum or
// belongs to an unfinished transaction ends the log.
func memtableLogEnd(r *bufio.Reader) (int64, error) {
	if _, err := r.Discard(walHeaderSize); err != nil {
		return 0, errors.New("shorter than its header")
	}
	off, valid := int64(walHeaderSize), int64(walHeaderSize)
	var open uint64 // commit timestamp of the transaction being read
	for {
		meta, key, value, n, ok := readWALEntry(r)
		if !ok || len(key) == 0 {
			return valid, nil
		}
		off += n
		switch {
		case meta&walBitTxn != 0:
			ts := uint64(0)
			if len(key) > 8 {
				ts = math.MaxUint64 - binary.BigEndian.Uint64(key[len(key)-8:])
			}
			if open == 0 {
				open = ts
			}
			if open != ts {
				return valid, nil
			}
		case meta&walBitFinTxn != 0:
			ts, err := strconv.ParseUint(string(value), 10, 64)
			if err != nil || ts != open {
				return valid, nil
			}
			open, valid = 0, off
		default:
			if open != 0 {
				return valid, nil
			}
			valid = off
		}
	}
}

// readWALEntry reads one entry and its length; ok is false for a torn or
// corrupt one.
func readWALEntry(r *bufio.Reader) (meta byte, key, value []byte, n int64, ok bool) {
	var head []byte
	for range 2 {
		b, err := r.ReadByte()
		if err != nil {
			return 0, nil, nil, 0, false
		}
		head = append(head, b)
	}
	var lens [3]uint64
	for i := range lens {
		v, err := binary.ReadUvarint(r)
		if err != nil {
			return 0, nil, nil, 0, false
		}
		lens[i] = v
		head = binary.AppendUvarint(head, v)
	}
	if lens[0] > 1<<16 || lens[1] > 1<<30 {
		return 0, nil, nil, 0, false
	}
	kv := make([]byte, lens[0]+lens[1])
	var sum [4]byte
	if _, err := io.ReadFull(r, kv); err != nil {
		return 0, nil, nil, 0, false
	}
	if _, err := io.ReadFull(r, sum[:]); err != nil {
		return 0, nil, nil, 0, false
	}
	crc := crc32.Update(crc32.Checksum(head, walCRC), walCRC, kv)
	if crc != binary.BigEndian.Uint32(sum[:]) {
		return 0, nil, nil, 0, false
	}
	n = int64(len(head) + len(kv) + len(sum))
	return head[0], kv[:lens[0]], kv[lens[0]:], n, true
}

package mirror

import (
	"context"
	"slices"
	"strings"
)

// Probes and split points are made of printable ASCII bytes only: a key
// marker travels in a query string, and a backend may refuse one that is
// not valid UTF-8 or holds control characters.
const (
	loByte = 0x20
	hiByte = 0x7e
	base   = hiByte - loByte + 1
)

// sampleDepth is how many bytes past the common prefix of the bucket's
// first and last keys the sampling resolves: enough to cut the key space
// into a few dozen ranges, in a few dozen probes.
const sampleDepth = 3

// prober finds keys on a backend with listings of one entry.
type prober struct {
	ctx context.Context
	t   Target
}

// after returns the first gateway key after marker (a gateway key), and
// false when there is none.
func (pr prober) after(marker string) (string, bool, error) {
	km := ""
	if marker != "" {
		km = pr.t.Prefix + marker
	}
	// A few rounds skip what a backend that ignores the prefix, or the
	// key that is the prefix itself, puts first.
	for range 4 {
		vp, err := pr.t.Source.ListVersions(pr.ctx, pr.t.Prefix, km, "", 1)
		if err != nil || len(vp.Versions) == 0 {
			return "", false, err
		}
		k := vp.Versions[0].Key
		if strings.HasPrefix(k, pr.t.Prefix) && len(k) > len(pr.t.Prefix) {
			return k[len(pr.t.Prefix):], true, nil
		}
		if k > pr.t.Prefix {
			return "", false, nil
		}
		km = k
	}
	return "", false, nil
}

// sampleSplits guesses up to parts-1 keys after start that cut the
// backend's keys into parts of about as many keys each, without reading
// them all. It finds the first key and the leading bytes of the last one,
// then bisects: the widest gap between the keys found so far is probed at
// its middle, and the first key after the middle either cuts the gap in
// two or, when it lies beyond the gap, shows the gap's upper half empty.
// Widths are the bytes past the common prefix read as digits of a number,
// so the guess is as good as keys are evenly spread over their bytes where
// they are at all, as keys named by counters, hashes, dates or UUIDs are.
func sampleSplits(ctx context.Context, t Target, start string, parts int) ([]string, error) {
	pr := prober{ctx, t}
	first, ok, err := pr.after(start)
	if err != nil || !ok || parts < 2 {
		return nil, err
	}
	last, err := pr.lastPrefix(first)
	if err != nil {
		return nil, err
	}
	f := frame{prefix: commonPrefix(first, last)}
	gaps := []gap{{key: first, lo: f.pos(first), hi: f.pos(last) + 1}}
	for probes := 0; len(gaps) < parts && probes < 4*parts; probes++ {
		i := widest(gaps)
		g := gaps[i]
		mid := f.str((g.lo + g.hi) / 2)
		if g.hi-g.lo < 2 || mid <= g.key {
			break
		}
		k, ok, err := pr.after(mid)
		if err != nil {
			return nil, err
		}
		if !ok || i+1 < len(gaps) && k >= gaps[i+1].key {
			gaps[i].hi = f.pos(mid) // nothing from mid to the next key
			continue
		}
		gaps[i].hi = f.pos(k)
		gaps = slices.Insert(gaps, i+1, gap{key: k, lo: f.pos(k), hi: g.hi})
	}
	splits := make([]string, 0, len(gaps)-1)
	for _, g := range gaps[1:] {
		splits = append(splits, g.key)
	}
	return splits, nil
}

// gap is the keys from key, a key of the bucket, up to the next gap's key:
// all of them lie in [lo, hi) of the frame.
type gap struct {
	key    string
	lo, hi int64
}

// widest returns the index of the widest gap.
func widest(gaps []gap) int {
	w := 0
	for i, g := range gaps {
		if g.hi-g.lo > gaps[w].hi-gaps[w].lo {
			w = i
		}
	}
	return w
}

// frameDigits is how many bytes past the common prefix a frame reads:
// 95^8 still fits an int64.
const frameDigits = 8

// frame places keys sharing a prefix on a line: the bytes past the prefix
// are digits of a number.
type frame struct{ prefix string }

func (f frame) pos(k string) int64 {
	return digits(strings.TrimPrefix(k, f.prefix), frameDigits)
}

// str is the shortest string at position n: trailing smallest digits
// (spaces) dropped.
func (f frame) str(n int64) string {
	return f.prefix + strings.TrimRight(number(n, frameDigits), string(rune(loByte)))
}

// lastPrefix returns the leading bytes of the backend's last key, up to
// sampleDepth bytes past what it shares with first, resolving a byte at a
// time by bisection.
func (pr prober) lastPrefix(first string) (string, error) {
	p := ""
	for len(p) < len(commonPrefix(first, p))+sampleDepth {
		c, ok, err := pr.maxByte(p, first)
		if err != nil || !ok {
			return p, err
		}
		p += string(rune(c))
		if c == hiByte {
			// Bytes above the alphabet may follow: no further probe
			// can tell them apart.
			return p, nil
		}
	}
	return p, nil
}

// maxByte returns the largest byte c such that a key after p+c starts
// with p, false when there is none. When first extends p, its next byte is
// tried first, which resolves the bytes the first and last keys share in
// one probe each.
func (pr prober) maxByte(p, first string) (byte, bool, error) {
	has := func(c byte) (bool, error) {
		k, ok, err := pr.after(p + string(rune(c)))
		return ok && strings.HasPrefix(k, p), err
	}
	lo, hi := byte(loByte), byte(hiByte)
	if strings.HasPrefix(first, p) && len(first) > len(p) {
		if h := first[len(p)]; h >= loByte && h < hiByte {
			up, err := has(h + 1)
			if err != nil {
				return 0, false, err
			}
			if !up {
				return h, true, nil
			}
			lo = h + 1
		}
	}
	if ok, err := has(lo); err != nil || !ok {
		return 0, false, err
	}
	for lo < hi { // has(lo) holds
		mid := lo + (hi-lo+1)/2
		ok, err := has(mid)
		if err != nil {
			return 0, false, err
		}
		if ok {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return lo, true, nil
}

// digits reads the first width bytes of s as a number in the alphabet,
// bytes outside it clamped, missing ones as the smallest.
func digits(s string, width int) int64 {
	var n int64
	for i := range width {
		d := int64(0)
		if i < len(s) {
			d = int64(min(max(s[i], loByte), hiByte) - loByte)
		}
		n = n*base + d
	}
	return n
}

// number writes n as width bytes of the alphabet.
func number(n int64, width int) string {
	b := make([]byte, width)
	for i := width - 1; i >= 0; i-- {
		b[i] = byte(n%base) + loByte
		n /= base
	}
	return string(b)
}

func commonPrefix(a, b string) string {
	n := min(len(a), len(b))
	for i := range n {
		if a[i] != b[i] {
			return a[:i]
		}
	}
	return a[:n]
}

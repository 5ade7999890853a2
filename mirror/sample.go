package mirror

import (
	"context"
	"errors"
	"strings"
	"sync"
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
// first and last keys the sampling finds of the last key. One is enough:
// the bisection finds where the keys end from there, in the same probes
// that cut the key space.
const sampleDepth = 1

// prober finds keys on a backend with listings of one entry.
type prober struct {
	ctx context.Context
	t   Target
}

// firstPage reads the first page after start (a gateway key) and returns
// its first and last keys, and whether more pages follow.
func (pr prober) firstPage(start string, size int) (first, last string, more bool, err error) {
	km := ""
	if start != "" {
		km = pr.t.Prefix + start
	}
	vp, err := pr.t.Source.ListVersions(pr.ctx, pr.t.Prefix, km, "", size)
	if err != nil || !vp.IsTruncated {
		return "", "", false, err
	}
	for _, o := range vp.Versions {
		if strings.HasPrefix(o.Key, pr.t.Prefix) && len(o.Key) > len(pr.t.Prefix) {
			if first == "" {
				first = o.Key[len(pr.t.Prefix):]
			}
			last = o.Key[len(pr.t.Prefix):]
		}
	}
	if first == "" {
		first, more, err = pr.after(start)
		return first, first, more, err
	}
	return first, last, true, nil
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
// them all. A bucket whose first page holds all its keys is not cut.
// Otherwise it finds the leading bytes of the last key, then cuts: points
// spread over the widest gaps between the keys found so far are probed,
// and the first key after a point either cuts its gap or, when it lies
// beyond the gap, shows the gap empty from the point on. Widths are the
// bytes past the common prefix read as digits of a number, so the guess
// is as good as keys are evenly spread over their bytes where they are at
// all, as keys named by counters, hashes, dates or UUIDs are. Each round
// probes several gaps at once: on a backend whose listing calls are slow,
// the rounds, not the probes, are what the sampling costs.
func sampleSplits(ctx context.Context, t Target, start string, parts, pageSize int) ([]string, error) {
	pr := prober{ctx, t}
	first, pageLast, more, err := pr.firstPage(start, pageSize)
	if err != nil || !more || parts < 2 {
		return nil, err
	}
	last, err := pr.lastPrefix(first)
	if err != nil {
		return nil, err
	}
	f := frame{prefix: commonPrefix(first, last)}
	// Every key starting with last lies below this bound.
	top := f.pos(last+strings.Repeat(string(rune(hiByte)), frameDigits)) + 1
	gaps := []gap{{key: first, lo: f.pos(first), hi: top}}
	// Twice the keys needed, so that the gaps a probe has not yet shown
	// to be partly empty weigh less in the choice.
	for round := 0; len(gaps) < 2*parts && round < 4*parts; round++ {
		var probed bool
		if gaps, probed, err = pr.bisect(f, gaps, parts); err != nil {
			return nil, err
		}
		if !probed {
			break
		}
	}
	if w := f.pos(pageLast) - f.pos(first); w > 0 {
		// As many pages as the first page's width fits in what the
		// probes did not find empty.
		parts = rangesFor(totalWidth(gaps)/w, parts)
	}
	return evenSplits(gaps, parts), nil
}

func totalWidth(gaps []gap) int64 {
	var n int64
	for _, g := range gaps {
		n += g.width()
	}
	return n
}

// probe is a point of the frame probed, and the first key after it.
type probe struct {
	gap int // index of the gap it cuts
	at  int64
	mid string
	key string
	ok  bool
	err error
}

// bisect probes up to n points at once, spread over the widest gaps, and
// returns the gaps cut or narrowed by what they found; false when no gap
// is wide enough to probe.
func (pr prober) bisect(f frame, gaps []gap, n int) ([]gap, bool, error) {
	probes := placeProbes(f, gaps, n)
	if len(probes) == 0 {
		return gaps, false, nil
	}
	var wg sync.WaitGroup
	for _, p := range probes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p.key, p.ok, p.err = pr.after(p.mid)
		}()
	}
	wg.Wait()
	var out []gap
	for i, g := range gaps {
		next := ""
		if i+1 < len(gaps) {
			next = gaps[i+1].key
		}
		cur := g
		for _, p := range probes {
			if p.gap != i || p.mid <= cur.key {
				continue
			}
			if p.err != nil {
				return gaps, false, p.err
			}
			// No key lies between the point and the key found after it.
			cur.hi = min(cur.hi, p.at)
			if p.ok && (next == "" || p.key < next) && p.key > cur.key {
				out = append(out, cur)
				cur = gap{key: p.key, lo: f.pos(p.key), hi: g.hi}
			}
		}
		out = append(out, cur)
	}
	return out, true, nil
}

// placeProbes spreads n points, ascending, over the gaps at least half as
// wide as the widest.
func placeProbes(f frame, gaps []gap, n int) []*probe {
	widest := int64(0)
	for _, g := range gaps {
		widest = max(widest, g.width())
	}
	var wide []int
	for i, g := range gaps {
		if g.width() >= 2 && 2*g.width() >= widest && len(wide) < n {
			wide = append(wide, i)
		}
	}
	var out []*probe
	for _, i := range wide {
		g, q := gaps[i], max(1, n/len(wide))
		for j := 1; j <= q; j++ {
			at := g.lo + g.width()*int64(j)/int64(q+1)
			if mid := f.str(at); at > g.lo && mid > g.key && (len(out) == 0 || mid > out[len(out)-1].mid) {
				out = append(out, &probe{gap: i, at: at, mid: mid})
			}
		}
	}
	return out
}

// evenSplits picks up to parts-1 gap keys that cut the gaps into parts of
// about the same width.
func evenSplits(gaps []gap, parts int) []string {
	if parts < 2 {
		return nil
	}
	total := totalWidth(gaps)
	var out []string
	var sum int64
	for i := 1; i < len(gaps) && len(out) < parts-1; i++ {
		sum += gaps[i-1].width()
		if sum*int64(parts) >= total*int64(len(out)+1) {
			out = append(out, gaps[i].key)
		}
	}
	return out
}

// gap is the keys from key, a key of the bucket, up to the next gap's key:
// all of them lie in [lo, hi) of the frame.
type gap struct {
	key    string
	lo, hi int64
}

func (g gap) width() int64 { return g.hi - g.lo }

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

// lastPrefix returns the leading bytes of the backend's last key: what it
// shares with first, and sampleDepth bytes more, each found by a search
// of several probes at a time.
func (pr prober) lastPrefix(first string) (string, error) {
	n, err := lastTrue(0, len(first), func(n int) (bool, error) { return pr.lastStartsWith(first[:n]) })
	if err != nil {
		return "", err
	}
	p := first[:n]
	for end := len(p) + sampleDepth; len(p) < end; {
		c, err := lastTrue(loByte-1, hiByte, func(c int) (bool, error) { return pr.extends(p, c) })
		if err != nil || c < loByte {
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

// lastStartsWith reports whether the last key starts with p: no key after
// p followed by the alphabet's last byte, as far as a probe can tell,
// leaves p behind.
func (pr prober) lastStartsWith(p string) (bool, error) {
	k, ok, err := pr.after(p + strings.Repeat(string(rune(hiByte)), 4))
	return !ok || strings.HasPrefix(k, p), err
}

// extends reports whether a key after p+c starts with p; true for a c
// below the alphabet, so that a search starts from there.
func (pr prober) extends(p string, c int) (bool, error) {
	if c < loByte {
		return true, nil
	}
	k, ok, err := pr.after(p + string(rune(c)))
	return ok && strings.HasPrefix(k, p), err
}

// searchProbes is how many probes a search sends at once: a 95-byte
// alphabet is searched in three rounds rather than seven.
const searchProbes = 8

// lastTrue returns the largest x in [lo, hi] for which holds, true at lo
// and true then false as x grows, probing searchProbes points spread over
// what is left of the interval at once.
func lastTrue(lo, hi int, holds func(int) (bool, error)) (int, error) {
	for lo < hi {
		step := max(1, (hi-lo)/(searchProbes+1))
		var xs []int
		for x := lo + step; x <= hi && len(xs) < searchProbes; x += step {
			xs = append(xs, x)
		}
		oks := make([]bool, len(xs))
		errs := make([]error, len(xs))
		var wg sync.WaitGroup
		for i, x := range xs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				oks[i], errs[i] = holds(x)
			}()
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			return lo, err
		}
		next := hi
		for i, x := range xs {
			if !oks[i] {
				next = x - 1
				break
			}
			lo = x
		}
		hi = next
	}
	return lo, nil
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

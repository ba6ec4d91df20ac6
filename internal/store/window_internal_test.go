package store

import "testing"

// A segment's claim sizes its first window from the audience's density, so
// a selective segment needs about one window per claim instead of a series
// growing fourfold from the claim's size.
func TestEachWindow(t *testing.T) {
	const limit = 1000
	// Members 1…1,000,000; every hundredth is in the segment (10,000).
	inSegment := func(lo, hi int64) int64 { return hi/100 - lo/100 }
	windows := func(sp idSpan) (n int, got int) {
		err := eachWindow(sp, limit, true, func(lo, hi int64, want int) (int, error) {
			n++
			take := int(min(inSegment(lo, hi), int64(want)))
			got += take
			return take, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return n, got
	}
	sp := idSpan{cursor: 0, end: 1_000_000}
	sp.width = windowWidth(sp, limit, 10_000)
	if sp.width < 100_000 || sp.width > 130_000 {
		t.Errorf("width %d for 1,000 of 10,000 members over 1,000,000 ids, want 100,000 to 130,000", sp.width)
	}
	if n, got := windows(sp); n != 1 || got != limit {
		t.Errorf("sized windows: %d windows took %d members, want 1 and %d", n, got, limit)
	}
	if n, got := windows(idSpan{cursor: 0, end: 1_000_000, width: limit}); n != 5 || got != limit {
		t.Errorf("windows from the claim's size: %d windows took %d, want 5 (1k, 4k, 16k, 64k, 256k ids) and %d", n, got, limit)
	}
	// Nothing known about the audience: windows start at the claim's size.
	if w := windowWidth(sp, limit, 0); w != limit {
		t.Errorf("width without a remaining audience = %d, want %d", w, limit)
	}
	// Never wider than 4M ids.
	if w := windowWidth(idSpan{end: 1 << 40}, limit, 1); w != 1<<22 {
		t.Errorf("width for one member in 2^40 ids = %d, want %d", w, 1<<22)
	}
}

package throttle_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/fanmail/fanmail/internal/throttle"
)

func TestFailures(t *testing.T) {
	f := throttle.New(3, time.Minute)
	t0 := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	for i := range 3 {
		if f.Blocked("a", t0) {
			t.Fatalf("blocked after %d failures", i)
		}
		f.Fail("a", t0.Add(time.Duration(i)*10*time.Second)) // 0 s, 10 s, 20 s
	}
	if !f.Blocked("a", t0.Add(30*time.Second)) || f.Blocked("b", t0.Add(30*time.Second)) {
		t.Error("3 failures in a minute: a is not blocked, or b is")
	}
	// The oldest failure leaves the window at 60 s: two remain.
	if f.Blocked("a", t0.Add(time.Minute)) {
		t.Error("still blocked once the first failure is a minute old")
	}
	f.Forget("a")
	f.Fail("a", t0.Add(time.Minute))
	if f.Blocked("a", t0.Add(time.Minute)) {
		t.Error("blocked after Forget and one failure")
	}
}

// Made-up keys cannot grow the memory without bound.
func TestFailures_Bounded(t *testing.T) {
	f := throttle.New(3, time.Hour)
	now := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	for i := range 25000 {
		f.Fail(fmt.Sprint("spray", i), now)
	}
	f.Fail("victim", now)
	f.Fail("victim", now)
	f.Fail("victim", now)
	if !f.Blocked("victim", now) {
		t.Error("a key's failures were lost right after they were recorded")
	}
	if n := f.Len(); n > 10000 {
		t.Errorf("%d keys remembered, want at most 10,000", n)
	}
}

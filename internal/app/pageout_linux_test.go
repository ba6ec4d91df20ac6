package app

import (
	"os"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// TestPageOutExecutable: the executable's pages leave the process and the
// page cache, and the process goes on running code from the file.
func TestPageOutExecutable(t *testing.T) {
	cachedBefore := cachedPages(t)
	before, after, err := pageOutExecutable()
	if err != nil {
		t.Fatal(err)
	}
	cachedAfter := cachedPages(t)
	t.Logf("resident %d → %d kB; in the page cache %d → %d pages", before>>10, after>>10, cachedBefore, cachedAfter)
	if before == 0 || after >= before {
		t.Errorf("resident bytes of the executable: before %d, after %d; want fewer after", before, after)
	}
	if cachedAfter >= cachedBefore {
		t.Errorf("pages of the executable in the page cache: before %d, after %d; want fewer after", cachedBefore, cachedAfter)
	}
	// Code not run before still runs (read from the file, page by page).
	if _, _, err := pageOutExecutable(); err != nil {
		t.Fatal(err)
	}
}

// cachedPages counts the pages of this process's executable that are in the
// page cache (mincore of a fresh mapping of the whole file).
func cachedPages(t *testing.T) int {
	t.Helper()
	f, err := os.Open("/proc/self/exe")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	m, err := unix.Mmap(int(f.Fd()), 0, int(fi.Size()), unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Munmap(m)
	pages := (len(m) + os.Getpagesize() - 1) / os.Getpagesize()
	vec := make([]byte, pages)
	if _, _, e := unix.Syscall(unix.SYS_MINCORE, uintptr(unsafe.Pointer(&m[0])), uintptr(len(m)), uintptr(unsafe.Pointer(&vec[0]))); e != 0 {
		t.Fatal(e)
	}
	n := 0
	for _, v := range vec {
		n += int(v & 1)
	}
	return n
}

// The trimmer trims at the first idle interval after a busy one, once.
func TestIdleTrimmer(t *testing.T) {
	const interval = 30 * time.Second
	busy, quiet := interval/10, interval/1000
	var tr idleTrimmer
	steps := []struct {
		used time.Duration
		want bool
	}{
		{quiet, true},  // start-up was busy: the first idle interval trims
		{quiet, false}, // still idle: nothing new to give back
		{busy, false},  // a campaign
		{busy, false},
		{quiet, true}, // idle again: trims again
		{quiet, false},
		{time.Duration(idleCPU*float64(interval)) - 1, false}, // just under the line: idle
		{time.Duration(idleCPU * float64(interval)), false},   // on the line: busy
		{quiet, true},
	}
	for i, s := range steps {
		if got := tr.trim(s.used, interval); got != s.want {
			t.Errorf("step %d: trim(%v) = %v, want %v", i, s.used, got, s.want)
		}
	}
}

func TestMappedPath(t *testing.T) {
	for line, want := range map[string]string{
		"00400000-01b3c000 r-xp 00000000 fe:00 1234                               /usr/local/bin/fanmail": "/usr/local/bin/fanmail",
		"00400000-01b3c000 r--p 00000000 fe:00 1234 /opt/fan mail/fanmail (deleted)":                      "/opt/fan mail/fanmail (deleted)",
		"7f0000000000-7f0000021000 rw-p 00000000 00:00 0 ":                                                "",
		"7f0000000000-7f0000021000 rw-p 00000000 00:00 0":                                                 "",
	} {
		if got := mappedPath(line); got != want {
			t.Errorf("mappedPath(%q) = %q, want %q", line, got, want)
		}
	}
}

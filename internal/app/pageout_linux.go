//go:build linux

package app

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// pageOutExecutable asks the kernel to reclaim the pages of fanmail's own
// executable that are mapped into the process; trimWhenIdle calls it when
// the server has gone idle.
//
// Start-up (package initialisation, migrations, demo data, parsing every
// template) runs code and reads function tables spread over the whole
// 40 MB binary, and Linux maps 64 kB around every page touched: an idle
// server keeps about 25 MB of the executable mapped, most of which it never
// touches again. MADV_PAGEOUT reclaims those clean, file-backed pages (they
// leave the page cache unless another process maps them, so the memory is
// freed, not only unmapped); what the idle server does use comes back from
// the file on its first touch. Android's app compaction does the same to
// idle apps. Anonymous memory (the heap, stacks) is left alone.
//
// The mappings are then marked MADV_RANDOM: a page touched later is read
// alone instead of with the block device's read-ahead window (8 MB on
// some virtual disks), which would put most of the file back into the page
// cache at the first fault. The price is a few milliseconds, once, on the
// first requests after the page-out (measured in docs/PERFORMANCE.md);
// --no-page-out keeps everything as it was.
//
// It returns the bytes of the executable resident before and after.
func pageOutExecutable() (before, after int64, err error) {
	exe, err := os.Readlink("/proc/self/exe")
	if err != nil {
		return 0, 0, fmt.Errorf("page out executable: %w", err)
	}
	ranges, before, err := executableMappings(exe)
	if err != nil {
		return 0, 0, fmt.Errorf("page out executable: %w", err)
	}
	for _, r := range ranges {
		if _, _, e := unix.Syscall(unix.SYS_MADVISE, r[0], r[1]-r[0], unix.MADV_PAGEOUT); e != 0 {
			// EINVAL: a kernel before 5.4, without MADV_PAGEOUT.
			return before, before, fmt.Errorf("page out executable: madvise: %w", e)
		}
		if _, _, e := unix.Syscall(unix.SYS_MADVISE, r[0], r[1]-r[0], unix.MADV_RANDOM); e != 0 {
			return before, before, fmt.Errorf("page out executable: madvise: %w", e)
		}
	}
	// Pages of the file that start-up read ahead but never mapped stay in
	// the page cache; drop them too (the mapped ones stay). A binary just
	// written (go run) has dirty pages, which only leave once written.
	if f, err := os.Open("/proc/self/exe"); err == nil {
		f.Sync()
		unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_DONTNEED)
		f.Close()
	}
	_, after, err = executableMappings(exe)
	if err != nil {
		return before, 0, fmt.Errorf("page out executable: %w", err)
	}
	return before, after, nil
}

// executableMappings reads /proc/self/smaps for the read-only mappings of
// the file exe (the code, and the read-only data with the function
// tables) and the bytes of them resident. Writable mappings (.data) are
// left out: their written pages are private copies, not the file's.
func executableMappings(exe string) (ranges [][2]uintptr, resident int64, err error) {
	data, err := os.ReadFile("/proc/self/smaps")
	if err != nil {
		return nil, 0, err
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	in := false
	for sc.Scan() {
		line := sc.Text()
		fields := strings.Fields(line)
		if len(fields) >= 5 && strings.Contains(fields[0], "-") && !strings.HasSuffix(fields[0], ":") {
			in = false
			if mappedPath(line) != exe || strings.Contains(fields[1], "w") {
				continue
			}
			lo, hi, ok := strings.Cut(fields[0], "-")
			start, err1 := strconv.ParseUint(lo, 16, 64)
			end, err2 := strconv.ParseUint(hi, 16, 64)
			if !ok || err1 != nil || err2 != nil {
				return nil, 0, fmt.Errorf("smaps: bad range %q", fields[0])
			}
			ranges = append(ranges, [2]uintptr{uintptr(start), uintptr(end)})
			in = true
			continue
		}
		if in && len(fields) >= 2 && fields[0] == "Rss:" {
			kb, err := strconv.ParseInt(fields[1], 10, 64)
			if err != nil {
				return nil, 0, fmt.Errorf("smaps: bad Rss %q", line)
			}
			resident += kb << 10
		}
	}
	if err := sc.Err(); err != nil {
		return nil, 0, err
	}
	if len(ranges) == 0 {
		return nil, 0, fmt.Errorf("no mapping of %s in /proc/self/smaps", exe)
	}
	return ranges, resident, nil
}

// mappedPath returns the path of a mapping line of /proc/self/maps or
// smaps ("start-end perms offset dev inode   path"): the rest of the line
// after the fifth field, spaces included.
func mappedPath(line string) string {
	rest := line
	for range 5 {
		rest = strings.TrimLeft(rest, " ")
		i := strings.IndexByte(rest, ' ')
		if i < 0 {
			return ""
		}
		rest = rest[i:]
	}
	return strings.TrimLeft(rest, " ")
}

// trimCheck is how often trimWhenIdle looks at the CPU the process used;
// below idleCPU of it, the process is idle.
var trimCheck = 30 * time.Second

const idleCPU = 0.03 // of one core: an idle server uses 0.7–2.5 %

// trimWhenIdle gives memory back each time the process goes idle after
// being busy: start-up, a campaign, a burst of sign-ups. It returns the
// free heap to the system and pages the executable out (pageOutExecutable).
// Waiting for an idle interval keeps the page-out away from a burst of
// requests right after start or a restart, which would otherwise fault
// their code back in page by page.
func (a *App) trimWhenIdle(ctx context.Context) {
	t := time.NewTicker(trimCheck)
	defer t.Stop()
	var idle idleTrimmer
	last := cpuTime()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		now := cpuTime()
		if !idle.trim(now-last, trimCheck) {
			last = now
			continue
		}
		debug.FreeOSMemory()
		before, after, err := pageOutExecutable()
		if err != nil {
			a.logger.Info("executable pages kept", "err", err)
			return
		}
		a.logger.Debug("memory given back", "executable_before_kb", before>>10, "executable_after_kb", after>>10)
		last = cpuTime() // not counting the trim itself
	}
}

// idleTrimmer decides when to trim: at the first idle interval after a busy
// one. It starts busy (start-up ran).
type idleTrimmer struct{ trimmed bool }

// trim is told the CPU time used over an interval and says whether to trim.
func (t *idleTrimmer) trim(used, interval time.Duration) bool {
	if float64(used) >= idleCPU*float64(interval) {
		t.trimmed = false
		return false
	}
	if t.trimmed {
		return false
	}
	t.trimmed = true
	return true
}

// cpuTime is the CPU time the process used so far, user and system.
func cpuTime() time.Duration {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// Command flow measures fanmail's transactional latencies from outside: it
// builds and starts the real fanmail binary (demo data, its own database),
// receives its mail on an SMTP server of its own that timestamps every
// message, and drives it over HTTP as members would.
//
//   - opt-in: N visitors post the join form at once; the latency of each is
//     from sending the form to its opt-in mail arriving.
//
//   - chip: the same N then follow their confirmation links at once and
//     press the page's button; each picked a brand when joining, so
//     confirming selects it. The latency is from the press (the selection)
//     to the brand's chip mail arriving; it is also reported from opening
//     the link, the page's round trip included.
//
//     go run ./bench/flow -n 200 -runs 3
//     go run ./bench/flow -db 'postgres://postgres@127.0.0.1:5432/test?sslmode=disable' -n 1000
package main

import (
	"bufio"
	"context"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/http"
	"net/mail"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/fanmail/fanmail/internal/store"
)

func main() {
	dbURL := flag.String("db", "", "database: postgres://… (a fresh schema per run); default a fresh SQLite file per run")
	n := flag.Int("n", 200, "members joining at once")
	runs := flag.Int("runs", 1, "runs, each with a fresh database and process")
	timeout := flag.Duration("timeout", 2*time.Minute, "how long to wait for the mails of one phase")
	flag.BoolVar(&keep, "keep", false, "keep each run's directory (fanmail.log, the SQLite file)")
	binFlag := flag.String("bin", "", "a fanmail executable to run instead of building ./cmd/fanmail (to compare builds)")
	flag.Parse()
	fmt.Println(machine())
	bin := *binFlag
	if bin == "" {
		var err error
		if bin, err = build(); err != nil {
			fail(err)
		}
	}
	for i := range *runs {
		if err := run(bin, *dbURL, *n, i, *timeout); err != nil {
			fail(err)
		}
	}
}

var keep bool

func fail(err error) {
	fmt.Fprintln(os.Stderr, "flow:", err)
	os.Exit(1)
}

// build compiles cmd/fanmail once.
func build() (string, error) {
	dir, err := os.MkdirTemp("", "fanmail-flow")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "fanmail")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/fanmail")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	return bin, cmd.Run()
}

// run starts fanmail on a fresh database and measures both phases.
func run(bin, dbURL string, n, i int, timeout time.Duration) error {
	inbox, err := listenSMTP()
	if err != nil {
		return err
	}
	defer inbox.close()
	dbURL, engine, err := freshDatabase(dbURL, i)
	if err != nil {
		return err
	}
	addr, err := freePort()
	if err != nil {
		return err
	}
	base := "http://" + addr
	dir, err := os.MkdirTemp("", "fanmail-flow-run")
	if err != nil {
		return err
	}
	if keep {
		fmt.Println("run directory:", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	cmd := exec.Command(bin)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "FANMAIL_DATABASE_URL="+dbURL, "FANMAIL_HTTP_ADDR="+addr, "FANMAIL_BASE_URL="+base,
		"FANMAIL_SMTP_URL=smtp://"+inbox.addr+"?tls=none", "FANMAIL_MEDIA_DIR="+filepath.Join(dir, "media"))
	logFile, err := os.Create(filepath.Join(dir, "fanmail.log"))
	if err != nil {
		return err
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		return err
	}
	defer func() { cmd.Process.Signal(os.Interrupt); cmd.Wait() }()
	if err := waitHealthy(base); err != nil {
		return err
	}
	form, err := joinForm(dbURL)
	if err != nil {
		return err
	}

	// Phase 1: n visitors join at once.
	sent := map[string]time.Time{}
	answered := map[string]received{} // when each join's answer came
	var mu sync.Mutex
	errs := together(n, func(k int) error {
		addr := fmt.Sprintf("flow%d.%d@bench.example", i, k)
		f := form(k, addr)
		t0 := time.Now()
		res, err := http.PostForm(base+"/join", f)
		if err != nil {
			return err
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK && res.StatusCode != http.StatusSeeOther {
			return fmt.Errorf("join: status %d: %s", res.StatusCode, fieldErrors.FindAllString(string(body), 5))
		}
		mu.Lock()
		sent[addr] = t0
		answered[addr] = received{at: time.Now()}
		mu.Unlock()
		return nil
	})
	if errs > 0 {
		return fmt.Errorf("%d of %d joins failed", errs, n)
	}
	report(engine, "join answered", n, answered, sent)
	optins := inbox.wait(func(m received) bool { return strings.Contains(m.subject, "이메일 주소를 확인") }, n, timeout)
	report(engine, "opt-in", n, optins, sent)

	// Phase 2: they all confirm at once; each confirmation selects the
	// brand picked when joining.
	opened := map[string]time.Time{}  // the link opened (the page asks for a press)
	pressed := map[string]time.Time{} // the press sent: the brand is selected
	confirmAnswered := map[string]received{}
	links := make([]received, 0, len(optins))
	for _, m := range optins {
		links = append(links, m)
	}
	errs = together(len(links), func(k int) error {
		m := links[k]
		t0 := time.Now()
		t1, err := confirm(m.link)
		if err != nil {
			return err
		}
		mu.Lock()
		opened[m.to], pressed[m.to] = t0, t1
		confirmAnswered[m.to] = received{at: time.Now()}
		mu.Unlock()
		return nil
	})
	if errs > 0 {
		return fmt.Errorf("%d of %d confirmations failed", errs, len(links))
	}
	report(engine, "confirm answered", len(links), confirmAnswered, pressed)
	chips := inbox.wait(func(m received) bool { return strings.Contains(m.subject, "매니아칩") }, len(links), timeout)
	report(engine, "chip (from the press)", len(links), chips, pressed)
	report(engine, "chip (from opening the link)", len(links), chips, opened)
	return nil
}

// confirm does what a person does with a confirmation link: it opens the
// page, then presses its button (a POST of the link's token). It returns
// when the press was sent: the moment the member is confirmed and their
// brand selected.
func confirm(link string) (time.Time, error) {
	if err := expectOK(http.Get(link)); err != nil {
		return time.Time{}, fmt.Errorf("confirmation page: %w", err)
	}
	u, err := url.Parse(link)
	if err != nil {
		return time.Time{}, err
	}
	token := u.Query().Get("token")
	u.RawQuery = ""
	t := time.Now()
	if err := expectOK(http.PostForm(u.String(), url.Values{"token": {token}})); err != nil {
		return t, fmt.Errorf("confirm: %w", err)
	}
	return t, nil
}

// expectOK reads and closes a response, failing unless it is 200.
func expectOK(res *http.Response, err error) error {
	if err != nil {
		return err
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d", res.StatusCode)
	}
	return nil
}

// together runs fn(0…n-1) in n goroutines released at the same moment and
// returns how many failed.
func together(n int, fn func(k int) error) int {
	var wg sync.WaitGroup
	var mu sync.Mutex
	start := make(chan struct{})
	failed := 0
	for k := range n {
		wg.Go(func() {
			<-start
			if err := fn(k); err != nil {
				mu.Lock()
				if failed == 0 {
					fmt.Fprintln(os.Stderr, "flow:", err)
				}
				failed++
				mu.Unlock()
			}
		})
	}
	close(start)
	wg.Wait()
	return failed
}

// report prints the latency distribution of one phase.
func report(engine, phase string, n int, got map[string]received, since map[string]time.Time) {
	var ds []time.Duration
	for to, m := range got {
		if t0, ok := since[to]; ok {
			ds = append(ds, m.at.Sub(t0))
		}
	}
	sort.Slice(ds, func(a, b int) bool { return ds[a] < ds[b] })
	if len(ds) == 0 {
		fmt.Printf("%s %s n=%d: no mail arrived\n", engine, phase, n)
		return
	}
	q := func(p float64) time.Duration {
		return ds[min(len(ds)-1, int(p*float64(len(ds))))].Round(time.Millisecond)
	}
	fmt.Printf("%s %s n=%d: %d; latency p50 %v, p95 %v, p99 %v, max %v\n",
		engine, phase, n, len(ds), q(0.50), q(0.95), q(0.99), ds[len(ds)-1].Round(time.Millisecond))
}

// joinForm reads the profile questions and the demo brands from the
// database and returns a filled join form for visitor k: every question
// answered with its first option, one brand picked (round robin), e-mail
// marketing consent given.
func joinForm(dbURL string) (func(k int, addr string) url.Values, error) {
	ctx := context.Background()
	db, err := store.Open(ctx, dbURL)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	qs, err := db.Questions(ctx, "profile", true)
	if err != nil {
		return nil, err
	}
	var brands []int64
	rows, err := db.SQL().QueryContext(ctx, `SELECT id FROM brands WHERE published ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		brands = append(brands, id)
	}
	if len(brands) == 0 {
		return nil, errors.New("no published brands: is the demo data loaded?")
	}
	return func(k int, addr string) url.Values {
		f := url.Values{
			"lang": {"ko"}, "email": {addr}, "code": {strings.ReplaceAll(strings.Split(addr, "@")[0], ".", "_")}, "name": {"벤치" + strconv.Itoa(k)}, "birth_year": {strconv.Itoa(1975 + k%30)},
			"gender": {[]string{"female", "male"}[k%2]}, "consent_terms": {"1"}, "consent_privacy": {"1"},
			"consent_marketing_email": {"1"}, "brand": {strconv.FormatInt(brands[k%len(brands)], 10)},
		}
		for _, q := range qs {
			if len(q.Options) > 0 {
				f.Set(fmt.Sprintf("q_%d", q.ID), strconv.FormatInt(q.Options[0].ID, 10))
			} else {
				f.Set(fmt.Sprintf("q_%d_text", q.ID), "벤치")
			}
		}
		return f
	}, nil
}

// freshDatabase returns the URL of an empty database for run i.
func freshDatabase(dbURL string, i int) (string, string, error) {
	if dbURL == "" {
		dir, err := os.MkdirTemp("", "fanmail-flow-db")
		if err != nil {
			return "", "", err
		}
		return "sqlite:" + filepath.Join(dir, "fanmail.db"), "sqlite", nil
	}
	schema := fmt.Sprintf("fanmail_flow_%d_%d", os.Getpid(), i)
	boot, err := store.Open(context.Background(), dbURL)
	if err != nil {
		return "", "", err
	}
	defer boot.Close()
	if _, err := boot.SQL().Exec(`CREATE SCHEMA ` + schema); err != nil {
		return "", "", err
	}
	sep := "?"
	if strings.Contains(dbURL, "?") {
		sep = "&"
	}
	return dbURL + sep + "search_path=" + schema, "postgres", nil
}

func freePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

func waitHealthy(base string) error {
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if res, err := http.Get(base + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return errors.New("fanmail did not become ready within 60 s")
}

// received is one mail as the inbox saw it.
type received struct {
	to, subject, link string
	at                time.Time
}

// inbox is an SMTP server that timestamps each message on arrival.
type inbox struct {
	addr   string
	srv    *smtp.Server
	mu     sync.Mutex
	cond   *sync.Cond
	mails  []received
	closed bool
}

func listenSMTP() (*inbox, error) {
	ib := &inbox{}
	ib.cond = sync.NewCond(&ib.mu)
	ib.srv = smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &session{ib: ib}, nil }))
	ib.srv.Domain = "flow.bench"
	ib.srv.MaxRecipients = 10
	ib.srv.AllowInsecureAuth = true
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	ib.addr = ln.Addr().String()
	go ib.srv.Serve(ln)
	return ib, nil
}

func (ib *inbox) close() {
	ib.srv.Close()
	ib.mu.Lock()
	ib.closed = true
	ib.cond.Broadcast()
	ib.mu.Unlock()
}

func (ib *inbox) add(m received) {
	ib.mu.Lock()
	ib.mails = append(ib.mails, m)
	ib.cond.Broadcast()
	ib.mu.Unlock()
}

// wait returns, by recipient, the first mail matching ok, once n recipients
// have one or the timeout passes.
func (ib *inbox) wait(ok func(received) bool, n int, timeout time.Duration) map[string]received {
	t := time.AfterFunc(timeout, func() { ib.mu.Lock(); ib.cond.Broadcast(); ib.mu.Unlock() })
	defer t.Stop()
	deadline := time.Now().Add(timeout)
	ib.mu.Lock()
	defer ib.mu.Unlock()
	for {
		out := map[string]received{}
		for _, m := range ib.mails {
			if _, seen := out[m.to]; !seen && ok(m) {
				out[m.to] = m
			}
		}
		if len(out) >= n || ib.closed || time.Now().After(deadline) {
			return out
		}
		ib.cond.Wait()
	}
}

type session struct {
	ib *inbox
	to string
}

func (s *session) AuthPlain(string, string) error            { return nil }
func (s *session) Mail(string, *smtp.MailOptions) error      { return nil }
func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error { s.to = strings.ToLower(to); return nil }
func (s *session) Reset()                                    { s.to = "" }
func (s *session) Logout() error                             { return nil }

func (s *session) Data(r io.Reader) error {
	at := time.Now()
	msg, err := mail.ReadMessage(bufio.NewReader(r))
	if err != nil {
		return err
	}
	subject, _ := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	m := received{to: s.to, subject: subject, at: at}
	if text := textOf(msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body); text != "" {
		m.link = confirmLink.FindString(text)
	}
	s.ib.add(m)
	return nil
}

var fieldErrors = regexp.MustCompile(`(?s)(class="field-error"|id="form-error")[^>]*>[^<]*`)

var confirmLink = regexp.MustCompile(`https?://\S+/confirm\?token=[A-Za-z0-9._~-]+`)

// textOf returns the text/plain part of a message body, decoded.
func textOf(contentType, encoding string, body io.Reader) string {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return ""
	}
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err != nil {
				return ""
			}
			if t := textOf(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p); t != "" {
				return t
			}
		}
	}
	if mt != "text/plain" {
		return ""
	}
	switch strings.ToLower(encoding) {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, body)
	}
	b, _ := io.ReadAll(body)
	return string(b)
}

// machine describes where the benchmark runs.
func machine() string {
	load, _ := os.ReadFile("/proc/loadavg")
	return fmt.Sprintf("%s: %d CPUs, %s %s/%s, load average %s", time.Now().Format(time.RFC3339), runtime.NumCPU(),
		runtime.Version(), runtime.GOOS, runtime.GOARCH, strings.Join(strings.Fields(string(load))[:3], " "))
}

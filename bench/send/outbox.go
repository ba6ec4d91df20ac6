package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"syscall"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/channel/email"
	"github.com/fanmail/fanmail/internal/delivery"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/tracking"
)

// runOutbox writes one marketing survey invitation per member into the
// outbox (as the survey service does, but in one statement) and sends them
// all through delivery.Outbox to the sink: the contact rule per message,
// rendering, "(광고)" framing, legal footer, RFC 8058 headers, VERP and the
// recorded outcome. It prints a result as JSON.
func runOutbox(ctx context.Context, f flags, db *store.DB, logger *slog.Logger) error {
	now := time.Now().UTC()
	cast := ""
	if db.Engine() == store.Postgres {
		cast = "::text"
	}
	stopProfile, err := startProfile(f)
	if err != nil {
		return err
	}
	defer stopProfile()
	cpu0 := cpuSeconds()
	sys0, sw0 := syscallCount(), switches()
	dbCPU0 := backendCPU(ctx, db)
	t0 := time.Now()
	if _, err := db.SQL().ExecContext(ctx, `INSERT INTO messages (kind, channel, purpose, member_id, ref, data, status, run_at, created_at)
		SELECT $1, 'email', 'marketing', id, 'bench:' || id`+cast+`, '{"survey":"brand-deep"}', 'queued', $2, $2 FROM members`,
		fanmail.MessageSurveyInvitation, now); err != nil {
		return fmt.Errorf("queue invitations: %w", err)
	}
	t1 := time.Now()
	cfg, err := email.ParseURL(fmt.Sprintf("smtp://%s?tls=none", f.sinkAddr))
	if err != nil {
		return err
	}
	ob := delivery.NewOutbox(db, logger, delivery.OutboxOptions{
		SMTP: &cfg, From: "오즈세컨 <news@ozsecond.example>", BounceDomain: "fan.example.com",
		URLs: tracking.NewURLs("https://fan.example.com", []byte("bench secret")),
		Sender: func(context.Context) (fanmail.Sender, error) {
			return fanmail.Sender{Name: "오즈세컨 강남점", Address: "서울특별시 강남구 테헤란로 123", Phone: "02-1234-5678"}, nil
		},
		Batch: f.batch, Workers: f.outboxWorkers,
	})
	ob.Register(fanmail.MessageSurveyInvitation, benchInvitation)
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	done := make(chan struct{})
	go func() { ob.Run(runCtx); close(done) }()
	for {
		// Unfinished messages are in the outbox's partial index: cheap.
		var left int
		if err := db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM messages WHERE status IN ('queued', 'sending')`).Scan(&left); err != nil {
			return err
		}
		if left == 0 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	t2 := time.Now()
	stop()
	<-done
	counts, err := db.MessageCounts(ctx)
	if err != nil {
		return err
	}
	sent := int64(counts[fanmail.MessageSent])
	cpu := cpuSeconds() - cpu0
	dbCPU := backendCPU(ctx, db) - dbCPU0
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	r := result{Engine: db.Engine() + " outbox", N: f.n, QueueSeconds: t1.Sub(t0).Seconds(), SendSeconds: t2.Sub(t1).Seconds(),
		WallSeconds: t2.Sub(t0).Seconds(), CPUSeconds: cpu, PeakRSSMB: float64(ru.Maxrss) / 1024, Sent: sent}
	r.MsgsPerSec = float64(f.n) / r.SendSeconds
	r.CPUPerMsg = cpu / float64(f.n) * 1e6
	r.SyscallsPerMsg = float64(syscallCount()-sys0) / float64(f.n)
	r.SwitchesPerMsg = float64(switches()-sw0) / float64(f.n)
	if dbCPU > 0 {
		r.DBCPUPerMsg = dbCPU / float64(f.n) * 1e6
	}
	if _, err := db.SQL().ExecContext(ctx, `DELETE FROM messages`); err != nil {
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(r)
}

// benchInvitation renders a survey invitation of the size the survey
// service's mails have: a personal greeting and the first question's
// options as one-click links.
func benchInvitation(_ context.Context, c *store.OutboxClaim) (delivery.Content, error) {
	id := strconv.FormatInt(c.ID, 10)
	link := "https://fan.example.com/s/" + id + "?q=1&a="
	html := "<p>" + c.Name + "님, 오즈세컨의 팬으로서 설문에 답해 주시면 매니아칩을 하나 더 드립니다.</p>" +
		"<p>오즈세컨 옷은 옷장의 몇 %인가요?</p><ul>"
	text := c.Name + "님, 오즈세컨의 팬으로서 설문에 답해 주시면 매니아칩을 하나 더 드립니다.\n\n오즈세컨 옷은 옷장의 몇 %인가요?\n"
	for i, o := range []string{"0–10 %", "11–30 %", "31–60 %", "61 % 이상"} {
		v := strconv.Itoa(i + 1)
		html += `<li><a href="` + link + v + `">` + o + `</a></li>`
		text += "- " + o + ": " + link + v + "\n"
	}
	return delivery.Content{Subject: "오즈세컨 설문에 답하고 매니아칩을 받으세요", Text: text, HTML: html + "</ul>"}, nil
}
